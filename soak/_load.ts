// Copyright 2026 the framewire authors. MIT license.
// The well-behaved half of the soak load, through the public API only:
// the quiet lag probe, pingers, chat users, file transfers and connection
// churn. Every driver is a loop with a fixed number of connections and a
// pause between operations, so load and concurrency stay bounded.
import { connect, type FramedConn, FrameType } from "../mod.ts";
import { ChatClient } from "../chat/mod.ts";
import { FileClient } from "../files/mod.ts";
import { sleep } from "../internal/sleep.ts";
import type { Counters } from "./_counters.ts";

/** Download files the soak puts in the server's `--files` dir. */
export const DOWNLOAD_SIZES = [1024, 64 * 1024, 1024 * 1024, 4 * 1024 * 1024];
/** Upload sizes. */
export const UPLOAD_SIZES = [1024, 256 * 1024, 2 * 1024 * 1024];
/** Password of every soak chat user. */
export const PASSWORD = "soak-password-1";
const ROOMS = ["#soak-a", "#soak-b", "#soak-c"];
const REQUEST_TIMEOUT_MS = 10_000;

/** What every driver gets. */
export interface LoadContext {
  readonly port: number;
  readonly counters: Counters;
  /** Aborted when the load stops. */
  readonly signal: AbortSignal;
  readonly random: () => number;
}

/** How many connections of each kind; the sum bounds the load. */
export interface LoadShape {
  pingers: number;
  chatUsers: number;
  fileWorkers: number;
  churners: number;
}

/** The default shape: 1 probe + 3 + 6 + 2 + 2 = 14 steady connections. */
export const DEFAULT_SHAPE: LoadShape = {
  pingers: 3,
  chatUsers: 6,
  fileWorkers: 2,
  churners: 2,
};

/** Name of chat user `i`. */
export function chatUserName(i: number): string {
  return `soak${i}`;
}

/** Name of download file `i`. */
export function downloadName(i: number): string {
  return `soak-${DOWNLOAD_SIZES[i]}.bin`;
}

/** Starts every well-behaved driver; resolves once all have stopped. */
export function startLoad(ctx: LoadContext, shape: LoadShape): Promise<void> {
  const drivers: Promise<void>[] = [probe(ctx)];
  for (let i = 0; i < shape.pingers; i++) drivers.push(pinger(ctx));
  for (let i = 0; i < shape.chatUsers; i++) {
    drivers.push(chatUser(ctx, i, shape.chatUsers));
  }
  for (let i = 0; i < shape.fileWorkers; i++) drivers.push(fileWorker(ctx, i));
  for (let i = 0; i < shape.churners; i++) drivers.push(churner(ctx));
  return Promise.all(drivers).then(() => {});
}

/** Keeps a connection for `use`; reconnects after a failure. */
async function withConn(
  ctx: LoadContext,
  source: string,
  use: (conn: FramedConn) => Promise<void>,
): Promise<void> {
  while (!ctx.signal.aborted) {
    let conn: FramedConn | undefined;
    try {
      conn = await connect({ port: ctx.port });
      ctx.counters.opened();
      await use(conn);
    } catch (error) {
      ctx.counters.error(source, error);
      await sleep(200, ctx.signal);
    } finally {
      if (conn !== undefined) {
        conn.close();
        ctx.counters.closed();
      }
    }
  }
}

/**
 * The lag probe: one quiet connection, a Ping every 50 ms. Its round trip
 * is the server's event-loop lag plus loopback and the soak's own lag.
 */
function probe(ctx: LoadContext): Promise<void> {
  const payload = new Uint8Array(8);
  return withConn(ctx, "probe", async (conn) => {
    while (!ctx.signal.aborted) {
      const start = performance.now();
      await conn.request(
        { type: FrameType.Ping, payload },
        { timeoutMs: REQUEST_TIMEOUT_MS },
      );
      ctx.counters.lag.push(performance.now() - start);
      await sleep(50, ctx.signal);
    }
  });
}

/** Pings in pipelined batches of 1 to 16, with 16 to 512 byte payloads. */
function pinger(ctx: LoadContext): Promise<void> {
  return withConn(ctx, "ping", async (conn) => {
    while (!ctx.signal.aborted) {
      const batch = 1 + Math.floor(ctx.random() * 16);
      const size = 16 << Math.floor(ctx.random() * 6);
      const requests = [];
      for (let i = 0; i < batch; i++) {
        requests.push(conn.request(
          { type: FrameType.Ping, payload: new Uint8Array(size) },
          { timeoutMs: REQUEST_TIMEOUT_MS },
        ));
      }
      await Promise.all(requests);
      ctx.counters.op("ping", batch);
      await sleep(20 + ctx.random() * 40, ctx.signal);
    }
  });
}

