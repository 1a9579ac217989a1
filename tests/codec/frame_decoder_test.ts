// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DEFAULT_MAX_FRAME_LENGTH,
  encodeFrame,
  encodeFrameInto,
  encodeFrames,
  type Frame,
  FrameDecoder,
  type FrameDecoderOptions,
  FrameTooLargeError,
  maxLengthForField,
  resolveFrameCodecOptions,
  TruncatedFrameError,
  UnknownFrameTypeError,
  X86_LITTLE_ENDIAN_PROFILE,
} from "../../mod.ts";
import {
  chunksOf,
  concat,
  everyCut,
  fromHex,
  hex,
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

const KiB = 1024;
const MiB = 1024 * KiB;

/** Pushes every chunk, then finishes; stops at the first error. */
function decodeChunks(
  chunks: Iterable<Uint8Array>,
  options: FrameDecoderOptions = {},
): { frames: Frame[]; error?: unknown; decoder: FrameDecoder } {
  const decoder = new FrameDecoder(options);
  const frames: Frame[] = [];
  try {
    for (const piece of chunks) {
      for (const frame of decoder.push(piece)) frames.push(frame);
    }
    decoder.finish();
  } catch (error) {
    return { frames, error, decoder };
  }
  return { frames, decoder };
}

/** Runs `fn` expecting a throw and returns what was thrown. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail("expected a throw");
}

/** A payload whose bytes differ between any two KiB-aligned pieces. */
function patterned(length: number, seed = 0): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    bytes[i] = (i * 7 + (i >>> 10) + seed) & 0xff;
  }
  return bytes;
}

