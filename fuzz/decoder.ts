// Copyright 2026 the framewire authors. MIT license.
/**
 * Fuzz target `decoder`: {@linkcode FrameDecoder} under every codec profile
 * (1/2/4/8-byte lengths, either byte order, typed or not, random limits and
 * accepted types), fed mutated valid streams in random chunkings, through
 * `push` or through `payloadWindow`/`commitPayload`.
 *
 * Invariants, checked against a reference decoder written from
 * docs/PROTOCOL.md sections 2 and 4:
 * - the frames decoded and the error raised are the reference's, whatever
 *   the chunking (so a stream split anywhere decodes identically), and the
 *   frames re-encode to exactly the input's prefix;
 * - the only errors are `FrameTooLargeError`, `UnknownFrameTypeError` and (at
 *   `finish`) `TruncatedFrameError`, with the reference's fields;
 * - `allocatePayload` is never asked for more than `maxFrameLength`, and an
 *   unfinished frame never reserves more than 64 KiB + 16x what arrived.
 *
 * @module
 */
import fc from "fast-check";
import {
  encodeFrame,
  type Frame,
  FrameDecoder,
  FrameTooLargeError,
  type LengthFieldBytes,
  maxLengthForField,
  type ResolvedFrameCodecOptions,
  resolveFrameCodecOptions,
  TruncatedFrameError,
  UnknownFrameTypeError,
} from "../mod.ts";
import { writeHeader } from "../codec/_header.ts";
import {
  applyMutations,
  chunk,
  cutsFor,
  type Mutation,
  mutationsArb,
  type StreamLayout,
} from "./_mutate.ts";
import {
  describeThrown,
  type FuzzBudget,
  type FuzzResult,
  runProperty,
  Tally,
} from "./_run.ts";
import { concat } from "../tests/_utils.ts";

/** One generated decoder case. */
export interface DecoderCase {
  readonly lengthFieldBytes: LengthFieldBytes;
  readonly littleEndian: boolean;
  readonly typeByte: boolean;
  readonly maxFrameLength: number;
  readonly acceptTypes: number[] | null;
  readonly frames: { type: number; payload: Uint8Array; large: number }[];
  readonly mutations: Mutation[];
  readonly cuts: number[];
  readonly views: boolean;
  /** Feed payloads through `payloadWindow` of at most this many bytes (0: `push`). */
  readonly window: number;
}

// A payload above 64 KiB takes the decoder's block-assembly path; a few
// cases carry one, filled with a cheap pattern instead of random bytes.
const LARGE_MIN = 64 * 1024 + 1;

const caseArb: fc.Arbitrary<DecoderCase> = fc.record({
  lengthFieldBytes: fc.constantFrom<LengthFieldBytes>(1, 2, 4, 8),
  littleEndian: fc.boolean(),
  typeByte: fc.boolean(),
  maxFrameLength: fc.oneof(
    { arbitrary: fc.nat(300), weight: 6 },
    { arbitrary: fc.constantFrom(0, 1, 255, 256, 65535, 65536), weight: 2 },
    { arbitrary: fc.integer({ min: LARGE_MIN, max: 300_000 }), weight: 1 },
  ),
  acceptTypes: fc.oneof(
    { arbitrary: fc.constant(null), weight: 4 },
    { arbitrary: fc.uniqueArray(fc.nat(255), { maxLength: 6 }), weight: 1 },
  ),
  frames: fc.array(
    fc.record({
      type: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 5), fc.nat(255)),
      payload: fc.uint8Array({ maxLength: 48 }),
      // Most frames are small; one in fifty asks for a large payload.
      large: fc.oneof(
        { arbitrary: fc.constant(0), weight: 49 },
        { arbitrary: fc.integer({ min: LARGE_MIN, max: 300_000 }), weight: 1 },
      ),
    }),
    { maxLength: 6 },
  ),
  mutations: mutationsArb(4),
  cuts: fc.array(fc.nat(), { maxLength: 8 }),
  views: fc.boolean(),
  window: fc.oneof(
    { arbitrary: fc.constant(0), weight: 3 },
    { arbitrary: fc.integer({ min: 1, max: 70_000 }), weight: 1 },
  ),
});

/** The reference's verdict on a stream. */
interface Expected {
  frames: Frame[];
  /** Bytes the frames take; the input's prefix they re-encode to. */
  consumed: number;
  error?:
    | { code: "FRAME_TYPE_UNKNOWN"; frameType: number }
    | { code: "FRAME_TOO_LARGE"; length: number }
    | {
      code: "FRAME_TRUNCATED";
      receivedBytes: number;
      missingBytes: number;
      inHeader: boolean;
    };
}

