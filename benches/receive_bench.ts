// Copyright 2026 the framewire authors. MIT license.
// What a FramedConn costs per received frame beyond decoding, for each way
// of reading: `for await`, `receive()` in a loop, `receiveMany()`. The byte
// stream is in memory (no socket, no system call): 100,000 frames of 16
// bytes, read 64 KiB at a time, so the figures are framewire's own work.
//
//   deno bench -A benches/receive_bench.ts
import { type ByteConn, encodeFrames, FramedConn } from "../mod.ts";

const FRAMES = 100_000;
const stream = encodeFrames(
  Array.from({ length: FRAMES }, (_, i) => ({
    type: 1,
    payload: new Uint8Array(16).fill(i & 0xff),
  })),
);

/** A connection whose reads return the stream, then its end. */
function streamConn(): ByteConn {
  let at = 0;
  return {
    read(buffer: Uint8Array): Promise<number | null> {
      if (at === stream.length) return Promise.resolve(null);
      const count = Math.min(buffer.length, stream.length - at);
      buffer.set(stream.subarray(at, at + count));
      at += count;
      return Promise.resolve(count);
    },
    write: (bytes: Uint8Array) => Promise.resolve(bytes.length),
    close() {},
  };
}

function check(received: number): void {
  if (received !== FRAMES) throw new Error(`${received} of ${FRAMES} frames`);
}

Deno.bench({
  name: "receiveMany() (100,000 frames)",
  group: "receive",
  baseline: true,
  async fn() {
    using conn = new FramedConn(streamConn());
    let received = 0;
    for (let frames; (frames = await conn.receiveMany()) !== null;) {
      received += frames.length;
    }
    check(received);
  },
});

Deno.bench({
  name: "for await (100,000 frames)",
  group: "receive",
  async fn() {
    using conn = new FramedConn(streamConn());
    let received = 0;
    for await (const _ of conn) received++;
    check(received);
  },
});

Deno.bench({
  name: "receive() in a loop (100,000 frames)",
  group: "receive",
  async fn() {
    using conn = new FramedConn(streamConn());
    let received = 0;
    while ((await conn.receive()) !== null) received++;
    check(received);
  },
});