/** Index of the first byte where `a` and `b` differ, or -1. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

// --- The send/recv table: "hello!" and "bye!" cut every possible way -------

Deno.test("FrameDecoder decodes hello! and bye! from every cut of the stream", async (t) => {
  const expected = view(HELLO_BYE_FRAMES);
  const cases = helloByeCutCases();
  for (const { name, cuts } of cases) {
    await t.step(name, () => {
      let runs = 0;
      for (const cut of cuts) {
        const { frames, error, decoder } = decodeChunks(
          splitAt(HELLO_BYE_STREAM, cut),
        );
        assert.equal(error, undefined, `cuts [${cut}]`);
        assert.deepEqual(view(frames), expected, `cuts [${cut}]`);
        assert.equal(decoder.bufferedBytes, 0, `cuts [${cut}]`);
        runs++;
      }
      // Guards against a generator that silently yields nothing.
      assert.ok(runs >= 1);
    });
  }
  assert.equal([...everyCut(20, 2)].length, 21);
  assert.equal([...everyCut(20, 3)].length, 231);
});

Deno.test("FrameDecoder returns each frame from the push that completes it", () => {
  const cases: { cuts: number[]; perPush: number[] }[] = [
    // Split inside the first header (after the type byte).
    { cuts: [1], perPush: [0, 2] },
    // Split at the header/payload boundary of the first frame.
    { cuts: [5], perPush: [0, 2] },
    // Split exactly between the two frames.
    { cuts: [11], perPush: [1, 1] },
    // Split inside the second frame's length field.
    { cuts: [13], perPush: [1, 1] },
    // The last byte alone completes the second frame.
    { cuts: [19], perPush: [1, 1] },
    // Empty chunks before, between and after.
    { cuts: [0, 11, 11, 20], perPush: [0, 1, 0, 1, 0] },
  ];
  for (const { cuts, perPush } of cases) {
    const decoder = new FrameDecoder();
    const counts = splitAt(HELLO_BYE_STREAM, cuts).map((piece) =>
      decoder.push(piece).length
    );
    assert.deepEqual(counts, perPush, `cuts [${cuts}]`);
  }
});

Deno.test("FrameDecoder reports the bytes of an unfinished frame as they arrive", () => {
  const decoder = new FrameDecoder();
  const seen = chunksOf(HELLO_BYE_STREAM, 1).map((byte) => {
    decoder.push(byte);
    return [decoder.bufferedBytes, decoder.missingPayloadBytes];
  });
  assert.deepEqual(seen, [
    // Header of "hello!": nothing is known about the payload yet.
    [1, 0],
    [2, 0],
    [3, 0],
    [4, 0],
    // Header complete: 6 payload bytes missing, then counting down.
    [5, 6],
    [6, 5],
    [7, 4],
    [8, 3],
    [9, 2],
    [10, 1],
    // Frame complete: the decoder holds nothing.
    [0, 0],
    [1, 0],
    [2, 0],
    [3, 0],
    [4, 0],
    [5, 4],
    [6, 3],
    [7, 2],
    [8, 1],
    [0, 0],
  ]);
});

// --- Properties: any frames, any chunking, every profile -------------------

for (const profile of PROFILES) {
  Deno.test(`FrameDecoder decodes random frames cut anywhere (${profile.name})`, () => {
    fc.assert(
      fc.property(
        arbitraryFrames(profile.options),
        arbitraryCuts,
        (frames, cuts) => {
          const pieces = chunk(encodeFrames(frames, profile.options), cuts);
          const copies = pieces.map((piece) => piece.slice());
          const result = decodeChunks(pieces, profile.options);
          assert.equal(result.error, undefined);
          // Compared after the last push: later pushes never overwrite
          // payloads handed out earlier.
          assert.deepEqual(view(result.frames), view(frames));
          assert.equal(result.decoder.bufferedBytes, 0);
          // The decoder never writes into a chunk it was given.
          assert.deepEqual(pieces.map(hex), copies.map(hex));
          // No payload pins more than 4 KiB or 4x its own size.
          for (const { payload } of result.frames) {
            assert.ok(
              payload.buffer.byteLength <=
                Math.max(4 * KiB, 4 * payload.length),
              `a ${payload.length}-byte payload pins ${payload.buffer.byteLength} bytes`,
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });
}

// --- Header parsing: declared lengths read back exactly --------------------

Deno.test("FrameDecoder reads the declared length in every width and byte order", () => {
  const cases: {
    options: FrameDecoderOptions;
    header: string;
    length: number;
  }[] = [
    // Top bit set: must read as unsigned, not as a negative int32.
    { options: {}, header: "00 80 00 00 00", length: 2 ** 31 },
    // A C sender's signed -1 reads as 4 GiB - 1.
    { options: {}, header: "00 ff ff ff ff", length: 2 ** 32 - 1 },
    // Distinct bytes catch swapped positions.
    { options: {}, header: "07 01 02 03 04", length: 0x01020304 },
    {
      options: X86_LITTLE_ENDIAN_PROFILE,
      header: "07 04 03 02 01",
      length: 0x01020304,
    },
    // Little-endian with the top bit in the last byte.
    {
      options: X86_LITTLE_ENDIAN_PROFILE,
      header: "00 ff ff ff 80",
      length: 0x80ffffff,
    },
    { options: { lengthFieldBytes: 1 }, header: "00 ff", length: 255 },
    { options: { lengthFieldBytes: 2 }, header: "00 01 02", length: 0x0102 },
    {
      options: { lengthFieldBytes: 2, littleEndian: true },
      header: "00 01 02",
      length: 0x0201,
    },
    // Untyped: the length starts at byte 0.
    { options: { typeByte: false }, header: "01 02 03 04", length: 0x01020304 },
    // 8 bytes: both 32-bit halves matter.
    {
      options: { lengthFieldBytes: 8 },
      header: "00 00 00 00 01 00 00 00 02",
      length: 2 ** 32 + 2,
    },
    {
      options: { lengthFieldBytes: 8, littleEndian: true },
      header: "00 02 00 00 00 01 00 00 00",
      length: 2 ** 32 + 2,
    },
    // 2^53 - 1, the largest length JavaScript holds exactly.
    {
      options: { lengthFieldBytes: 8 },
      header: "00 00 1f ff ff ff ff ff ff",
      length: Number.MAX_SAFE_INTEGER,
    },
  ];
  for (const { options, header, length } of cases) {
    // maxFrameLength 0 refuses every non-empty frame, so the error carries
    // the length exactly as the decoder read it.
    const decoder = new FrameDecoder({ ...options, maxFrameLength: 0 });
    const error = thrown(() => decoder.push(fromHex(header)));
    assert.ok(error instanceof FrameTooLargeError, header);
    assert.equal(error.length, length, header);
  }
});

// --- Bad input --------------------------------------------------------------

Deno.test("FrameDecoder refuses length 0xFFFFFFFF from the header alone", () => {
  const decoder = new FrameDecoder();
  const error = thrown(() => decoder.push(fromHex("00 ff ff ff ff")));
  assert.ok(error instanceof FrameTooLargeError);
  assert.equal(error.code, "FRAME_TOO_LARGE");
  assert.equal(error.length, 0xffff_ffff);
  assert.equal(error.maxFrameLength, DEFAULT_MAX_FRAME_LENGTH);
  assert.equal(error.direction, "receive");
  assert.equal(decoder.error, error);
  // Nothing was buffered or allocated for the 4 GiB payload.
  assert.equal(decoder.bufferedBytes, 0);
  assert.equal(decoder.reservedBytes, 0);
  assert.equal(decoder.missingPayloadBytes, 0);
});

Deno.test("FrameDecoder refuses an oversized length whose header arrives byte by byte", () => {
  const decoder = new FrameDecoder();
  const header = fromHex("00 ff ff ff ff");
  for (let i = 0; i < 4; i++) {
    assert.deepEqual(decoder.push(header.subarray(i, i + 1)), []);
    assert.equal(decoder.bufferedBytes, i + 1);
    assert.equal(decoder.reservedBytes, 0);
  }
  const error = thrown(() => decoder.push(header.subarray(4)));
  assert.ok(error instanceof FrameTooLargeError);
  assert.equal(error.length, 0xffff_ffff);
  assert.equal(error.direction, "receive");
  assert.equal(decoder.bufferedBytes, 0);
  assert.equal(decoder.reservedBytes, 0);
});

Deno.test("FrameDecoder accepts exactly maxFrameLength and refuses one byte more", () => {
  const cases: { options: FrameDecoderOptions; limit: number }[] = [
    // 1-byte field with a limit below the field's 255.
    { options: { lengthFieldBytes: 1, maxFrameLength: 10 }, limit: 10 },
    // 2-byte little-endian field, untyped.
    {
      options: {
        lengthFieldBytes: 2,
        littleEndian: true,
        typeByte: false,
        maxFrameLength: 1000,
      },
      limit: 1000,
    },
    // The default 16 MiB limit.
    { options: {}, limit: DEFAULT_MAX_FRAME_LENGTH },
    // 4-byte field raised to its own limit: 4 GiB - 1 is allowed.
    { options: { maxFrameLength: 2 ** 32 - 1 }, limit: 2 ** 32 - 1 },
    // 8-byte field at the largest exact JavaScript integer.
    {
      options: { lengthFieldBytes: 8, maxFrameLength: Number.MAX_SAFE_INTEGER },
      limit: Number.MAX_SAFE_INTEGER,
    },
  ];
  for (const { options, limit } of cases) {
    const resolved = resolveFrameCodecOptions(options);
    const header = (length: number) => {
      const bytes = new Uint8Array(resolved.headerLength); // type 0
      writeLength(bytes, resolved.typeByte ? 1 : 0, length, resolved);
      return bytes;
    };
    const accepting = new FrameDecoder(options);
    assert.deepEqual(
      accepting.push(concat([header(limit), new Uint8Array(3)])),
      [],
    );
    assert.equal(accepting.error, undefined);
    assert.equal(accepting.missingPayloadBytes, limit - 3);
    assert.equal(accepting.bufferedBytes, resolved.headerLength + 3);

    // A field at its own limit cannot even express one byte more.
    if (limit === maxLengthForField(resolved.lengthFieldBytes)) continue;
    const refusing = new FrameDecoder(options);
    const error = thrown(() => refusing.push(header(limit + 1)));
    assert.ok(error instanceof FrameTooLargeError, `limit ${limit}`);
    assert.equal(error.maxFrameLength, limit);
    assert.equal(refusing.reservedBytes, 0);
  }
});

/** Writes a length field with plain arithmetic (independent of the codec). */
function writeLength(
  target: Uint8Array,
  offset: number,
  length: number,
  options: { lengthFieldBytes: number; littleEndian: boolean },
): void {
  const width = options.lengthFieldBytes;
  let value = BigInt(length);
  for (let i = 0; i < width; i++) {
    const at = options.littleEndian ? offset + i : offset + width - 1 - i;
    target[at] = Number(value & 0xffn);
    value >>= 8n;
  }
}

