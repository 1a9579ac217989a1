// Copyright 2026 the framewire authors. MIT license.
// The well-behaved client of the server target: one connection logged in
// for the whole run, which must keep getting Pongs and chat acks while the
// fuzz connections do their worst, and a fresh connection per check, which
// must be accepted and answered.
import { connect, type Frame, type FramedConn, FrameType } from "../mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Its name; fuzz logins never use it, so they cannot replace its session. */
export const WATCHDOG_USER = "fuzzwatchdog";
const WATCHDOG_ROOM = "#fuzzwatch";
const PASSWORD = "watchdogpass1";

export class Watchdog {
  #conn: FramedConn;
  #port: number;
  #checks = 0;
  /** Slowest check so far, in ms. */
  slowestMs = 0;

  private constructor(conn: FramedConn, port: number) {
    this.#conn = conn;
    this.#port = port;
  }

  /** Connects, logs in and joins the watchdog's room. */
  static async start(port: number, timeoutMs: number): Promise<Watchdog> {
    const conn = await connect({ hostname: "127.0.0.1", port });
    const watchdog = new Watchdog(conn, port);
    try {
      await watchdog.#send({
        type: FrameType.ClientType,
        payload: encoder.encode(
          JSON.stringify({
            type: "chat",
            user: WATCHDOG_USER,
            password: PASSWORD,
            id: "login",
          }),
        ),
      });
      await watchdog.#expectChat("login", timeoutMs);
      await watchdog.#send(
        chatFrame({ op: "join", id: "join", chat: WATCHDOG_ROOM }),
      );
      await watchdog.#expectChat("join", timeoutMs);
    } catch (error) {
      conn.close();
      throw error;
    }
    return watchdog;
  }

  /**
   * A Ping and a chat send on the long-lived connection, and a Ping on a
   * fresh one, each answered within `timeoutMs`.
   *
   * @throws {Error} Saying which answer did not come.
   */
  async check(timeoutMs: number): Promise<void> {
    const started = performance.now();
    const n = ++this.#checks;
    const payload = encoder.encode(`watchdog ${n}`);
    await this.#send({ type: FrameType.Ping, payload });
    await this.#expect(
      (frame) =>
        frame.type === FrameType.Pong &&
        decoder.decode(frame.payload) === `watchdog ${n}`,
      `Pong ${n}`,
      timeoutMs,
    );
    const id = `check-${n}`;
    await this.#send(
      chatFrame({ op: "send", id, chat: WATCHDOG_ROOM, text: `check ${n}` }),
    );
    const ack = await this.#expectChat(id, timeoutMs);
    if (ack.op !== "ack") {
      throw new Error(`watchdog: send ${n} answered ${JSON.stringify(ack)}`);
    }
    const fresh = await withTimeout(
      connect({ hostname: "127.0.0.1", port: this.#port }),
      timeoutMs,
      "fresh connection",
    );
    try {
      const pong = await withTimeout(
        fresh.request({ type: FrameType.Ping, payload }),
        timeoutMs,
        "Pong on a fresh connection",
      );
      if (pong.type !== FrameType.Pong) {
        throw new Error(`watchdog: fresh Ping answered with type ${pong.type}`);
      }
    } finally {
      fresh.close();
    }
    this.slowestMs = Math.max(this.slowestMs, performance.now() - started);
  }

  /** Closes the long-lived connection. */
  close(): void {
    this.#conn.close();
  }

  #send(frame: Frame): Promise<void> {
    return withTimeout(this.#conn.send(frame), 10_000, "send");
  }

  async #expectChat(
    id: string,
    timeoutMs: number,
  ): Promise<Record<string, unknown>> {
    const frame = await this.#expect(
      (frame) => {
        if (
          frame.type !== FrameType.Chat && frame.type !== FrameType.Error
        ) return false;
        try {
          return JSON.parse(decoder.decode(frame.payload)).id === id;
        } catch {
          return false;
        }
      },
      `answer to ${id}`,
      timeoutMs,
    );
    const value = JSON.parse(decoder.decode(frame.payload));
    if (frame.type === FrameType.Error) {
      throw new Error(
        `watchdog: ${id} refused: ${value.code} ${value.message}`,
      );
    }
    return value;
  }

  /** Reads frames until one matches, answering the server's Pings. */
  async #expect(
    match: (frame: Frame) => boolean,
    what: string,
    timeoutMs: number,
  ): Promise<Frame> {
    const deadline = performance.now() + timeoutMs;
    while (true) {
      const left = deadline - performance.now();
      const frame = await withTimeout(
        this.#conn.receive(),
        Math.max(left, 0),
        what,
      );
      if (frame === null) {
        throw new Error(
          `watchdog: the server closed the connection before ${what}`,
        );
      }
      if (match(frame)) return frame;
      if (frame.type === FrameType.Ping) {
        await this.#send({
          type: FrameType.Pong,
          payload: frame.payload.slice(),
        });
      }
    }
  }
}

function chatFrame(value: unknown): Frame {
  return {
    type: FrameType.Chat,
    payload: encoder.encode(JSON.stringify(value)),
  };
}

async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`watchdog: no ${what} within ${Math.round(ms)} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
