// Copyright 2026 the framewire authors. MIT license.
// In-memory codec throughput. Run: deno bench -A benches/codec_bench.ts
import { encodeFrame, encodeFrames, type Frame, FrameDecoder } from "../mod.ts";

const SMALL_COUNT = 100_000;
const smallFrames: Frame[] = Array.from({ length: SMALL_COUNT }, (_, i) => ({
  type: 0,
  payload: new Uint8Array(16).fill(i & 0xff),
}));
const smallStream = encodeFrames(smallFrames);

const BIG_LENGTH = 16 * 1024 * 1024;
const bigFrame: Frame = { type: 0, payload: new Uint8Array(BIG_LENGTH) };
const bigStream = encodeFrame(bigFrame);

function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    chunks.push(bytes.subarray(i, i + size));
  }
  return chunks;
}
const cut1 = chunked(smallStream.subarray(0, 210_000), 1); // 10,000 frames
const cut7 = chunked(smallStream, 7);
const cut64k = chunked(smallStream, 64 * 1024);

function decodeAll(chunks: Uint8Array[], expected: number): void {
  const decoder = new FrameDecoder();
  let count = 0;
  for (const chunk of chunks) count += decoder.push(chunk).length;
  decoder.finish();
  if (count !== expected) {
    throw new Error(`decoded ${count}, expected ${expected}`);
  }
}

Deno.bench({
  name: "encodeFrames: 100k x 16 B payloads",
  group: "small",
  baseline: true,
  fn() {
    encodeFrames(smallFrames);
  },
});

Deno.bench({
  name: "decode: 100k x 16 B frames, one buffer",
  group: "small",
  fn() {
    decodeAll([smallStream], SMALL_COUNT);
  },
});

Deno.bench({
  name: "decode: 100k x 16 B frames in 64 KiB chunks",
  group: "small",
  fn() {
    decodeAll(cut64k, SMALL_COUNT);
  },
});

Deno.bench({
  name: "decode: 100k x 16 B frames in 7 B chunks",
  group: "small",
  fn() {
    decodeAll(cut7, SMALL_COUNT);
  },
});

Deno.bench({
  name: "decode: 10k x 16 B frames in 1 B chunks",
  group: "small",
  fn() {
    decodeAll(cut1, 10_000);
  },
});

Deno.bench({
  name: "memcpy 16 MiB (baseline)",
  group: "big",
  baseline: true,
  fn() {
    new Uint8Array(BIG_LENGTH).set(bigFrame.payload);
  },
});

Deno.bench({
  name: "encodeFrame: 16 MiB payload",
  group: "big",
  fn() {
    encodeFrame(bigFrame);
  },
});

Deno.bench({
  name: "decode: 16 MiB frame, one buffer (zero-copy view)",
  group: "big",
  fn() {
    decodeAll([bigStream], 1);
  },
});

Deno.bench({
  name: "decode: 16 MiB frame in 64 KiB chunks",
  group: "big",
  fn() {
    decodeAll(chunked(bigStream, 64 * 1024), 1);
  },
});