Deno.test("FrameDecoder refuses 8-byte lengths above 2^53 - 1", () => {
  const cases = [
    // 2^53: one above the largest exact integer.
    "00 00 20 00 00 00 00 00 00",
    // 2^53 + 1: would round down to 2^53 as a JavaScript number.
    "00 00 20 00 00 00 00 00 01",
    // 2^64 - 1: every bit set.
    "00 ff ff ff ff ff ff ff ff",
  ];
  for (const header of cases) {
    const decoder = new FrameDecoder({
      lengthFieldBytes: 8,
      maxFrameLength: Number.MAX_SAFE_INTEGER,
    });
    const error = thrown(() => decoder.push(fromHex(header)));
    assert.ok(error instanceof FrameTooLargeError, header);
    assert.ok(error.length > Number.MAX_SAFE_INTEGER, header);
    assert.equal(error.maxFrameLength, Number.MAX_SAFE_INTEGER);
    assert.equal(decoder.reservedBytes, 0);
  }
});

Deno.test("FrameDecoder refuses a type outside acceptTypes before reading its length", () => {
  const decoder = new FrameDecoder({ acceptTypes: new Set([0, 2]) });
  // An accepted Ping, then type 1 declaring 4 GiB: the type is the error
  // reported, and the Ping before it is still returned.
  const frames = decoder.push(
    concat([
      encodeFrame({ type: 2, payload: utf8("ok") }),
      fromHex("01 ff ff ff ff"),
    ]),
  );
  assert.deepEqual(view(frames), [{ type: 2, payload: "6f 6b" }]);
  const error = decoder.error;
  assert.ok(error instanceof UnknownFrameTypeError);
  assert.equal(error.code, "FRAME_TYPE_UNKNOWN");
  assert.equal(error.frameType, 1);
  assert.equal(thrown(() => decoder.push(new Uint8Array(1))), error);
});

Deno.test("FrameDecoder checks acceptTypes on every header", () => {
  const cases: { acceptTypes: number[]; type: number; accepted: boolean }[] = [
    // Listed types pass.
    { acceptTypes: [0, 2], type: 2, accepted: true },
    // An unlisted type in between fails.
    { acceptTypes: [0, 2], type: 1, accepted: false },
    // The extremes of the byte.
    { acceptTypes: [255], type: 255, accepted: true },
    { acceptTypes: [255], type: 0, accepted: false },
    // An empty list refuses everything.
    { acceptTypes: [], type: 0, accepted: false },
  ];
  for (const { acceptTypes, type, accepted } of cases) {
    const decoder = new FrameDecoder({ acceptTypes });
    const bytes = encodeFrame({ type, payload: utf8("x") });
    if (accepted) {
      assert.deepEqual(view(decoder.push(bytes)), [{ type, payload: "78" }]);
    } else {
      const error = thrown(() => decoder.push(bytes));
      assert.ok(error instanceof UnknownFrameTypeError, `type ${type}`);
      assert.equal(error.frameType, type);
      assert.equal(decoder.bufferedBytes, 0);
    }
  }
});

Deno.test("FrameDecoder ignores acceptTypes without a type byte", () => {
  const decoder = new FrameDecoder({ typeByte: false, acceptTypes: [5] });
  assert.deepEqual(view(decoder.push(fromHex("00 00 00 01 2a"))), [
    { type: 0, payload: "2a" },
  ]);
});

Deno.test("FrameDecoder refuses acceptTypes outside 0–255", () => {
  for (const type of [-1, 256, 1.5, Number.NaN]) {
    assert.throws(
      () => new FrameDecoder({ acceptTypes: [0, type] }),
      (error) => {
        assert.ok(error instanceof RangeError);
        assert.equal(
          error.message,
          `Cannot accept frame type ${type}: expected an integer from 0 to 255`,
        );
        return true;
      },
    );
  }
});

Deno.test("FrameDecoder returns the frames before a bad header and throws on the next call", () => {
  const cases: {
    name: string;
    bad: string;
    errorClass: typeof FrameTooLargeError | typeof UnknownFrameTypeError;
  }[] = [
    // A length above the limit.
    {
      name: "oversized length",
      bad: "00 ff ff ff ff",
      errorClass: FrameTooLargeError,
    },
    // A type outside acceptTypes.
    {
      name: "refused type",
      bad: "09 00 00 00 00",
      errorClass: UnknownFrameTypeError,
    },
  ];
  for (const { name, bad, errorClass } of cases) {
    const decoder = new FrameDecoder({ acceptTypes: [0] });
    const frames = decoder.push(concat([HELLO_BYE_STREAM, fromHex(bad)]));
    assert.deepEqual(view(frames), view(HELLO_BYE_FRAMES), name);
    const error = decoder.error;
    assert.ok(error instanceof errorClass, name);
    // The decoder stays failed: every later call throws the same error,
    // whatever the bytes.
    assert.equal(thrown(() => decoder.push(HELLO_BYE_STREAM)), error, name);
    assert.equal(thrown(() => decoder.push(new Uint8Array())), error, name);
    assert.equal(thrown(() => decoder.finish()), error, name);
    assert.equal(decoder.bufferedBytes, 0, name);
    assert.equal(decoder.reservedBytes, 0, name);
  }
});

Deno.test("FrameDecoder stays failed after throwing on a bad header", () => {
  const decoder = new FrameDecoder({ maxFrameLength: 4 });
  const error = thrown(() => decoder.push(fromHex("00 00 00 00 05")));
  assert.ok(error instanceof FrameTooLargeError);
  assert.equal(error.length, 5);
  assert.equal(error.maxFrameLength, 4);
  assert.equal(thrown(() => decoder.push(fromHex("00 00 00 00 00"))), error);
  assert.equal(thrown(() => decoder.finish()), error);
  assert.equal(decoder.payloadWindow(10), undefined);
});