/**
 * A chat user: logs in, joins every room, opens one, reads everything it
 * is sent, sends a message to a room or another user every ~300 ms, asks
 * for history now and then, and logs in again every ~40 s.
 */
async function chatUser(
  ctx: LoadContext,
  index: number,
  users: number,
): Promise<void> {
  const user = chatUserName(index);
  while (!ctx.signal.aborted) {
    let client: ChatClient | undefined;
    try {
      client = await ChatClient.connect({
        port: ctx.port,
        user,
        password: PASSWORD,
      });
      ctx.counters.opened();
      ctx.counters.op("chat_login");
      for (const room of ROOMS) await client.join(room);
      await client.openChat(ROOMS[index % ROOMS.length]);
      await client.openChat(`@soak${(index + 1) % users}`);
      const reading = (async () => {
        for await (const event of client!) {
          if (event.type === "message") ctx.counters.op("chat_recv");
        }
      })().catch((error) => ctx.counters.error("chat_read", error));
      const sessionEnds = Date.now() + 30_000 + ctx.random() * 20_000;
      while (!ctx.signal.aborted && Date.now() < sessionEnds) {
        const roll = ctx.random();
        const chat = roll < 0.6
          ? ROOMS[Math.floor(ctx.random() * ROOMS.length)]
          : `@soak${
            (index + 1 + Math.floor(ctx.random() * (users - 1))) % users
          }`;
        if (roll < 0.05) {
          await client.history(ROOMS[0], { limit: 20 });
        } else {
          const length = 1 + Math.floor(ctx.random() * 400);
          await client.send(chat, "x".repeat(length));
          ctx.counters.op("chat_sent");
        }
        await sleep(150 + ctx.random() * 300, ctx.signal);
      }
      await client.close();
      await reading;
    } catch (error) {
      ctx.counters.error("chat", error);
      await sleep(500, ctx.signal);
    } finally {
      if (client !== undefined) {
        await client.close().catch(() => {});
        ctx.counters.closed();
      }
    }
  }
}

/**
 * Downloads and uploads of every size on one connection, a new connection
 * every 20 operations. Uploads overwrite a few names, so the disk stays
 * bounded.
 */
async function fileWorker(ctx: LoadContext, index: number): Promise<void> {
  const uploads = UPLOAD_SIZES.map((size) => {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) bytes[i] = i & 0xff;
    return bytes;
  });
  let n = 0;
  while (!ctx.signal.aborted) {
    let client: FileClient | undefined;
    try {
      client = await FileClient.connect({ port: ctx.port });
      ctx.counters.opened();
      for (let ops = 0; ops < 20 && !ctx.signal.aborted; ops++) {
        n++;
        if (ctx.random() < 0.5) {
          const i = Math.floor(ctx.random() * DOWNLOAD_SIZES.length);
          const blob = await client.get(downloadName(i));
          let size = 0;
          for await (const chunk of blob.stream) size += chunk.length;
          if (size !== DOWNLOAD_SIZES[i]) {
            throw new Error(
              `download of ${size} bytes, not ${DOWNLOAD_SIZES[i]}`,
            );
          }
          ctx.counters.op("file_get");
          ctx.counters.fileBytes += size;
        } else {
          const bytes = uploads[Math.floor(ctx.random() * uploads.length)];
          await client.put(`soak-w${index}-${n % 4}.bin`, bytes, {
            overwrite: true,
          });
          ctx.counters.op("file_put");
          ctx.counters.fileBytes += bytes.length;
        }
        await sleep(100 + ctx.random() * 300, ctx.signal);
      }
    } catch (error) {
      ctx.counters.error("files", error);
      await sleep(500, ctx.signal);
    } finally {
      if (client !== undefined) {
        await client[Symbol.asyncDispose]().catch(() => {});
        ctx.counters.closed();
      }
    }
  }
}

/**
 * Connection churn: connect, then one of: a Ping and close; close at once;
 * a Ping and close without reading the Pong. About 25 connections a second.
 */
async function churner(ctx: LoadContext): Promise<void> {
  while (!ctx.signal.aborted) {
    let conn: FramedConn | undefined;
    try {
      conn = await connect({ port: ctx.port });
      ctx.counters.opened();
      const roll = ctx.random();
      if (roll < 0.5) {
        await conn.request(
          { type: FrameType.Ping, payload: new Uint8Array(4) },
          { timeoutMs: REQUEST_TIMEOUT_MS },
        );
      } else if (roll < 0.75) {
        await conn.send({ type: FrameType.Ping, payload: new Uint8Array(4) });
      }
      ctx.counters.op("churn");
    } catch (error) {
      ctx.counters.error("churn", error);
    } finally {
      if (conn !== undefined) {
        conn.close();
        ctx.counters.closed();
      }
    }
    await sleep(20 + ctx.random() * 40, ctx.signal);
  }
}
