// Copyright 2026 the framewire authors. MIT license.
/**
 * Fuzz target `server`: a live server built as `cli/server.ts` builds it
 * (Debug logging, files, chat; Pings answered by the transport), in this
 * process on 127.0.0.1, receiving batches of up to `concurrency` fuzz
 * connections at once (see `_server_input.ts` for what they send).
 *
 * Invariants:
 * - no uncaught exception and no unhandled rejection in the process;
 * - every Error frame the server sends carries a code documented in
 *   docs/PROTOCOL.md, and so does every BlobAbort and BlobCancel;
 * - no `INTERNAL_ERROR` frame and no `error`-level log event (the logging
 *   contract keeps that level for server faults);
 * - the server's byte stream always decodes (no frame above 16 MiB, no
 *   truncated frame at a clean end);
 * - a well-behaved client (the watchdog: Ping/Pong and a chat send/ack on a
 *   connection open all along, and a Ping on a fresh connection) is
 *   answered within `watchdogTimeoutMs` at every check.
 *
 * @module
 */
import fc from "fast-check";
import {
  type Frame,
  FrameDecoder,
  FrameType,
  type LogEvent,
  parseErrorFrame,
  serve,
} from "../mod.ts";
import { ChatServer } from "../chat/mod.ts";
import { FileServer } from "../files/mod.ts";
import { FilesFrameType } from "../files/frame_types.ts";
import { parseReport } from "../files/_wire.ts";
import { createServerHandler, PROTOCOLS } from "../cli/server.ts";
import {
  FUZZ_ADMIN_TOKEN,
  FUZZ_FILES,
  FUZZ_USERS,
  type Session,
  sessionArb,
  sessionBytes,
} from "./_server_input.ts";
import { Watchdog } from "./_watchdog.ts";
import {
  documentedCodes,
  type FuzzBudget,
  type FuzzResult,
  runProperty,
  Tally,
} from "./_run.ts";

/** Options of the server target besides the budget. */
export interface ServerFuzzOptions {
  /** Connections open at once (one batch). @default {20} */
  concurrency?: number;
  /** Run a watchdog check every this many batches. @default {5} */
  checkEvery?: number;
  /** How long the watchdog waits for each answer. @default {5000} */
  watchdogTimeoutMs?: number;
  /** How long a connection waits for more bytes before giving up. @default {150} */
  quietMs?: number;
}

/** What the connections of one batch saw. */
interface Observed {
  problems: string[];
  frames: number;
  bytes: number;
  resets: number;
}

const SENTINEL = new TextEncoder().encode("fuzz-sentinel");