Deno.test("FrameDecoder.finish reports exactly how much of a frame is missing", () => {
  const cases: {
    name: string;
    options?: FrameDecoderOptions;
    bytes: string;
    receivedBytes: number;
    missingBytes: number;
    inHeader: boolean;
  }[] = [
    // Only the type byte.
    {
      name: "type byte only",
      bytes: "00",
      receivedBytes: 1,
      missingBytes: 4,
      inHeader: true,
    },
    // One length byte short of a header.
    {
      name: "4 of 5 header bytes",
      bytes: "00 00 00 00",
      receivedBytes: 4,
      missingBytes: 1,
      inHeader: true,
    },
    // A complete header, no payload.
    {
      name: "header only",
      bytes: "00 00 00 00 06",
      receivedBytes: 5,
      missingBytes: 6,
      inHeader: false,
    },
    // "hello" of "hello!".
    {
      name: "last payload byte missing",
      bytes: "00 00 00 00 06 68 65 6c 6c 6f",
      receivedBytes: 10,
      missingBytes: 1,
      inHeader: false,
    },
    // A whole frame, then 2 bytes of the next header.
    {
      name: "inside the second header",
      bytes: "00 00 00 00 06 68 65 6c 6c 6f 21 00 00",
      receivedBytes: 2,
      missingBytes: 3,
      inHeader: true,
    },
    // Untyped 2-byte field: 1 of 2 header bytes.
    {
      name: "untyped, half a 2-byte length",
      options: { typeByte: false, lengthFieldBytes: 2 },
      bytes: "00",
      receivedBytes: 1,
      missingBytes: 1,
      inHeader: true,
    },
    // 8-byte field: 9-byte header cut after 5.
    {
      name: "inside a 9-byte header",
      options: { lengthFieldBytes: 8 },
      bytes: "00 00 00 00 00",
      receivedBytes: 5,
      missingBytes: 4,
      inHeader: true,
    },
    // x86 profile: Ping "hello" cut after "he".
    {
      name: "x86 profile payload",
      options: X86_LITTLE_ENDIAN_PROFILE,
      bytes: "02 05 00 00 00 68 65",
      receivedBytes: 7,
      missingBytes: 3,
      inHeader: false,
    },
  ];
  for (
    const { name, options, bytes, receivedBytes, missingBytes, inHeader }
      of cases
  ) {
    // Byte by byte and in one piece must agree.
    for (const pieces of [[fromHex(bytes)], chunksOf(fromHex(bytes), 1)]) {
      const { error, decoder } = decodeChunks(pieces, options);
      assert.ok(error instanceof TruncatedFrameError, name);
      assert.equal(error.code, "FRAME_TRUNCATED", name);
      assert.equal(error.receivedBytes, receivedBytes, name);
      assert.equal(error.missingBytes, missingBytes, name);
      assert.equal(error.inHeader, inHeader, name);
      // finish() fails the decoder and drops the partial frame.
      assert.equal(decoder.error, error, name);
      assert.equal(thrown(() => decoder.finish()), error, name);
      assert.equal(thrown(() => decoder.push(new Uint8Array(1))), error, name);
      assert.equal(decoder.reservedBytes, 0, name);
    }
  }
});

Deno.test("FrameDecoder.finish accepts a stream that ends between frames", () => {
  const cases: { name: string; bytes: Uint8Array }[] = [
    // Nothing at all.
    { name: "empty stream", bytes: new Uint8Array() },
    // The PROTOCOL.md example stream.
    { name: "two whole frames", bytes: HELLO_BYE_STREAM },
    // A frame whose header is the last thing: empty payload.
    { name: "empty payload last", bytes: fromHex("02 00 00 00 00") },
  ];
  for (const { name, bytes } of cases) {
    const { error, decoder } = decodeChunks(chunksOf(bytes, 3));
    assert.equal(error, undefined, name);
    assert.equal(decoder.error, undefined, name);
    // A second finish() is as clean as the first.
    decoder.finish();
  }
});

// A plain reading of PROTOCOL.md, independent of the decoder: walk the
// stream frame by frame and stop at the first thing that is wrong.
type Outcome =
  | { kind: "ok" }
  | { kind: "FrameTooLargeError"; length: number; maxFrameLength: number }
  | { kind: "UnknownFrameTypeError"; frameType: number }
  | {
    kind: "TruncatedFrameError";
    receivedBytes: number;
    missingBytes: number;
    inHeader: boolean;
  };

function referenceDecode(
  bytes: Uint8Array,
  options: FrameDecoderOptions,
): { frames: Frame[]; outcome: Outcome } {
  const {
    lengthFieldBytes,
    littleEndian,
    typeByte,
    maxFrameLength,
    headerLength,
  } = resolveFrameCodecOptions(options);
  const accepted = options.acceptTypes
    ? new Set(options.acceptTypes)
    : undefined;
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Frame[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const available = bytes.length - offset;
    if (available < headerLength) {
      return {
        frames,
        outcome: {
          kind: "TruncatedFrameError",
          receivedBytes: available,
          missingBytes: headerLength - available,
          inHeader: true,
        },
      };
    }
    const type = typeByte ? bytes[offset] : 0;
    const at = offset + (typeByte ? 1 : 0);
    const length = lengthFieldBytes === 1
      ? data.getUint8(at)
      : lengthFieldBytes === 2
      ? data.getUint16(at, littleEndian)
      : lengthFieldBytes === 4
      ? data.getUint32(at, littleEndian)
      : Number(data.getBigUint64(at, littleEndian));
    if (typeByte && accepted && !accepted.has(type)) {
      return {
        frames,
        outcome: { kind: "UnknownFrameTypeError", frameType: type },
      };
    }
    if (length > maxFrameLength) {
      return {
        frames,
        outcome: { kind: "FrameTooLargeError", length, maxFrameLength },
      };
    }
    const payloadAvailable = available - headerLength;
    if (payloadAvailable < length) {
      return {
        frames,
        outcome: {
          kind: "TruncatedFrameError",
          receivedBytes: headerLength + payloadAvailable,
          missingBytes: length - payloadAvailable,
          inHeader: false,
        },
      };
    }
    const start = offset + headerLength;
    frames.push({ type, payload: bytes.slice(start, start + length) });
    offset = start + length;
  }
  return { frames, outcome: { kind: "ok" } };
}

function outcomeOf(
  error: unknown,
): Outcome | { kind: "unexpected"; error: unknown } {
  if (error === undefined) return { kind: "ok" };
  if (error instanceof FrameTooLargeError) {
    assert.equal(error.direction, "receive");
    return {
      kind: "FrameTooLargeError",
      length: error.length,
      maxFrameLength: error.maxFrameLength,
    };
  }
  if (error instanceof UnknownFrameTypeError) {
    return { kind: "UnknownFrameTypeError", frameType: error.frameType };
  }
  if (error instanceof TruncatedFrameError) {
    return {
      kind: "TruncatedFrameError",
      receivedBytes: error.receivedBytes,
      missingBytes: error.missingBytes,
      inHeader: error.inHeader,
    };
  }
  return { kind: "unexpected", error };
}