/** Decodes `bytes` the slow, obvious way (BigInt lengths, no chunking). */
function reference(
  bytes: Uint8Array,
  options: ResolvedFrameCodecOptions,
  accepted: ReadonlySet<number> | undefined,
): Expected {
  const frames: Frame[] = [];
  const headerLength = options.headerLength;
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < headerLength) {
      return {
        frames,
        consumed: at,
        error: {
          code: "FRAME_TRUNCATED",
          receivedBytes: bytes.length - at,
          missingBytes: headerLength - (bytes.length - at),
          inHeader: true,
        },
      };
    }
    const type = options.typeByte ? bytes[at] : 0;
    const field = bytes.subarray(
      at + (options.typeByte ? 1 : 0),
      at + headerLength,
    );
    let length = 0n;
    for (let i = 0; i < field.length; i++) {
      const byte = field[options.littleEndian ? field.length - 1 - i : i];
      length = (length << 8n) | BigInt(byte);
    }
    if (accepted !== undefined && !accepted.has(type)) {
      return {
        frames,
        consumed: at,
        error: { code: "FRAME_TYPE_UNKNOWN", frameType: type },
      };
    }
    if (length > BigInt(options.maxFrameLength)) {
      return {
        frames,
        consumed: at,
        error: { code: "FRAME_TOO_LARGE", length: Number(length) },
      };
    }
    const size = Number(length);
    const available = bytes.length - at - headerLength;
    if (available < size) {
      return {
        frames,
        consumed: at,
        error: {
          code: "FRAME_TRUNCATED",
          receivedBytes: headerLength + available,
          missingBytes: size - available,
          inHeader: false,
        },
      };
    }
    const start = at + headerLength;
    frames.push({ type, payload: bytes.subarray(start, start + size) });
    at = start + size;
  }
  return { frames, consumed: at };
}

/** The valid stream of a case and where its headers are. */
function encodeCase(
  testCase: DecoderCase,
  options: ResolvedFrameCodecOptions,
): { bytes: Uint8Array; layout: StreamLayout } {
  const parts: Uint8Array[] = [];
  const headers: number[] = [];
  let offset = 0;
  for (const frame of testCase.frames) {
    let payload = frame.payload;
    if (frame.large > 0 && frame.large <= options.maxFrameLength) {
      payload = new Uint8Array(frame.large);
      for (let i = 0; i < payload.length; i += 251) payload[i] = i & 0xff;
    }
    payload = payload.subarray(0, options.maxFrameLength);
    const encoded = encodeFrame(
      { type: options.typeByte ? frame.type : 0, payload },
      options,
    );
    headers.push(offset);
    parts.push(encoded);
    offset += encoded.length;
  }
  const bytes = new Uint8Array(offset);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  const field = maxLengthForField(options.lengthFieldBytes);
  const layout: StreamLayout = {
    headers,
    typeOffset: options.typeByte ? 0 : -1,
    writeLength(target, headerOffset, value) {
      if (headerOffset + options.headerLength > target.length) return;
      const header = new Uint8Array(options.headerLength);
      // Keep the type byte; wrap the value into what the field can hold.
      writeHeader(
        header,
        0,
        target[headerOffset],
        value % (field + 1),
        options,
      );
      target.set(
        header.subarray(options.typeByte ? 1 : 0),
        headerOffset + (options.typeByte ? 1 : 0),
      );
    },
  };
  return { bytes, layout };
}