/** Runs the `server` target; batches of connections are its inputs. */
export async function fuzzServer(
  budget: FuzzBudget,
  options: ServerFuzzOptions = {},
): Promise<FuzzResult> {
  const concurrency = options.concurrency ?? 20;
  const checkEvery = options.checkEvery ?? 5;
  const watchdogTimeoutMs = options.watchdogTimeoutMs ?? 5000;
  const quietMs = options.quietMs ?? 150;
  const tally = new Tally();
  const faults: string[] = [];
  const logged = new Map<string, number>();
  const log = (event: LogEvent) => {
    const key = `${event.level} ${event.event}`;
    logged.set(key, (logged.get(key) ?? 0) + 1);
    if (event.level === "error") {
      faults.push(
        `error log ${event.event} ${event.code ?? ""}: ${
          event.message.slice(0, 300)
        }`,
      );
    }
  };
  // Global failures: they belong to no single input, so they stop the run
  // (later runs pass at once) instead of being shrunk.
  let fatal: string | undefined;
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    fatal ??= `unhandled rejection: ${describe(event.reason)}`;
  };
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    fatal ??= `uncaught exception: ${describe(event.error)}`;
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  globalThis.addEventListener("error", onError);

  const dir = await Deno.makeTempDir({ prefix: "framewire_fuzz_" });
  const root = `${dir}/files`;
  const uploads = `${dir}/uploads`;
  await Deno.mkdir(`${root}/sub`, { recursive: true });
  await Deno.mkdir(`${uploads}/up`, { recursive: true });
  for (const [name, size] of Object.entries(FUZZ_FILES)) {
    await Deno.writeFile(`${root}/${name}`, new Uint8Array(size).fill(97));
  }
  const files = new FileServer({ root, uploadDir: uploads, logger: log });
  const chat = new ChatServer({
    path: `${dir}/chat.db`,
    // Cheap hashes: the fuzzer logs in by the thousand. NORMAL sync: the
    // fuzzer checks answers, not durability.
    passwordIterations: 1000,
    synchronous: "NORMAL",
    adminToken: FUZZ_ADMIN_TOKEN,
    logger: log,
  });
  const server = serve(
    { hostname: "127.0.0.1", port: 0, logger: log },
    createServerHandler(log, [...PROTOCOLS, files, chat]),
  );
  const port = server.port!;
  let watchdog: Watchdog | undefined;
  let batches = 0;
  let connections = 0;
  let frames = 0;
  let resets = 0;
  let lastBatch: Session[] = [];
  try {
    // Register the fuzz users so their logins succeed and direct chats exist.
    for (const user of FUZZ_USERS) {
      await runSession(port, {
        login: user,
        frames: [],
        tail: new Uint8Array(0),
        mutations: [],
        cuts: [],
        gapMs: 0,
        end: "sentinel",
      }, 2000);
    }
    watchdog = await Watchdog.start(port, watchdogTimeoutMs);
    const property = fc.asyncProperty(
      fc.array(sessionArb, { minLength: 1, maxLength: concurrency }),
      async (batch) => {
        if (fatal !== undefined) return;
        lastBatch = batch;
        const seen = await Promise.all(
          batch.map((session) => runSession(port, session, quietMs)),
        );
        batches++;
        connections += batch.length;
        const problems: string[] = [];
        for (const observed of seen) {
          frames += observed.frames;
          resets += observed.resets;
          problems.push(...observed.problems);
        }
        for (const problem of problems) {
          const code = /^code (\S+)/.exec(problem)?.[1];
          if (code !== undefined) tally.refuse(code);
        }
        const failures = problems.filter((problem) =>
          !problem.startsWith("code ")
        );
        failures.push(...faults.splice(0));
        if (batches % checkEvery === 0) {
          try {
            await watchdog!.check(watchdogTimeoutMs);
          } catch (error) {
            fatal ??= `well-behaved client not served: ${describe(error)}`;
          }
        }
        if (failures.length > 0) throw new Error(failures.join("\n"));
      },
    );
    const result = await runProperty("server", property, budget, tally);
    if (fatal === undefined) {
      try {
        await watchdog.check(watchdogTimeoutMs);
      } catch (error) {
        fatal = `well-behaved client not served at the end: ${describe(error)}`;
      }
    }
    tally.notes.push(
      `${connections} connections, ${frames} frames received, ${resets} resets, ` +
        `slowest watchdog check ${Math.round(watchdog.slowestMs)} ms, ` +
        `RSS ${Math.round(Deno.memoryUsage().rss / 2 ** 20)} MiB`,
      `log: ${[...logged].map(([key, count]) => `${key}=${count}`).join(" ")}`,
    );
    if (fatal !== undefined) {
      return {
        ...result,
        failure:
          `${fatal}\nSeed ${budget.seed}; the batch running then: ${
            fc.stringify(lastBatch).slice(0, 4000)
          }\n` +
          `Replay: deno task fuzz --target server --seed ${budget.seed}`,
      };
    }
    return result;
  } finally {
    watchdog?.close();
    await server.shutdown();
    await server.finished;
    await chat.close();
    await files.close();
    globalThis.removeEventListener("unhandledrejection", onRejection);
    globalThis.removeEventListener("error", onError);
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Runs one connection: writes its bytes (in pieces), reads and checks all
 * the server sends until the sentinel Pong, the server's close or
 * `quietMs` without a byte. Problems are strings; `code X` lines are
 * refusals, anything else is an invariant failure.
 */
async function runSession(
  port: number,
  session: Session,
  quietMs: number,
): Promise<Observed> {
  const observed: Observed = { problems: [], frames: 0, bytes: 0, resets: 0 };
  let bytes = sessionBytes(session);
  if (session.end === "sentinel") {
    const withPing = new Uint8Array(bytes.length + 5 + SENTINEL.length);
    withPing.set(bytes);
    withPing.set([FrameType.Ping, 0, 0, 0, SENTINEL.length], bytes.length);
    withPing.set(SENTINEL, bytes.length + 5);
    bytes = withPing;
  }
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const decoder = new FrameDecoder({ maxFrameLength: 16 * 1024 * 1024 });
  let sentinelSeen = false;
  let ended = false;
  let progress = Promise.withResolvers<void>();
  const check = (frame: Frame) => {
    observed.frames++;
    checkFrame(frame, observed);
    if (
      frame.type === FrameType.Pong &&
      frame.payload.length === SENTINEL.length &&
      frame.payload.every((byte, i) => byte === SENTINEL[i])
    ) sentinelSeen = true;
  };
  const reading = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) {
          decoder.finish();
          break;
        }
        observed.bytes += n;
        for (const frame of decoder.push(buffer.slice(0, n))) check(frame);
        progress.resolve();
      }
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionReset) observed.resets++;
      else if (
        !(error instanceof Deno.errors.BadResource ||
          error instanceof Deno.errors.Interrupted)
      ) {
        observed.problems.push(`server stream: ${describe(error)}`);
      }
    } finally {
      ended = true;
      progress.resolve();
    }
  })();
  try {
    let start = 0;
    const cuts = session.cuts.map((cut) => cut % (bytes.length + 1)).sort((
      a,
      b,
    ) => a - b);
    for (const cut of [...cuts, bytes.length]) {
      if (cut > start) await writeAll(conn, bytes.subarray(start, cut));
      start = Math.max(start, cut);
      if (session.gapMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, session.gapMs));
      }
    }
    if (session.end === "closeWrite") await conn.closeWrite();
  } catch {
    // The server may close first (a refused frame): not a failure.
  }
  if (session.end !== "abort") {
    while (!ended && !sentinelSeen) {
      progress = Promise.withResolvers<void>();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const quiet = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), quietMs);
      });
      const timedOut = await Promise.race([
        progress.promise.then(() => false),
        quiet,
      ]);
      clearTimeout(timer);
      if (timedOut) break;
    }
  }
  conn.close();
  await reading;
  return observed;
}

function checkFrame(frame: Frame, observed: Observed): void {
  let code: string | undefined;
  if (frame.type === FrameType.Error) {
    code = parseErrorFrame(frame).code;
  } else if (
    frame.type === FilesFrameType.BlobAbort ||
    frame.type === FilesFrameType.BlobCancel
  ) {
    code = parseReport(frame.payload, "report").code;
  }
  if (code === undefined) return;
  if (!documentedCodes().has(code)) {
    observed.problems.push(
      `undocumented code ${code} in ${
        new TextDecoder().decode(frame.payload).slice(0, 300)
      }`,
    );
  } else if (code === "INTERNAL_ERROR") {
    observed.problems.push(
      `INTERNAL_ERROR: ${
        new TextDecoder().decode(frame.payload).slice(0, 300)
      }`,
    );
  } else {
    observed.problems.push(`code ${code}`);
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    offset += await conn.write(bytes.subarray(offset));
  }
}

function describe(value: unknown): string {
  return value instanceof Error
    ? `${value.name}: ${value.message}`
    : String(value);
}