Deno.test("FrameDecoder turns random bytes into frames or one typed error, as the spec reads them", () => {
  const options = fc.record({
    profile: fc.constantFrom(...PROFILES),
    // Small limits, so random length fields pass often enough to reach the
    // payload and truncation paths.
    maxFrameLength: fc.option(fc.integer({ min: 0, max: 64 }), {
      nil: undefined,
    }),
    acceptTypes: fc.option(
      fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 200 }),
      {
        nil: undefined,
      },
    ),
  }).map(({ profile, maxFrameLength, acceptTypes }): FrameDecoderOptions => ({
    ...profile.options,
    maxFrameLength: maxFrameLength === undefined ? undefined : Math.min(
      maxFrameLength,
      maxLengthForField(profile.options.lengthFieldBytes ?? 4),
    ),
    acceptTypes,
  }));
  // Mostly tiny bytes, so headers declare small lengths, plus any bytes.
  const bytes = fc.oneof(
    fc.uint8Array({ max: 8, maxLength: 120 }),
    fc.uint8Array({ maxLength: 120 }),
  );
  fc.assert(
    fc.property(options, bytes, arbitraryCuts, (options, bytes, cuts) => {
      const expected = referenceDecode(bytes, options);
      const actual = decodeChunks(chunk(bytes, cuts), options);
      assert.deepEqual(view(actual.frames), view(expected.frames));
      assert.deepEqual(outcomeOf(actual.error), expected.outcome);
      if (actual.error !== undefined) {
        assert.equal(actual.decoder.error, actual.error);
      }
    }),
    { numRuns: 1500 },
  );
});

// --- Memory follows the bytes received --------------------------------------

Deno.test("FrameDecoder reserves memory for the bytes received, not the length declared", () => {
  const declared = 512 * MiB;
  const decoder = new FrameDecoder({ maxFrameLength: 1024 * MiB });
  const header = new Uint8Array(5);
  writeLength(header, 1, declared, {
    lengthFieldBytes: 4,
    littleEndian: false,
  });
  decoder.push(header);
  assert.equal(decoder.missingPayloadBytes, declared);
  // Nothing is reserved for the payload before its bytes arrive.
  assert.equal(decoder.reservedBytes, 0);
  // A few KiB, then a few MiB: what is held follows what arrived, within
  // 64 KiB + 16x the bytes received, never the 512 MiB declared.
  const pieces = [
    ...Array.from({ length: 8 }, () => KiB),
    ...Array.from({ length: 12 }, () => 256 * KiB),
  ];
  let received = 0;
  for (const [i, size] of pieces.entries()) {
    decoder.push(new Uint8Array(size).fill(i));
    received += size;
    assert.equal(decoder.bufferedBytes, 5 + received);
    assert.ok(decoder.reservedBytes >= received);
    // The first bytes of a huge frame cost one 64 KiB block.
    if (received <= 8 * KiB) assert.equal(decoder.reservedBytes, 64 * KiB);
    assert.ok(
      decoder.reservedBytes <= 64 * KiB + 16 * received,
      `${decoder.reservedBytes} bytes reserved for ${received} received`,
    );
  }
  assert.equal(received, 3 * MiB + 8 * KiB);
  assert.equal(decoder.missingPayloadBytes, declared - received);
  const error = thrown(() => decoder.finish());
  assert.ok(error instanceof TruncatedFrameError);
  assert.equal(error.missingBytes, declared - received);
  assert.equal(error.receivedBytes, 5 + received);
  // The partial payload is dropped with the failure.
  assert.equal(decoder.reservedBytes, 0);
});

Deno.test("FrameDecoder gives a payload of up to 64 KiB its exact buffer at the header", () => {
  const decoder = new FrameDecoder();
  decoder.push(fromHex("00 00 00 03 e8")); // 1000 bytes declared
  assert.equal(decoder.reservedBytes, 1000);
  assert.equal(decoder.bufferedBytes, 5);
});

Deno.test("FrameDecoder assembles a 16 MiB frame from 1 KiB chunks byte-exactly", () => {
  const length = DEFAULT_MAX_FRAME_LENGTH; // the default limit, inclusive
  // Every KiB differs, so swapped or repeated chunks show.
  const payload = patterned(length);
  const stream = concat([
    encodeFrame({ type: 9, payload }),
    encodeFrame({ type: 2, payload: utf8("next") }),
  ]);
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  let pushes = 0;
  // Views of one buffer: no per-chunk allocation in the test itself. A
  // decoder that re-copied the partial payload on every push (quadratic)
  // would copy ~128 GiB here and never finish.
  for (let start = 0; start < stream.length; start += KiB) {
    for (const frame of decoder.push(stream.subarray(start, start + KiB))) {
      frames.push(frame);
    }
    pushes++;
    if (frames.length === 0) {
      assert.ok(
        decoder.reservedBytes <= 64 * KiB + 16 * decoder.bufferedBytes,
      );
    }
  }
  assert.equal(pushes, Math.ceil(stream.length / KiB));
  assert.equal(frames.length, 2);
  assert.equal(frames[0].type, 9);
  assert.equal(frames[0].payload.length, length);
  assert.equal(firstDifference(frames[0].payload, payload), -1);
  assert.deepEqual(view([frames[1]]), [{ type: 2, payload: "6e 65 78 74" }]);
  decoder.finish();
});

Deno.test("FrameDecoder assembles a 40 MiB frame byte-exactly from pushes and payload windows", () => {
  // 40 MiB crosses every phase of payload assembly: several 1 MiB blocks
  // first, then the whole buffer once a sixteenth (2.5 MiB) has arrived.
  const length = 40 * MiB;
  const payload = patterned(length, 3);
  const decoder = new FrameDecoder({ maxFrameLength: length });
  const header = new Uint8Array(5);
  writeLength(header, 1, length, { lengthFieldBytes: 4, littleEndian: false });
  assert.deepEqual(decoder.push(header), []);
  // Odd sizes, so pieces straddle block and phase boundaries.
  const sizes = [1, 1000, 333_333, MiB + 7, 2 * MiB - 1, 64 * KiB];
  let frame: Frame | undefined;
  let offset = 0;
  for (let step = 0; frame === undefined; step++) {
    const size = Math.min(sizes[step % sizes.length], length - offset);
    if (step % 3 === 2) {
      // Every third piece is read straight into the payload.
      const window = decoder.payloadWindow(size)!;
      assert.ok(window.length >= 1 && window.length <= size);
      window.set(payload.subarray(offset, offset + window.length));
      offset += window.length;
      frame = decoder.commitPayload(window.length);
    } else {
      [frame] = decoder.push(payload.slice(offset, offset + size));
      offset += size;
    }
    if (frame === undefined) {
      assert.equal(decoder.bufferedBytes, 5 + offset);
      assert.ok(decoder.reservedBytes <= 64 * KiB + 16 * offset);
    }
  }
  assert.equal(offset, length);
  assert.equal(frame.payload.length, length);
  assert.equal(firstDifference(frame.payload, payload), -1);
  decoder.finish();
});