/** Runs one case; throws on any broken invariant. */
export function checkDecoderCase(testCase: DecoderCase, tally: Tally): void {
  const options = resolveFrameCodecOptions({
    lengthFieldBytes: testCase.lengthFieldBytes,
    littleEndian: testCase.littleEndian,
    typeByte: testCase.typeByte,
    maxFrameLength: Math.min(
      testCase.maxFrameLength,
      maxLengthForField(testCase.lengthFieldBytes),
    ),
  });
  const accepted = testCase.acceptTypes !== null && options.typeByte
    ? new Set(testCase.acceptTypes)
    : undefined;
  const { bytes: valid, layout } = encodeCase(testCase, options);
  const input = applyMutations(valid, testCase.mutations, layout);
  const expected = reference(input, options, accepted);

  const allocations: number[] = [];
  const decoder = new FrameDecoder({
    ...options,
    acceptTypes: testCase.acceptTypes ?? undefined,
    allocatePayload(byteLength) {
      allocations.push(byteLength);
      if (byteLength > options.maxFrameLength) {
        throw new Error(
          `allocatePayload(${byteLength}) above maxFrameLength ${options.maxFrameLength}`,
        );
      }
      return new Uint8Array(byteLength);
    },
  });
  const frames: Frame[] = [];
  let thrown: unknown;
  try {
    for (
      const piece of chunk(
        input,
        cutsFor(testCase.cuts, input.length),
        testCase.views,
      )
    ) {
      if (testCase.window > 0) {
        feedThroughWindows(decoder, piece, testCase.window, frames);
      } else frames.push(...decoder.push(piece));
      checkReserved(decoder, options);
      if (decoder.error !== undefined) throw decoder.error;
    }
    decoder.finish();
  } catch (error) {
    thrown = error;
  }

  // Frames are compared only now, so a payload overwritten by a later push
  // (a reused slab, a recycled chunk) shows up as a difference.
  if (frames.length !== expected.frames.length) {
    throw new Error(
      `decoded ${frames.length} frames, the reference ${expected.frames.length}` +
        (thrown === undefined ? "" : ` (decoder: ${describeThrown(thrown)})`),
    );
  }
  const reencoded: Uint8Array[] = [];
  for (let i = 0; i < frames.length; i++) {
    const got = frames[i];
    const want = expected.frames[i];
    if (got.type !== want.type || !sameBytes(got.payload, want.payload)) {
      throw new Error(`frame ${i} differs from the reference`);
    }
    reencoded.push(encodeFrame(got, options));
  }
  if (!sameBytes(concat(reencoded), input.subarray(0, expected.consumed))) {
    throw new Error("decoded frames do not re-encode to the input's prefix");
  }
  for (const size of allocations) {
    if (size > options.maxFrameLength) {
      throw new Error(
        `allocated ${size} bytes above ${options.maxFrameLength}`,
      );
    }
  }
  checkError(thrown, expected, options);
  if (expected.error !== undefined) tally.refuse(expected.error.code);
}

function checkError(
  thrown: unknown,
  expected: Expected,
  options: ResolvedFrameCodecOptions,
): void {
  const want = expected.error;
  if (want === undefined) {
    if (thrown !== undefined) {
      throw new Error(`unexpected ${describeThrown(thrown)}`);
    }
    return;
  }
  const fail = (what: string) =>
    new Error(
      `expected ${JSON.stringify(want)}, got ${
        describeThrown(thrown)
      } (${what})`,
    );
  switch (want.code) {
    case "FRAME_TYPE_UNKNOWN":
      if (!(thrown instanceof UnknownFrameTypeError)) throw fail("class");
      if (thrown.code !== want.code || thrown.frameType !== want.frameType) {
        throw fail("fields");
      }
      return;
    case "FRAME_TOO_LARGE":
      if (!(thrown instanceof FrameTooLargeError)) throw fail("class");
      if (
        thrown.code !== want.code || thrown.length !== want.length ||
        thrown.maxFrameLength !== options.maxFrameLength ||
        thrown.direction !== "receive"
      ) throw fail("fields");
      return;
    case "FRAME_TRUNCATED":
      if (!(thrown instanceof TruncatedFrameError)) throw fail("class");
      if (
        thrown.code !== want.code ||
        thrown.receivedBytes !== want.receivedBytes ||
        thrown.missingBytes !== want.missingBytes ||
        thrown.inHeader !== want.inHeader
      ) throw fail("fields");
      return;
  }
}

/**
 * Feeds a chunk the way a transport that reads into the payload does:
 * header bytes one at a time through `push`, payload bytes through windows.
 */
function feedThroughWindows(
  decoder: FrameDecoder,
  piece: Uint8Array,
  maxWindow: number,
  frames: Frame[],
): void {
  let offset = 0;
  while (offset < piece.length) {
    if (decoder.missingPayloadBytes > 0) {
      const window = decoder.payloadWindow(maxWindow)!;
      const take = Math.min(window.length, piece.length - offset);
      window.set(piece.subarray(offset, offset + take));
      offset += take;
      const frame = decoder.commitPayload(take);
      if (frame !== undefined) frames.push(frame);
    } else {
      frames.push(...decoder.push(piece.slice(offset, offset + 1)));
      offset += 1;
      if (decoder.error !== undefined) return;
    }
  }
}

// Documented bound: an unfinished frame holds at most 64 KiB + 16x the
// payload bytes that arrived, and never more than the payload's length.
function checkReserved(
  decoder: FrameDecoder,
  options: ResolvedFrameCodecOptions,
): void {
  const arrived = Math.max(0, decoder.bufferedBytes - options.headerLength);
  const reserved = decoder.reservedBytes;
  if (
    reserved > 64 * 1024 + 16 * arrived || reserved > options.maxFrameLength
  ) {
    throw new Error(
      `reserved ${reserved} bytes after ${arrived} payload bytes (max ${options.maxFrameLength})`,
    );
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Runs the `decoder` target. */
export function fuzzDecoder(budget: FuzzBudget): Promise<FuzzResult> {
  const tally = new Tally();
  return runProperty(
    "decoder",
    fc.property(caseArb, (testCase) => checkDecoderCase(testCase, tally)),
    budget,
    tally,
  );
}
