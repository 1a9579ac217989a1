// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  encodeFrame,
  encodeFrameHeader,
  FrameDecoder,
  FrameTooLargeError,
  readFramePayloadLength,
  resolveFrameCodecOptions,
} from "../../mod.ts";
import { PROFILES } from "./_fixtures.ts";

Deno.test("encodeFrameHeader writes the bytes encodeFrame puts before the payload, for every profile", () => {
  for (const profile of PROFILES) {
    const options = resolveFrameCodecOptions(profile.options);
    const type = options.typeByte ? 0x81 : 0;
    for (
      const length of [0, 1, 200, Math.min(70_000, options.maxFrameLength)]
    ) {
      const payload = new Uint8Array(length).fill(7);
      const expected = encodeFrame({ type, payload }, options);
      const target = new Uint8Array(3 + expected.length).fill(0xee);
      const end = encodeFrameHeader(target, 3, type, length, options);
      assert.equal(end, 3 + options.headerLength, profile.name);
      target.set(payload, end);
      assert.deepEqual(target.subarray(3, end + length), expected);
      assert.deepEqual(
        target.subarray(0, 3),
        new Uint8Array([0xee, 0xee, 0xee]),
      );
      const [frame] = new FrameDecoder(options).push(target.subarray(3));
      assert.equal(frame.payload.length, length);
    }
  }
});

Deno.test("encodeFrameHeader writes nothing when it refuses", () => {
  const options = resolveFrameCodecOptions({ maxFrameLength: 100 });
  const untyped = resolveFrameCodecOptions({ typeByte: false });
  const target = new Uint8Array(8);
  const cases: [() => number, new (...args: never[]) => Error, RegExp][] = [
    [
      () => encodeFrameHeader(target, 0, 256, 1, options),
      RangeError,
      /type 256/,
    ],
    [
      () => encodeFrameHeader(target, 0, 1, 1, untyped),
      TypeError,
      /typeByte: false/,
    ],
    [
      () => encodeFrameHeader(target, 0, 1, 101, options),
      FrameTooLargeError,
      /exceeds maxFrameLength 100/,
    ],
    [
      () => encodeFrameHeader(target, 0, 1, -1, options),
      RangeError,
      /payload length -1/,
    ],
    [
      () => encodeFrameHeader(target, 0, 1, 1.5, options),
      RangeError,
      /payload length 1.5/,
    ],
    [
      () => encodeFrameHeader(target, 4, 1, 1, options),
      RangeError,
      /5 bytes at offset 4 do not fit in a 8-byte buffer/,
    ],
    [
      () => encodeFrameHeader(target, -1, 1, 1, options),
      RangeError,
      /offset -1/,
    ],
  ];
  for (const [call, type, message] of cases) {
    assert.throws(
      call,
      (error) =>
        error instanceof type && message.test((error as Error).message),
    );
  }
  assert.deepEqual(target, new Uint8Array(8));
});

Deno.test("readFramePayloadLength reads back the length encodeFrameHeader wrote, for every profile, and needs the whole header", () => {
  for (const profile of PROFILES) {
    const options = resolveFrameCodecOptions(profile.options);
    for (
      const length of [0, 1, 200, Math.min(70_000, options.maxFrameLength)]
    ) {
      const target = new Uint8Array(2 + options.headerLength);
      encodeFrameHeader(target, 2, 0, length, options);
      assert.equal(
        readFramePayloadLength(target, 2, options),
        length,
        profile.name,
      );
      assert.equal(
        readFramePayloadLength(
          target.subarray(0, target.length - 1),
          2,
          options,
        ),
        undefined,
        profile.name,
      );
    }
  }
  // Above maxFrameLength is read as declared: the caller decides.
  const options = resolveFrameCodecOptions({ maxFrameLength: 10 });
  const big = new Uint8Array([0, 0xff, 0xff, 0xff, 0xff]);
  assert.equal(readFramePayloadLength(big, 0, options), 0xffff_ffff);
});
