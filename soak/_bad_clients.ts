// Copyright 2026 the framewire authors. MIT license.
// The hostile half of the soak load: raw sockets that break the protocol in
// the ways a public server meets. Each kind names the log codes it may cause
// (see ./_expected_log.ts); at most MAX_BAD_AT_ONCE run at a time.
import type { Counters } from "./_counters.ts";
import { sleep } from "../internal/sleep.ts";
import type { LoadContext } from "./_load.ts";

/** Most bad connections open at once. */
export const MAX_BAD_AT_ONCE = 8;
/** How long a bad client that holds its connection keeps it, at most. */
const HOLD_MS = 40_000;
/** How long a bad client waits for the server to close on it. */
const CLOSE_WAIT_MS = 5_000;

type BadClient = (conn: Deno.TcpConn, ctx: LoadContext) => Promise<string>;

const encoder = new TextEncoder();

/** Each kind of bad client, with how often it is picked. */
export const BAD_CLIENTS: Record<string, { weight: number; run: BadClient }> = {
  // Random bytes behind a type byte no protocol uses (128 to 255).
  garbage: {
    weight: 3,
    run: async (conn, ctx) => {
      const bytes = new Uint8Array(64);
      for (let i = 0; i < bytes.length; i++) {
        bytes[i] = Math.floor(ctx.random() * 256);
      }
      bytes[0] |= 0x80;
      await writeAll(conn, bytes);
      return await waitForClose(conn, CLOSE_WAIT_MS);
    },
  },
  // A Ping header announcing 4 GiB.
  oversized: {
    weight: 3,
    run: async (conn) => {
      await writeAll(conn, new Uint8Array([2, 0xff, 0xff, 0xff, 0xff]));
      return await waitForClose(conn, CLOSE_WAIT_MS);
    },
  },
  // A Ping announcing 100 bytes, 10 sent, then end of stream.
  truncated: {
    weight: 3,
    run: async (conn) => {
      const bytes = new Uint8Array(15);
      bytes.set([2, 0, 0, 0, 100]);
      await writeAll(conn, bytes);
      await conn.closeWrite();
      return await waitForClose(conn, CLOSE_WAIT_MS);
    },
  },
  // An HTTP request.
  http: {
    weight: 3,
    run: async (conn) => {
      await writeAll(
        conn,
        encoder.encode("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
      );
      return await waitForClose(conn, CLOSE_WAIT_MS);
    },
  },
  // 3 bytes of a header, then silence until the server closes or HOLD_MS.
  half_header: {
    weight: 2,
    run: async (conn, ctx) => {
      await writeAll(conn, new Uint8Array([2, 0, 0]));
      return await waitForClose(conn, HOLD_MS, ctx.signal);
    },
  },
  // Pings with 64 KiB payloads until the server stops reading (its
  // replies fill up because this client never reads), then silence.
  never_reads: {
    weight: 1,
    run: async (conn, ctx) => {
      const frame = new Uint8Array(5 + 65536);
      frame.set([2, 0, 1, 0, 0]);
      const deadline = Date.now() + HOLD_MS;
      while (Date.now() < deadline && !ctx.signal.aborted) {
        const wrote = await Promise.race([
          writeAll(conn, frame).then(() => true, () => "error"),
          sleep(2000, ctx.signal).then(() => false),
        ]);
        if (wrote === "error") return "closed by server";
        if (wrote === false) break; // Blocked: the server stopped reading.
      }
      // Wait without reading: a read would drain the server's replies.
      await sleep(Math.max(0, deadline - Date.now()), ctx.signal);
      return "held";
    },
  },
};

const KINDS = Object.keys(BAD_CLIENTS);
const TOTAL_WEIGHT = KINDS.reduce((sum, k) => sum + BAD_CLIENTS[k].weight, 0);

/**
 * Starts a bad client every ~250 ms while fewer than MAX_BAD_AT_ONCE run;
 * resolves once all have finished after the stop.
 */
export async function startBadClients(ctx: LoadContext): Promise<void> {
  const running = new Set<Promise<void>>();
  while (!ctx.signal.aborted) {
    if (running.size < MAX_BAD_AT_ONCE) {
      const task = runOne(ctx, pick(ctx.random()), ctx.counters);
      running.add(task);
      task.finally(() => running.delete(task));
    }
    await sleep(150 + ctx.random() * 200, ctx.signal);
  }
  await Promise.all(running);
}

function pick(roll: number): string {
  let left = roll * TOTAL_WEIGHT;
  for (const kind of KINDS) {
    left -= BAD_CLIENTS[kind].weight;
    if (left < 0) return kind;
  }
  return KINDS[KINDS.length - 1];
}

async function runOne(
  ctx: LoadContext,
  kind: string,
  counters: Counters,
): Promise<void> {
  let conn: Deno.TcpConn | undefined;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port: ctx.port });
    counters.opened();
    const outcome = await BAD_CLIENTS[kind].run(conn, ctx);
    counters.bad(kind, outcome);
    counters.op("bad");
  } catch (error) {
    counters.bad(kind, `failed: ${(error as Error).name}`);
  } finally {
    if (conn !== undefined) {
      try {
        conn.close();
      } catch {
        // Closed already.
      }
      counters.closed();
    }
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    offset += await conn.write(bytes.subarray(offset));
  }
}

/**
 * Reads (and drops) until the server closes, at most `ms`; says how it
 * ended: "closed by server", "reset by server" or "held".
 */
async function waitForClose(
  conn: Deno.Conn,
  ms: number,
  signal?: AbortSignal,
): Promise<string> {
  const buffer = new Uint8Array(4096);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ms);
  const onAbort = () => stop.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  const reading = (async () => {
    try {
      while ((await conn.read(buffer)) !== null) {
        // Drop the Error frame and anything else.
      }
      return "closed by server";
    } catch {
      return "reset by server";
    }
  })();
  const held = new Promise<string>((resolve) =>
    stop.signal.addEventListener("abort", () => resolve("held"), {
      once: true,
    })
  );
  try {
    return await Promise.race([reading, held]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    // Closing the conn (by the caller) ends a pending read.
  }
}
