// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  encodeFrames,
  type Frame,
  FrameBatch,
  FrameDecoder,
  FrameTooLargeError,
} from "../../mod.ts";

Deno.test("FrameBatch.reserve writes the header and returns where the payload goes, as encodeFrames would", () => {
  const batch = new FrameBatch();
  const first = batch.reserve(1, 3);
  batch.bytes.set([7, 8, 9], first);
  const second = batch.reserve(200, 0);
  const third = batch.reserve(4, 2);
  batch.bytes.set([5, 6], third);
  assert.equal(first, 5);
  assert.equal(second, 13);
  assert.equal(third, 18);
  assert.equal(batch.frameCount, 3);
  assert.equal(batch.largestPayload, 3);
  assert.deepEqual(
    batch.encoded(),
    encodeFrames([
      { type: 1, payload: new Uint8Array([7, 8, 9]) },
      { type: 200, payload: new Uint8Array(0) },
      { type: 4, payload: new Uint8Array([5, 6]) },
    ]),
  );
});

Deno.test("FrameBatch zeroes reserved payloads, so a cleared batch leaks no earlier bytes", () => {
  const batch = new FrameBatch({ initialBytes: 64 });
  batch.bytes.set(new Uint8Array(64).fill(0xee));
  batch.clear();
  const small = batch.reserve(1, 5);
  const large = batch.reserve(1, 40);
  assert.deepEqual([...batch.bytes.subarray(small, small + 5)], [
    0,
    0,
    0,
    0,
    0,
  ]);
  assert.ok(
    batch.bytes.subarray(large, large + 40).every((byte) => byte === 0),
  );
  assert.equal(batch.length, 55);
});

Deno.test("FrameBatch grows past initialBytes and keeps the frames already in it", () => {
  const batch = new FrameBatch({ initialBytes: 8 });
  const frames: Frame[] = [];
  for (let i = 0; i < 100; i++) {
    const payload = new Uint8Array(i % 7).fill(i);
    frames.push({ type: i % 256, payload });
    batch.add({ type: i % 256, payload });
  }
  assert.ok(batch.bytes.length >= batch.length);
  const decoded = new FrameDecoder().push(batch.encoded());
  assert.equal(decoded.length, 100);
  for (let i = 0; i < 100; i++) {
    assert.equal(decoded[i].type, frames[i].type);
    assert.deepEqual(decoded[i].payload, frames[i].payload);
  }
});

Deno.test("FrameBatch refuses a bad frame and adds nothing of it", () => {
  const batch = new FrameBatch({ maxFrameLength: 10 });
  batch.reserve(1, 1);
  assert.throws(() => batch.reserve(256, 1), RangeError);
  assert.throws(() => batch.reserve(1, -1), RangeError);
  assert.throws(() => batch.reserve(1, 1.5), RangeError);
  assert.throws(() => batch.reserve(1, 11), FrameTooLargeError);
  assert.throws(
    () => batch.add({ type: 1, payload: [1] as unknown as Uint8Array }),
    TypeError,
  );
  assert.throws(
    () => new FrameBatch({ typeByte: false }).reserve(3, 1),
    TypeError,
  );
  assert.equal(batch.frameCount, 1);
  assert.equal(batch.length, 6);
});

Deno.test("FrameBatch encodes with its codec options", () => {
  const options = { lengthFieldBytes: 2, littleEndian: true } as const;
  const batch = new FrameBatch(options);
  batch.add({ type: 9, payload: new Uint8Array([1, 2, 3]) });
  assert.deepEqual([...batch.encoded()], [9, 3, 0, 1, 2, 3]);
  assert.equal(batch.options.headerLength, 3);
  assert.throws(() => new FrameBatch({ initialBytes: 0 }), RangeError);
});
