// Copyright 2026 the framewire authors. MIT license.
// Helpers for the chat tests: a chat server on loopback with its database in
// a temp dir (removed afterwards), clients with a cheap password hash, and
// bounded waits for events.
import {
  connect,
  type Frame,
  FramedConn,
  FrameRouter,
  FrameType,
  type LogEvent,
  parseErrorFrame,
  serve,
  type Server,
} from "../../mod.ts";
import {
  ChatClient,
  type ChatEvent,
  type ChatMessage,
  ChatServer,
  type ChatServerOptions,
} from "../../chat/mod.ts";
import { within } from "../_utils.ts";
export { within };

/** Cheap enough for a hundred registrations per test; real servers use 210,000. */
export const TEST_ITERATIONS = 1000;
export const PASSWORD = "password1";

/** A running chat server; `restart` reopens the same database file. */
export interface ChatHarness {
  readonly dir: string;
  readonly dbPath: string;
  server: Server;
  chat: ChatServer;
  readonly log: LogEvent[];
  readonly port: number;
  /** Stops the server and closes the database (idempotent). */
  stop(): Promise<void>;
  /** Stops, then serves the same database again on a new port. */
  restart(): Promise<void>;
  /** Logs in `user` with {@linkcode PASSWORD} unless told otherwise. */
  login(user: string, password?: string): Promise<ChatClient>;
}

/**
 * Runs `fn` with a chat server whose database lives in a fresh temp dir;
 * stops everything and removes the dir afterwards, whatever happens.
 */
export async function withChat(
  fn: (harness: ChatHarness) => Promise<void>,
  options: Partial<ChatServerOptions> = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "framewire_chat_" });
  const dbPath = `${dir}/chat.db`;
  const log: LogEvent[] = [];
  const start = () => {
    const chat = new ChatServer({
      path: dbPath,
      passwordIterations: TEST_ITERATIONS,
      logger: (event) => void log.push(event),
      ...options,
    });
    const server = serve(
      { port: 0, logger: (event) => void log.push(event), lingerMs: 200 },
      new FrameRouter().use(chat),
    );
    return { chat, server };
  };
  let running: { chat: ChatServer; server: Server } | undefined = start();
  const harness: ChatHarness = {
    dir,
    dbPath,
    log,
    get server() {
      return running!.server;
    },
    get chat() {
      return running!.chat;
    },
    get port() {
      return running!.server.port!;
    },
    async stop() {
      if (running === undefined) return;
      const { chat, server } = running;
      running = undefined;
      await server.shutdown({ timeoutMs: 2000 });
      await chat.close();
    },
    async restart() {
      await harness.stop();
      running = start();
    },
    login(user, password = PASSWORD) {
      return ChatClient.connect({ port: harness.port, user, password });
    },
  } as ChatHarness;
  try {
    await fn(harness);
  } finally {
    await harness.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Registers users (each logs in once and leaves), so they exist offline. */
export async function register(
  harness: ChatHarness,
  ...users: string[]
): Promise<void> {
  await Promise.all(users.map(async (user) => {
    const client = await harness.login(user);
    await client.close();
  }));
}

/** The next `count` events of a client, within a deadline. */
export async function nextEvents(
  client: ChatClient,
  count: number,
  ms = 10_000,
): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  await within(
    ms,
    (async () => {
      while (events.length < count) {
        const event = await client.nextEvent();
        if (event === undefined) {
          throw new Error(
            `Connection of ${client.user} ended after ${events.length} of ${count} events`,
          );
        }
        events.push(event);
      }
    })(),
    `${count} events for ${client.user}`,
  );
  return events;
}

/** The next `count` messages (failing on any other event). */
export async function nextMessages(
  client: ChatClient,
  count: number,
  ms = 10_000,
): Promise<ChatMessage[]> {
  const events = await nextEvents(client, count, ms);
  return events.map((event) => {
    if (event.type !== "message") {
      throw new Error(
        `Expected a message for ${client.user}, got ${JSON.stringify(event)}`,
      );
    }
    return event.message;
  });
}

/** A raw framed connection to the harness, for hand-written payloads. */
export async function rawConnection(
  harness: ChatHarness,
): Promise<FramedConn<Deno.TcpConn>> {
  return await connect({ port: harness.port });
}

/** Sends a raw frame and reads the next frame back. */
export async function exchange(
  conn: FramedConn<Deno.Conn>,
  type: number,
  payload: string | Uint8Array,
): Promise<Frame> {
  await conn.send({
    type,
    payload: typeof payload === "string"
      ? new TextEncoder().encode(payload)
      : payload,
  });
  const frame = await within(5000, conn.receive(), "a reply");
  if (frame === null) throw new Error("Connection closed instead of a reply");
  return frame;
}

/** A frame as `{code, message, id}` for Error frames, else the parsed JSON. */
export function decode(frame: Frame): Record<string, unknown> {
  const text = new TextDecoder().decode(frame.payload);
  if (frame.type === FrameType.Error) {
    return { error: parseErrorFrame(frame).code, ...JSON.parse(text) };
  }
  return JSON.parse(text);
}

export { FramedConn };
