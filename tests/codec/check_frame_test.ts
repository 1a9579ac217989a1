// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  checkFrame,
  encodedFrameLength,
  type Frame,
  FrameTooLargeError,
  resolveFrameCodecOptions,
} from "../../mod.ts";

const defaults = resolveFrameCodecOptions();

Deno.test("checkFrame returns the encoded length, header included", () => {
  assert.equal(
    checkFrame({ type: 0, payload: new Uint8Array(0) }, defaults),
    5,
  );
  assert.equal(
    checkFrame(
      { type: 0, payload: new Uint8Array(16) },
      resolveFrameCodecOptions({ typeByte: false, lengthFieldBytes: 2 }),
    ),
    18,
  );
});

Deno.test("checkFrame refuses what encodeFrame refuses, with the same errors", () => {
  const limited = resolveFrameCodecOptions({ maxFrameLength: 4 });
  const untyped = resolveFrameCodecOptions({ typeByte: false });
  const cases: [unknown, typeof defaults, new (...args: never[]) => Error][] = [
    [{ type: 0, payload: new Uint8Array(5) }, limited, FrameTooLargeError],
    [{ type: 256, payload: new Uint8Array(0) }, defaults, RangeError],
    [{ type: -1, payload: new Uint8Array(0) }, defaults, RangeError],
    [{ type: 1.5, payload: new Uint8Array(0) }, defaults, RangeError],
    [{ type: 1, payload: new Uint8Array(0) }, untyped, TypeError],
    [{ type: 1, payload: [1, 2] }, defaults, TypeError],
    [null, defaults, TypeError],
    ["frame", defaults, TypeError],
  ];
  for (const [frame, options, type] of cases) {
    let expected: unknown;
    try {
      encodedFrameLength(frame as Frame, options);
    } catch (error) {
      expected = error;
    }
    assert.throws(() => checkFrame(frame as Frame, options), (error) => {
      assert.ok(error instanceof type, String(error));
      assert.equal((error as Error).message, (expected as Error).message);
      return true;
    });
  }
});

Deno.test("checkFrame reports a too-large payload on the send side", () => {
  const options = resolveFrameCodecOptions({ maxFrameLength: 4 });
  assert.throws(
    () => checkFrame({ type: 1, payload: new Uint8Array(10) }, options),
    (error) => {
      assert.ok(error instanceof FrameTooLargeError);
      assert.equal(error.direction, "send");
      assert.equal(error.length, 10);
      assert.equal(error.maxFrameLength, 4);
      return true;
    },
  );
});
