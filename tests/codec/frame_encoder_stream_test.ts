// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  encodeFrame,
  type Frame,
  FrameDecoder,
  FrameDecoderStream,
  FrameEncoderStream,
  FrameTooLargeError,
} from "../../mod.ts";
import {
  collectTransform,
  concat,
  hex,
  runTransform,
  settle,
  utf8,
} from "../_utils.ts";
import {
  arbitraryFrames,
  HELLO_BYE_FRAMES,
  PROFILES,
  view,
} from "./_fixtures.ts";

Deno.test("FrameEncoderStream emits one encoded chunk per frame", async () => {
  const chunks = await runTransform(new FrameEncoderStream(), HELLO_BYE_FRAMES);
  assert.deepEqual(chunks.map(hex), [
    "00 00 00 00 06 68 65 6c 6c 6f 21",
    "00 00 00 00 04 62 79 65 21",
  ]);
});

Deno.test("FrameEncoderStream output decodes back to the same frames, in every profile", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...PROFILES).chain((profile) =>
        fc.tuple(fc.constant(profile), arbitraryFrames(profile.options))
      ),
      async ([profile, frames]) => {
        const chunks = await runTransform(
          new FrameEncoderStream(profile.options),
          frames,
        );
        assert.deepEqual(
          chunks.map(hex),
          frames.map((frame) => hex(encodeFrame(frame, profile.options))),
        );
        const decoder = new FrameDecoder(profile.options);
        assert.deepEqual(view(decoder.push(concat(chunks))), view(frames));
        decoder.finish();
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("FrameEncoderStream piped into FrameDecoderStream round-trips frames", async () => {
  const frames: Frame[] = Array.from({ length: 50 }, (_, i) => ({
    type: i % 6,
    payload: new Uint8Array(i * 37).fill(i),
  }));
  const decoded = await Array.fromAsync(
    ReadableStream.from(frames)
      .pipeThrough(new FrameEncoderStream({ lengthFieldBytes: 2 }))
      .pipeThrough(new FrameDecoderStream({ lengthFieldBytes: 2 })),
  );
  assert.deepEqual(view(decoded), view(frames));
});

Deno.test("FrameEncoderStream errors on a bad frame after emitting the frames before it", async () => {
  const ok: Frame = { type: 1, payload: utf8("ok") };
  const cases: {
    name: string;
    bad: unknown;
    check: (error: unknown) => void;
  }[] = [
    // One byte over the limit: refused before a byte of it is emitted.
    {
      name: "payload above maxFrameLength",
      bad: { type: 0, payload: new Uint8Array(9) },
      check: (error) => {
        assert.ok(error instanceof FrameTooLargeError);
        assert.equal(error.direction, "send");
        assert.equal(error.length, 9);
        assert.equal(error.maxFrameLength, 8);
      },
    },
    // A type that does not fit a byte.
    {
      name: "type 256",
      bad: { type: 256, payload: new Uint8Array() },
      check: (error) => {
        assert.ok(error instanceof RangeError);
        assert.ok(!(error instanceof FrameTooLargeError));
      },
    },
    // A payload that is not bytes.
    {
      name: "string payload",
      bad: { type: 0, payload: "hello" },
      check: (error) => assert.ok(error instanceof TypeError),
    },
  ];
  for (const { name, bad, check } of cases) {
    const result = await collectTransform(
      new FrameEncoderStream({ maxFrameLength: 8 }),
      [ok, bad as Frame, ok],
    );
    assert.deepEqual(result.outputs.map(hex), [hex(encodeFrame(ok))], name);
    assert.ok(result.errored, name);
    check(result.error);
  }
});

Deno.test("FrameEncoderStream refuses a typed frame in the untyped profile", async () => {
  const result = await collectTransform(
    new FrameEncoderStream({ typeByte: false }),
    [{ type: 3, payload: utf8("x") }],
  );
  assert.deepEqual(result.outputs, []);
  assert.ok(result.error instanceof TypeError);
});

Deno.test("FrameEncoderStream holds writes while nobody reads", async () => {
  const stream = new FrameEncoderStream();
  const writer = stream.writable.getWriter();
  assert.equal(writer.desiredSize, 1);
  const written = [false, false, false];
  const writes = written.map((_, i) =>
    writer.write({ type: i, payload: utf8(`#${i}`) }).then(() => {
      written[i] = true;
    })
  );
  await settle();
  // Nothing was read, so nothing was encoded past the first frame's turn
  // and the writer sees the queue as over full.
  assert.deepEqual(written, [false, false, false]);
  assert.equal(writer.desiredSize, -2);
  const reader = stream.readable.getReader();
  assert.equal(hex((await reader.read()).value!), "00 00 00 00 02 23 30");
  await settle();
  assert.deepEqual(written, [true, false, false]);
  assert.equal(writer.desiredSize, -1);
  await reader.read();
  await reader.read();
  await Promise.all(writes);
  await writer.close();
  assert.equal((await reader.read()).done, true);
});