Deno.test("FrameDecoder assembles random payloads from random pushes and windows", () => {
  const step = fc.record({
    viaWindow: fc.boolean(),
    size: fc.integer({ min: 1, max: 100 * KiB }),
    // Share of the window actually filled, as a short read would.
    share: fc.double({ min: 0, max: 1, noNaN: true }),
  });
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 300 * KiB }),
      fc.array(step, { minLength: 1, maxLength: 20 }),
      (length, steps) => {
        const payload = patterned(length, length);
        const decoder = new FrameDecoder();
        const header = new Uint8Array(5);
        header[0] = 7;
        writeLength(header, 1, length, {
          lengthFieldBytes: 4,
          littleEndian: false,
        });
        let frame: Frame | undefined = decoder.push(header)[0];
        let offset = 0;
        for (let i = 0; frame === undefined; i++) {
          const { viaWindow, size, share } = steps[i % steps.length];
          const missing = length - offset;
          assert.equal(decoder.missingPayloadBytes, missing);
          if (viaWindow) {
            const window = decoder.payloadWindow(size)!;
            assert.ok(window.length >= 1);
            assert.ok(window.length <= Math.min(size, missing));
            const count = Math.max(1, Math.floor(window.length * share));
            window.set(payload.subarray(offset, offset + count));
            offset += count;
            frame = decoder.commitPayload(count);
          } else {
            const take = Math.min(size, missing);
            [frame] = decoder.push(payload.slice(offset, offset + take));
            offset += take;
          }
        }
        assert.equal(frame.type, 7);
        assert.equal(firstDifference(frame.payload, payload), -1);
        assert.equal(decoder.bufferedBytes, 0);
      },
    ),
    { numRuns: 60 },
  );
});

// --- Payload pinning and copies ---------------------------------------------

Deno.test("FrameDecoder copies or views a payload by its share of the chunk's buffer", () => {
  const cases: {
    name: string;
    payloadBytes: number;
    bufferBytes: number;
    chunkOffset?: number;
    view: boolean;
  }[] = [
    // Small payload covering most of its chunk: still copied (slab).
    { name: "1 byte", payloadBytes: 1, bufferBytes: 6, view: false },
    // The largest small payload, filling its chunk: copied.
    { name: "256 bytes", payloadBytes: 256, bufferBytes: 261, view: false },
    // The smallest large payload, filling its chunk: a view.
    { name: "257 bytes", payloadBytes: 257, bufferBytes: 262, view: true },
    // Exactly a quarter of the chunk's buffer: a view.
    {
      name: "1/4 of the buffer",
      payloadBytes: 1000,
      bufferBytes: 4000,
      view: true,
    },
    // Just under a quarter: copied.
    {
      name: "under 1/4 of the buffer",
      payloadBytes: 1000,
      bufferBytes: 4001,
      view: false,
    },
    // A chunk that is a small view of a big buffer: the buffer counts.
    {
      name: "medium payload, chunk viewing a 64 KiB buffer",
      payloadBytes: 1000,
      bufferBytes: 64 * KiB,
      chunkOffset: 30 * KiB,
      view: false,
    },
  ];
  for (
    const { name, payloadBytes, bufferBytes, chunkOffset = 0, view } of cases
  ) {
    const payload = new Uint8Array(payloadBytes);
    for (let i = 0; i < payloadBytes; i++) payload[i] = (i * 13 + 1) & 0xff;
    const buffer = new Uint8Array(bufferBytes);
    const end = encodeFrameInto(buffer, chunkOffset, { type: 3, payload });
    const pushed = buffer.subarray(chunkOffset, end);
    const decoder = new FrameDecoder();
    const [frame] = decoder.push(pushed);
    assert.equal(hex(frame.payload), hex(payload), name);
    assert.equal(decoder.retainedInput, view, name);
    if (view) {
      assert.equal(frame.payload.buffer, pushed.buffer, name);
    } else {
      assert.notEqual(frame.payload.buffer, pushed.buffer, name);
      // A copy outlives the caller reusing its read buffer.
      buffer.fill(0xee);
      assert.equal(hex(frame.payload), hex(payload), name);
      assert.ok(
        frame.payload.buffer.byteLength <= Math.max(4 * KiB, payloadBytes),
        name,
      );
    }
  }
});

Deno.test("FrameDecoder.retainedInput describes only the last push", () => {
  const decoder = new FrameDecoder();
  decoder.push(encodeFrame({ type: 0, payload: new Uint8Array(1000) }));
  assert.equal(decoder.retainedInput, true);
  decoder.push(encodeFrame({ type: 0, payload: new Uint8Array(10) }));
  assert.equal(decoder.retainedInput, false);
  decoder.push(new Uint8Array());
  assert.equal(decoder.retainedInput, false);
});

Deno.test("FrameDecoder payloads stay intact when a caller reuses its read buffer as documented", () => {
  // A transport reading into one buffer must take a new one whenever the
  // decoder kept a view of it (retainedInput). Everything else it may
  // overwrite, and no payload handed out may change.
  const sizes = [1, 200, 256, 257, 40, 3000, 0, 255, 600, 100];
  const frames: Frame[] = [];
  for (let round = 0; round < 20; round++) {
    for (const [i, size] of sizes.entries()) {
      frames.push({
        type: (round + i) & 0xff,
        payload: new Uint8Array(size).fill((round * 31 + i) & 0xff),
      });
    }
  }
  const stream = encodeFrames(frames);
  const decoder = new FrameDecoder();
  const decoded: Frame[] = [];
  let readBuffer = new Uint8Array(700);
  let fresh = 0;
  for (let offset = 0; offset < stream.length;) {
    const count = Math.min(readBuffer.length, stream.length - offset);
    readBuffer.set(stream.subarray(offset, offset + count));
    offset += count;
    for (const frame of decoder.push(readBuffer.subarray(0, count))) {
      decoded.push(frame);
    }
    if (decoder.retainedInput) {
      readBuffer = new Uint8Array(700);
      fresh++;
    } else {
      readBuffer.fill(0xee); // scribble over what the decoder read
    }
  }
  decoder.finish();
  // Some payloads were views, so the test covers both branches.
  assert.ok(fresh > 0);
  assert.deepEqual(view(decoded), view(frames));
});

