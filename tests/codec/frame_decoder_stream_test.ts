// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  encodeFrame,
  encodeFrames,
  type Frame,
  FrameDecoderStream,
  FrameTooLargeError,
  TruncatedFrameError,
  UnknownFrameTypeError,
} from "../../mod.ts";
import {
  chunksOf,
  collectTransform,
  concat,
  fromHex,
  runTransform,
  settle,
  splitAt,
  utf8,
} from "../_utils.ts";
import {
  arbitraryCuts,
  arbitraryFrames,
  chunk,
  HELLO_BYE_FRAMES,
  HELLO_BYE_STREAM,
  helloByeCutCases,
  PROFILES,
  view,
} from "./_fixtures.ts";

// Six frames in one chunk: more than a reader drains in one turn, so frames
// still queued when the stream errors would be lost.
const SIX_FRAMES = concat([
  HELLO_BYE_STREAM,
  HELLO_BYE_STREAM,
  HELLO_BYE_STREAM,
]);
const SIX_VIEWS = view([
  ...HELLO_BYE_FRAMES,
  ...HELLO_BYE_FRAMES,
  ...HELLO_BYE_FRAMES,
]);

Deno.test("FrameDecoderStream decodes hello! and bye! from every cut of the stream", async (t) => {
  const expected = view(HELLO_BYE_FRAMES);
  const cases = helloByeCutCases();
  for (const { name, cuts } of cases) {
    await t.step(name, async () => {
      let runs = 0;
      for (const cut of cuts) {
        const frames = await runTransform(
          new FrameDecoderStream(),
          splitAt(HELLO_BYE_STREAM, cut),
        );
        assert.deepEqual(view(frames), expected, `cuts [${cut}]`);
        runs++;
      }
      assert.ok(runs >= 1);
    });
  }
});

