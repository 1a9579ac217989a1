// Copyright 2026 the framewire authors. MIT license.
// The client of `deno task bench:conns`: opens N connections to a port on
// 127.0.0.1, sends one Ping on each (and, against a framewire server, waits
// for its Pong), then holds them idle, reading, so that a server's heartbeat
// Pings are answered. Prints `open <n>` once all are idle; closes them all
// when a line arrives on stdin, then prints `closed`.
//
//   deno run -A benches/_conns_client.ts PORT N framewire|raw
import { encodeFrame, FramedConn, FrameType } from "../mod.ts";

const [portArg, countArg, mode] = Deno.args;
const port = Number(portArg);
const count = Number(countArg);
// Connections being opened at once: enough to be quick, few enough not to
// overflow the listener's accept backlog.
const CONCURRENCY = 128;
const PING = { type: FrameType.Ping, payload: new Uint8Array(8) };
const PING_BYTES = encodeFrame(PING);

const conns: FramedConn[] = [];
const raws: Deno.Conn[] = [];
const reading: Promise<void>[] = [];

async function openOne(): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  if (mode === "raw") {
    raws.push(conn);
    let written = 0;
    while (written < PING_BYTES.length) {
      written += await conn.write(PING_BYTES.subarray(written));
    }
    reading.push((async () => {
      const buffer = new Uint8Array(64);
      try {
        while ((await conn.read(buffer)) !== null) { /* nothing comes */ }
      } catch { /* closed */ }
    })());
    return;
  }
  const framed = new FramedConn(conn);
  conns.push(framed);
  await framed.request(PING, { timeoutMs: 30_000 });
  // Keep reading: the server's heartbeat Pings are answered by FramedConn.
  reading.push((async () => {
    try {
      while ((await framed.receive()) !== null) { /* no other frames */ }
    } catch { /* closed */ }
  })());
}

let next = 0;
await Promise.all(
  Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
    while (next < count) {
      next++;
      await openOne();
    }
  }),
);
console.log(`open ${conns.length + raws.length}`);

// Wait for the order to close.
const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).values();
await lines.next();
for (const framed of conns) framed.close();
for (const conn of raws) {
  try {
    conn.close();
  } catch { /* already closed */ }
}
await Promise.all(reading);
console.log("closed");
// stdin stays open: leave without waiting for it.
Deno.exit(0);