Deno.test("FrameDecoder never overwrites a payload assembled from several chunks", () => {
  const first = new Uint8Array(5000).fill(1);
  const second = new Uint8Array(5000).fill(2);
  const stream = encodeFrames([
    { type: 0, payload: first },
    { type: 0, payload: second },
  ]);
  const decoder = new FrameDecoder();
  // Cut inside both payloads.
  const [a] = [
    ...decoder.push(stream.slice(0, 2000)),
    ...decoder.push(stream.slice(2000, 7000)),
  ];
  const [b] = decoder.push(stream.slice(7000));
  assert.equal(hex(a.payload), hex(first));
  assert.equal(hex(b.payload), hex(second));
});

// --- Reading straight into the payload ---------------------------------------

Deno.test("FrameDecoder.payloadWindow and commitPayload assemble a frame in place", () => {
  const decoder = new FrameDecoder();
  assert.equal(decoder.payloadWindow(10), undefined);
  assert.deepEqual(decoder.push(fromHex("04 00 00 00 0a 00 01")), []);
  // 2 of 10 bytes came with the header; the window covers the rest at most.
  const window = decoder.payloadWindow(3)!;
  assert.equal(window.length, 3);
  window.set([2, 3, 4]);
  assert.equal(decoder.commitPayload(3), undefined);
  assert.equal(decoder.missingPayloadBytes, 5);
  const last = decoder.payloadWindow(100)!;
  assert.equal(last.length, 5);
  last.set([5, 6, 7, 8, 9]);
  // Committing more than the window held is refused.
  assert.throws(() => decoder.commitPayload(6), RangeError);
  const frame = decoder.commitPayload(5);
  assert.deepEqual(view([frame!]), [
    { type: 4, payload: "00 01 02 03 04 05 06 07 08 09" },
  ]);
  assert.equal(decoder.payloadWindow(1), undefined);
  // The decoder is back at a header and keeps going.
  assert.deepEqual(view(decoder.push(fromHex("02 00 00 00 00"))), [
    { type: 2, payload: "" },
  ]);
  decoder.finish();
});

Deno.test("FrameDecoder.commitPayload refuses counts no window allows", () => {
  const cases: { name: string; setup: string; count: number }[] = [
    // No payload in progress.
    { name: "at a header", setup: "", count: 0 },
    // Negative and fractional counts.
    { name: "negative", setup: "00 00 00 00 04", count: -1 },
    { name: "fraction", setup: "00 00 00 00 04", count: 1.5 },
    // More than the payload misses.
    { name: "too many", setup: "00 00 00 00 04 01", count: 4 },
  ];
  for (const { name, setup, count } of cases) {
    const decoder = new FrameDecoder();
    decoder.push(fromHex(setup));
    assert.throws(() => decoder.commitPayload(count), (error) => {
      assert.ok(error instanceof RangeError, name);
      assert.equal(
        error.message,
        `Cannot commit ${count} payload bytes: no window of that size is open`,
      );
      return true;
    });
  }
});

Deno.test("FrameDecoder exposes its resolved options", () => {
  const decoder = new FrameDecoder(X86_LITTLE_ENDIAN_PROFILE);
  assert.deepEqual(
    decoder.options,
    resolveFrameCodecOptions(X86_LITTLE_ENDIAN_PROFILE),
  );
  assert.equal(decoder.options.headerLength, 5);
  assert.equal(decoder.options.littleEndian, true);
});

Deno.test("FrameDecoder fills a buffer from takeBuffer for a large payload, without blocks", () => {
  const length = 4 * MiB;
  const payload = patterned(length);
  const stream = encodeFrame({ type: 7, payload });
  const pooled = new Uint8Array(length);
  const asked: number[] = [];
  const decoder = new FrameDecoder({
    maxFrameLength: 8 * MiB,
    takeBuffer: (declared) => {
      asked.push(declared);
      return pooled;
    },
  });
  assert.deepEqual(decoder.push(stream.subarray(0, 5 + KiB)), []);
  assert.deepEqual(asked, [length]);
  // Memory already held needs no trickle protection: the whole buffer is
  // used from the first byte.
  assert.equal(decoder.reservedBytes, length);
  const [frame] = decoder.push(stream.subarray(5 + KiB));
  assert.equal(frame.payload, pooled);
  assert.deepEqual(frame.payload, payload);
});

Deno.test("FrameDecoder does not ask takeBuffer for payloads of 64 KiB or less", () => {
  const asked: number[] = [];
  const decoder = new FrameDecoder({
    takeBuffer: (length) => {
      asked.push(length);
      return undefined;
    },
  });
  const stream = concat([
    encodeFrame({ type: 1, payload: patterned(64 * KiB) }),
    encodeFrame({ type: 1, payload: patterned(64 * KiB + 1) }),
  ]);
  let frames = 0;
  for (let at = 0; at < stream.length; at += 1000) {
    frames += decoder.push(stream.subarray(at, at + 1000)).length;
  }
  assert.equal(frames, 2);
  assert.deepEqual(asked, [64 * KiB + 1]);
});

Deno.test("FrameDecoder refuses an oversized length before calling takeBuffer or allocatePayload", () => {
  const maxFrameLength = MiB;
  for (const declared of [maxFrameLength + 1, 64 * MiB, 0xffff_ffff]) {
    // Whole header in one push, and byte by byte.
    for (const step of [5, 1]) {
      const asked: string[] = [];
      const decoder = new FrameDecoder({
        maxFrameLength,
        takeBuffer: (length) => {
          asked.push(`takeBuffer(${length})`);
          return undefined;
        },
        allocatePayload: (length) => {
          asked.push(`allocatePayload(${length})`);
          return new Uint8Array(length);
        },
      });
      const header = new Uint8Array(5);
      new DataView(header.buffer).setUint32(1, declared);
      // A few payload bytes after the header, as a peer would send them.
      const stream = concat([header, new Uint8Array(100)]);
      const error = thrown(() => {
        for (let at = 0; at < stream.length; at += step) {
          decoder.push(stream.subarray(at, at + step));
        }
      });
      assert.ok(error instanceof FrameTooLargeError, `${declared}/${step}`);
      assert.equal(error.length, declared);
      assert.deepEqual(asked, [], `${declared} bytes, ${step}-byte pushes`);
      assert.equal(decoder.reservedBytes, 0);
    }
  }
});

Deno.test("FrameDecoder refuses a type outside acceptTypes before calling takeBuffer", () => {
  const asked: number[] = [];
  const decoder = new FrameDecoder({
    acceptTypes: [1],
    takeBuffer: (length) => {
      asked.push(length);
      return undefined;
    },
  });
  const header = encodeFrame({ type: 2, payload: new Uint8Array(MiB) })
    .subarray(0, 5);
  assert.ok(
    thrown(() => decoder.push(header)) instanceof UnknownFrameTypeError,
  );
  assert.deepEqual(asked, []);
});