Deno.test("FrameDecoderStream decodes random frames cut anywhere, in every profile", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...PROFILES).chain((profile) =>
        fc.tuple(
          fc.constant(profile),
          arbitraryFrames(profile.options),
          arbitraryCuts,
        )
      ),
      async ([profile, frames, cuts]) => {
        const decoded = await runTransform(
          new FrameDecoderStream(profile.options),
          chunk(encodeFrames(frames, profile.options), cuts),
        );
        assert.deepEqual(view(decoded), view(frames));
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("FrameDecoderStream decodes an empty input to no frames", async () => {
  assert.deepEqual(await runTransform(new FrameDecoderStream(), []), []);
  assert.deepEqual(
    await runTransform(new FrameDecoderStream(), [new Uint8Array()]),
    [],
  );
});

Deno.test("FrameDecoderStream errors with TruncatedFrameError after the frames before the cut", async () => {
  const cases: {
    name: string;
    chunks: Uint8Array[];
    frames: number;
    missingBytes: number;
    inHeader: boolean;
  }[] = [
    // Ends inside the first header.
    {
      name: "inside a header",
      chunks: [fromHex("00 00")],
      frames: 0,
      missingBytes: 3,
      inHeader: true,
    },
    // Ends one byte before the end of "hello!".
    {
      name: "inside a payload",
      chunks: chunksOf(HELLO_BYE_STREAM.subarray(0, 10), 4),
      frames: 0,
      missingBytes: 1,
      inHeader: false,
    },
    // Both frames and part of a third in the last chunk: the two frames
    // must still come out before the error.
    {
      name: "after whole frames in the same chunk",
      chunks: [concat([SIX_FRAMES, fromHex("02 00 00 00 09 01")])],
      frames: 6,
      missingBytes: 8,
      inHeader: false,
    },
    // Same, with the partial frame in a chunk of its own.
    {
      name: "in a chunk after whole frames",
      chunks: [HELLO_BYE_STREAM, fromHex("02 00")],
      frames: 2,
      missingBytes: 3,
      inHeader: true,
    },
  ];
  for (const { name, chunks, frames, missingBytes, inHeader } of cases) {
    const result = await collectTransform(new FrameDecoderStream(), chunks);
    assert.deepEqual(view(result.outputs), SIX_VIEWS.slice(0, frames), name);
    assert.ok(result.error instanceof TruncatedFrameError, name);
    assert.equal(result.error.missingBytes, missingBytes, name);
    assert.equal(result.error.inHeader, inHeader, name);
  }
});

Deno.test("FrameDecoderStream delivers the frames before a bad header, then errors", async () => {
  const cases: {
    name: string;
    chunks: Uint8Array[];
    check: (error: unknown) => void;
  }[] = [
    // Bad length in the same chunk as two good frames.
    {
      name: "oversized length, same chunk",
      chunks: [concat([SIX_FRAMES, fromHex("00 ff ff ff ff")])],
      check: (error) => {
        assert.ok(error instanceof FrameTooLargeError);
        assert.equal(error.length, 0xffff_ffff);
        assert.equal(error.direction, "receive");
      },
    },
    // Bad length in a later chunk.
    {
      name: "oversized length, next chunk",
      chunks: [SIX_FRAMES, fromHex("00 ff ff ff ff")],
      check: (error) => assert.ok(error instanceof FrameTooLargeError),
    },
    // A type outside acceptTypes.
    {
      name: "refused type, same chunk",
      chunks: [concat([SIX_FRAMES, fromHex("07 00 00 00 00")])],
      check: (error) => {
        assert.ok(error instanceof UnknownFrameTypeError);
        assert.equal(error.frameType, 7);
      },
    },
  ];
  for (const { name, chunks, check } of cases) {
    const result = await collectTransform(
      new FrameDecoderStream({ acceptTypes: [0] }),
      chunks,
    );
    assert.deepEqual(view(result.outputs), SIX_VIEWS, name);
    assert.ok(result.errored, name);
    check(result.error);
  }
});

Deno.test("FrameDecoderStream refuses a bad first header without emitting a frame", async () => {
  const result = await collectTransform(
    new FrameDecoderStream({ maxFrameLength: 5 }),
    [fromHex("00 00 00 00 06 68 65 6c 6c 6f 21")],
  );
  assert.deepEqual(result.outputs, []);
  assert.ok(result.error instanceof FrameTooLargeError);
  assert.equal(result.error.length, 6);
  assert.equal(result.error.maxFrameLength, 5);
});

Deno.test("FrameDecoderStream keeps decoded frames for a reader that reads after the input ended", async () => {
  // The reader asks for one frame, then the whole input, bad tail included,
  // is written and closed before it asks again. Erroring the stream at once
  // would throw away the frames still queued.
  for (const tail of ["00 00", /* truncated */ "00 ff ff ff ff" /* bad */]) {
    const stream = new FrameDecoderStream();
    const reader = stream.readable.getReader();
    const first = reader.read();
    const writer = stream.writable.getWriter();
    await writer.write(concat([HELLO_BYE_STREAM, fromHex(tail)]));
    await writer.close();
    assert.deepEqual(view([(await first).value!]), view([HELLO_BYE_FRAMES[0]]));
    const second = await reader.read();
    assert.deepEqual(view([second.value!]), view([HELLO_BYE_FRAMES[1]]));
    await assert.rejects(
      reader.read(),
      tail === "00 00" ? TruncatedFrameError : FrameTooLargeError,
    );
  }
});

Deno.test("FrameDecoderStream errors its writable side once the decode error is read", async () => {
  const stream = new FrameDecoderStream();
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const reading = (async () => {
    const frames: Frame[] = [];
    while (true) {
      const { done, value } = await reader.read();
      if (done) return frames;
      frames.push(value);
    }
  })();
  await writer.write(concat([HELLO_BYE_STREAM, fromHex("00 ff ff ff ff")]));
  const error = await reading.then(
    () => assert.fail("expected the readable side to error"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof FrameTooLargeError);
  // Later writes are refused with the same error, so a pipe stops.
  await assert.rejects(writer.write(HELLO_BYE_STREAM), (e) => e === error);
  await assert.rejects(writer.closed, (e) => e === error);
});

Deno.test("FrameDecoderStream holds writes while nobody reads", async () => {
  const stream = new FrameDecoderStream();
  const writer = stream.writable.getWriter();
  assert.equal(writer.desiredSize, 1);
  const written = [false, false, false];
  const writes = written.map((_, i) =>
    writer.write(encodeFrame({ type: i, payload: utf8(`#${i}`) })).then(() => {
      written[i] = true;
    })
  );
  await settle();
  // No reader: every write is still queued and the writer is told to stop.
  assert.deepEqual(written, [false, false, false]);
  assert.equal(writer.desiredSize, -2);
  const reader = stream.readable.getReader();
  const first = await reader.read();
  assert.equal(first.value?.type, 0);
  await settle();
  // One frame read lets exactly one chunk through.
  assert.deepEqual(written, [true, false, false]);
  assert.equal(writer.desiredSize, -1);
  assert.equal((await reader.read()).value?.type, 1);
  assert.equal((await reader.read()).value?.type, 2);
  await Promise.all(writes);
  await writer.close();
  assert.equal((await reader.read()).done, true);
});

Deno.test("FrameDecoderStream pulls from its source only as frames are read", async () => {
  let pulls = 0;
  let cancelReason: unknown;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls++;
      controller.enqueue(encodeFrame({ type: 2, payload: utf8(`${pulls}`) }));
    },
    cancel(reason) {
      cancelReason = reason;
    },
  }, { highWaterMark: 0 });
  const reader = source.pipeThrough(new FrameDecoderStream()).getReader();
  for (let read = 1; read <= 5; read++) {
    const { value } = await reader.read();
    assert.equal(new TextDecoder().decode(value!.payload), `${read}`);
    for (let i = 0; i < 5; i++) await settle();
    // An endless source is read a couple of chunks ahead at most.
    assert.ok(pulls <= read + 2, `${pulls} pulls for ${read} frames read`);
  }
  // Cancelling the frames cancels the source through the pipe.
  const reason = new Error("enough");
  await reader.cancel(reason);
  for (let i = 0; i < 10 && cancelReason === undefined; i++) await settle();
  assert.equal(cancelReason, reason);
});

Deno.test("FrameDecoderStream errors on a chunk that is not a Uint8Array", async () => {
  const source = ReadableStream.from(["not bytes" as unknown as Uint8Array]);
  await assert.rejects(
    Array.fromAsync(source.pipeThrough(new FrameDecoderStream())),
    TypeError,
  );
});
