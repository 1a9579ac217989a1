// Copyright 2026 the framewire authors. MIT license.
// Fixtures shared by the codec tests: the option profiles, the PROTOCOL.md
// example stream and fast-check arbitraries for frames and chunkings.
import fc from "fast-check";
import {
  type Frame,
  type FrameCodecOptions,
  type LengthFieldBytes,
  maxLengthForField,
  X86_LITTLE_ENDIAN_PROFILE,
} from "../../mod.ts";
import { everyCut, fromHex, hex, splitAt, utf8 } from "../_utils.ts";

/** A named set of codec options. */
export interface Profile {
  readonly name: string;
  readonly options: FrameCodecOptions;
}

const WIDTHS: readonly LengthFieldBytes[] = [1, 2, 4, 8];

/** Every width × byte order × type byte, plus the x86 profile. */
export const PROFILES: readonly Profile[] = [
  ...WIDTHS.flatMap((lengthFieldBytes) =>
    [false, true].flatMap((littleEndian) =>
      [true, false].map((typeByte) => ({
        name: `${lengthFieldBytes}-byte ${
          littleEndian ? "little" : "big"
        }-endian length, ${typeByte ? "typed" : "untyped"}`,
        options: { lengthFieldBytes, littleEndian, typeByte },
      }))
    )
  ),
  { name: "X86_LITTLE_ENDIAN_PROFILE", options: X86_LITTLE_ENDIAN_PROFILE },
];

/** PROTOCOL.md section 2: Chat "hello!" then Chat "bye!", 20 bytes. */
export const HELLO_BYE_STREAM = fromHex(
  "00 00 00 00 06 68 65 6c 6c 6f 21 00 00 00 00 04 62 79 65 21",
);

/** The two frames of {@linkcode HELLO_BYE_STREAM}. */
export const HELLO_BYE_FRAMES: readonly Frame[] = [
  { type: 0, payload: utf8("hello!") },
  { type: 0, payload: utf8("bye!") },
];

/** A frame as plain data, so assertion failures print readable diffs. */
export interface FrameView {
  type: number;
  payload: string;
}

/** Frames as {@linkcode FrameView}s (payloads in hex). */
export function view(frames: readonly Frame[]): FrameView[] {
  return frames.map((frame) => ({
    type: frame.type,
    payload: hex(frame.payload),
  }));
}

/**
 * Random frames that the profile can carry: types 0–255 (0 when untyped),
 * mostly small payloads plus some above 256 bytes, which take the decoder's
 * view-or-copy path instead of the small-payload slab.
 */
export function arbitraryFrames(
  options: FrameCodecOptions,
  maxFrames = 8,
): fc.Arbitrary<Frame[]> {
  const limit = Math.min(
    maxLengthForField(options.lengthFieldBytes ?? 4),
    options.maxFrameLength ?? Infinity,
  );
  const type = options.typeByte === false
    ? fc.constant(0)
    : fc.integer({ min: 0, max: 255 });
  const payload = fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: Math.min(limit, 40) }) },
    {
      weight: 1,
      arbitrary: fc.uint8Array({
        minLength: Math.min(limit, 200),
        maxLength: Math.min(limit, 700),
      }),
    },
  );
  return fc.array(fc.record({ type, payload }), { maxLength: maxFrames });
}

/** Raw cut material; map it onto a stream with {@linkcode cutsFor}. */
export const arbitraryCuts: fc.Arbitrary<number[]> = fc.array(fc.nat(), {
  maxLength: 12,
});

/** Random `raw` numbers turned into ascending cut offsets for `length`. */
export function cutsFor(raw: readonly number[], length: number): number[] {
  return raw.map((n) => n % (length + 1)).sort((a, b) => a - b);
}

/** `bytes` cut by random `raw` numbers (see {@linkcode cutsFor}). */
export function chunk(
  bytes: Uint8Array,
  raw: readonly number[],
): Uint8Array<ArrayBuffer>[] {
  return splitAt(bytes, cutsFor(raw, bytes.length));
}

/**
 * The send/recv table of issue 2: the 20-byte hello!/bye! stream cut every
 * way into up to three pieces. A function, because the cut generators can be
 * iterated only once.
 */
export function helloByeCutCases(): {
  name: string;
  cuts: Iterable<number[]>;
}[] {
  return [
    // The whole stream in one read: two frames from one chunk.
    { name: "one piece", cuts: [[]] },
    // Every header and payload byte in a read of its own.
    {
      name: "1-byte pieces",
      cuts: [Array.from({ length: 19 }, (_, i) => i + 1)],
    },
    // Every single cut, empty first or last piece included (cut 0 and 20).
    { name: "every split into 2 pieces", cuts: everyCut(20, 2) },
    // Every pair of cuts: headers split twice, payloads split twice, a
    // header and its payload in separate reads, empty middle pieces.
    { name: "every split into 3 pieces", cuts: everyCut(20, 3) },
  ];
}