Deno.test("FrameDecoder never asks takeBuffer for more than maxFrameLength, whatever the headers", () => {
  const maxFrameLength = 256 * KiB;
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), {
        minLength: 1,
        maxLength: 4,
      }),
      (lengths) => {
        const asked: number[] = [];
        const decoder = new FrameDecoder({
          maxFrameLength,
          takeBuffer: (length) => {
            asked.push(length);
            return undefined;
          },
        });
        try {
          for (const length of lengths) {
            const header = new Uint8Array(5);
            new DataView(header.buffer).setUint32(1, length);
            decoder.push(header);
            // Complete an accepted frame so the next header is read.
            const missing = decoder.missingPayloadBytes;
            if (missing > 0) decoder.push(new Uint8Array(missing));
          }
        } catch (error) {
          assert.ok(error instanceof FrameTooLargeError);
        }
        for (const length of asked) assert.ok(length <= maxFrameLength);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("FrameDecoder fails on a takeBuffer result of the wrong length", () => {
  const decoder = new FrameDecoder({
    takeBuffer: () => new Uint8Array(10),
  });
  const header = encodeFrame({ type: 0, payload: new Uint8Array(MiB) })
    .subarray(0, 5);
  assert.throws(() => decoder.push(header), RangeError);
  assert.ok(decoder.error instanceof RangeError);
});

Deno.test("FrameDecoder fills a buffer from allocatePayload for a large payload once a sixteenth has arrived", () => {
  const length = 4 * MiB;
  const payload = patterned(length);
  const stream = encodeFrame({ type: 7, payload });
  const mine = new Uint8Array(length);
  const asked: number[] = [];
  const decoder = new FrameDecoder({
    maxFrameLength: 8 * MiB,
    allocatePayload: (byteLength) => {
      asked.push(byteLength);
      return mine;
    },
  });
  // Trickle protection first: the header alone asks for nothing.
  assert.deepEqual(decoder.push(stream.subarray(0, 5 + KiB)), []);
  assert.deepEqual(asked, []);
  assert.ok(decoder.reservedBytes < length);
  assert.deepEqual(decoder.push(stream.subarray(5 + KiB, 5 + length / 16)), []);
  assert.deepEqual(
    decoder.push(stream.subarray(5 + length / 16, 6 + length / 16)),
    [],
  );
  assert.deepEqual(asked, [length]);
  assert.equal(decoder.reservedBytes, length);
  const [frame] = decoder.push(stream.subarray(6 + length / 16));
  assert.equal(frame.payload, mine);
  assert.deepEqual(frame.payload, payload);
});

Deno.test("FrameDecoder takes every payload with memory of its own from allocatePayload, and no view", () => {
  const asked: number[] = [];
  const decoder = new FrameDecoder({
    allocatePayload: (byteLength) => {
      asked.push(byteLength);
      return new Uint8Array(byteLength).fill(0xee); // need not be zeroed
    },
  });
  const sizes = [0, 10, 256, 1000, 64 * KiB, 64 * KiB + 1];
  const frames = sizes.map((size, i) => ({
    type: 1,
    payload: patterned(size, i),
  }));
  const stream = concat(frames.map((frame) => encodeFrame(frame)));
  // 1000 bytes in a 1000-byte chunk is a view; cut at 1000 bytes it spans.
  const got = [];
  for (let at = 0; at < stream.length; at += 1000) {
    got.push(...decoder.push(stream.slice(at, at + 1000)));
  }
  assert.deepEqual(got, frames);
  // 0 is empty, 10 and 256 go to the slab; the rest span chunks.
  assert.deepEqual(asked, [1000, 64 * KiB, 64 * KiB + 1]);
  // A payload copied out of a large chunk comes from the allocator too.
  asked.length = 0;
  const copied = { type: 2, payload: patterned(300, 9) };
  const [frame] = decoder.push(
    concat([encodeFrame(copied), new Uint8Array(4096)]).subarray(0, 305),
  );
  assert.deepEqual(frame, copied);
  assert.deepEqual(asked, [300]);
});

Deno.test("FrameDecoder fails on an allocatePayload result of the wrong length", () => {
  const decoder = new FrameDecoder({
    allocatePayload: () => new Uint8Array(10),
  });
  const header = encodeFrame({ type: 0, payload: new Uint8Array(1000) })
    .subarray(0, 5);
  assert.throws(
    () => decoder.push(header),
    (error) =>
      error instanceof RangeError &&
      /10-byte buffer from allocatePayload for a 1000-byte payload/.test(
        error.message,
      ),
  );
  assert.ok(decoder.error instanceof RangeError);
});

Deno.test("FrameDecoder fails when allocatePayload throws while filling a payload window", () => {
  const failure = new Error("out of pool");
  const decoder = new FrameDecoder({
    allocatePayload: () => {
      throw failure;
    },
  });
  const stream = encodeFrame({ type: 0, payload: new Uint8Array(MiB) });
  assert.deepEqual(decoder.push(stream.subarray(0, 5)), []);
  // The window reaches the commit point: the decoder asks for the buffer.
  for (let i = 0; i < 64; i++) {
    const window = decoder.payloadWindow(KiB)!;
    decoder.commitPayload(window.length);
  }
  assert.throws(() => decoder.payloadWindow(KiB), (error) => error === failure);
  assert.equal(decoder.error, failure);
  assert.throws(
    () => decoder.push(new Uint8Array(1)),
    (error) => error === failure,
  );
});

Deno.test("FrameDecoder refuses an allocatePayload that is not a function", () => {
  assert.throws(
    () =>
      new FrameDecoder({
        allocatePayload: 5 as unknown as (byteLength: number) => Uint8Array,
      }),
    {
      name: "TypeError",
      message: "Cannot use allocatePayload 5: expected a function",
    },
  );
});

Deno.test("FrameDecoder refuses a chunk that is not a Uint8Array and stays usable", () => {
  const decoder = new FrameDecoder();
  for (const bad of ["hello", new ArrayBuffer(5), [0, 0, 0, 0, 0], null]) {
    assert.throws(
      () => decoder.push(bad as unknown as Uint8Array),
      (error) => error instanceof TypeError && /Uint8Array/.test(error.message),
    );
  }
  const [frame] = decoder.push(fromHex("02 00 00 00 01 07"));
  assert.equal(frame.type, 2);
});
