// Copyright 2026 the framewire authors. MIT license.
/**
 * Plain functions that turn frames into bytes.
 *
 * @module
 */
import { copyBytes } from "../internal/bytes.ts";
import { writeHeader } from "./_header.ts";
import { checkFrame } from "./check_frame.ts";
import type { Frame } from "./frame.ts";
import {
  type FrameCodecOptions,
  type ResolvedFrameCodecOptions,
  resolveFrameCodecOptions,
} from "./options.ts";

/**
 * Encodes one frame into a new buffer holding header and payload.
 *
 * ```text
 * +--------+-------------+-------------------+
 * | 00     | 00 00 00 06 | 68 65 6c 6c 6f 21 |   Chat "hello!"
 * +--------+-------------+-------------------+
 *   type     length (BE)   payload
 * ```
 *
 * @param frame The frame to encode.
 * @param options Codec options; see {@linkcode FrameCodecOptions}.
 * @returns The encoded bytes.
 * @throws {FrameTooLargeError} If the payload exceeds `maxFrameLength`;
 * nothing is encoded.
 * @throws {TypeError} If the payload is not a `Uint8Array`, or a non-zero
 * type is given with `typeByte: false`.
 * @throws {RangeError} If the type is not an integer from 0 to 255.
 *
 * @example Encode "hello!" as a Chat frame
 * ```ts
 * import { encodeFrame, FrameType } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeFrame({
 *   type: FrameType.Chat,
 *   payload: new TextEncoder().encode("hello!"),
 * });
 * assert.deepEqual(
 *   bytes,
 *   new Uint8Array([0x00, 0, 0, 0, 6, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x21]),
 * );
 * ```
 */
export function encodeFrame(
  frame: Frame,
  options?: FrameCodecOptions | ResolvedFrameCodecOptions,
): Uint8Array<ArrayBuffer> {
  const resolved = resolveFrameCodecOptions(options);
  const bytes = new Uint8Array(checkFrame(frame, resolved));
  encodeFrameUnchecked(bytes, 0, frame, resolved);
  return bytes;
}

/**
 * Encodes many frames into one buffer, ready for a single write. Every frame
 * is validated before anything is encoded.
 *
 * @param frames The frames to encode, in order.
 * @param options Codec options; see {@linkcode FrameCodecOptions}.
 * @returns The encoded frames back to back.
 * @throws {FrameTooLargeError} If any payload exceeds `maxFrameLength`.
 * @throws {TypeError} If any frame is malformed (see {@linkcode encodeFrame}).
 * @throws {RangeError} If any type is not an integer from 0 to 255.
 *
 * @example Two frames in one buffer
 * ```ts
 * import { encodeFrames } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeFrames([
 *   { type: 2, payload: new Uint8Array([1]) },
 *   { type: 4, payload: new Uint8Array([1]) },
 * ]);
 * assert.deepEqual(bytes, new Uint8Array([2, 0, 0, 0, 1, 1, 4, 0, 0, 0, 1, 1]));
 * ```
 */
export function encodeFrames(
  frames: Iterable<Frame>,
  options?: FrameCodecOptions | ResolvedFrameCodecOptions,
): Uint8Array<ArrayBuffer> {
  const resolved = resolveFrameCodecOptions(options);
  const list = Array.isArray(frames) ? frames as Frame[] : [...frames];
  let total = 0;
  for (let i = 0; i < list.length; i++) {
    total += checkFrame(list[i], resolved);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < list.length; i++) {
    offset = encodeFrameUnchecked(bytes, offset, list[i], resolved);
  }
  return bytes;
}

/**
 * Encodes one frame into `target` at `offset`, for callers that manage their
 * own buffers.
 *
 * @param target Buffer to write into.
 * @param offset Where the header starts.
 * @param frame The frame to encode.
 * @param options Codec options; see {@linkcode FrameCodecOptions}.
 * @returns The offset just past the encoded frame.
 * @throws {RangeError} If the frame does not fit in `target` from `offset`,
 * or its type is out of range; nothing is written.
 * @throws {FrameTooLargeError} If the payload exceeds `maxFrameLength`.
 * @throws {TypeError} If the frame is malformed.
 *
 * @example Fill a buffer you own
 * ```ts
 * import { encodeFrameInto } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const buffer = new Uint8Array(16);
 * const end = encodeFrameInto(buffer, 2, { type: 1, payload: new Uint8Array([9, 9]) });
 * assert.equal(end, 9);
 * assert.deepEqual(buffer.subarray(2, end), new Uint8Array([1, 0, 0, 0, 2, 9, 9]));
 * ```
 */
export function encodeFrameInto(
  target: Uint8Array,
  offset: number,
  frame: Frame,
  options?: FrameCodecOptions | ResolvedFrameCodecOptions,
): number {
  const resolved = resolveFrameCodecOptions(options);
  const length = checkFrame(frame, resolved);
  if (
    !Number.isInteger(offset) || offset < 0 || offset + length > target.length
  ) {
    throw new RangeError(
      `Cannot encode frame: ${length} bytes at offset ${offset} do not fit in a ${target.length}-byte buffer`,
    );
  }
  return encodeFrameUnchecked(target, offset, frame, resolved);
}

/**
 * Size of a frame once encoded, header included.
 *
 * @param frame The frame to measure.
 * @param options Codec options; see {@linkcode FrameCodecOptions}.
 * @returns Header length plus payload length, in bytes.
 * @throws {FrameTooLargeError} If the payload exceeds `maxFrameLength`.
 *
 * @example
 * ```ts
 * import { encodedFrameLength } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * assert.equal(encodedFrameLength({ type: 0, payload: new Uint8Array(16) }), 21);
 * assert.equal(encodedFrameLength({ type: 0, payload: new Uint8Array(16) }, { typeByte: false, lengthFieldBytes: 2 }), 18);
 * ```
 */
export function encodedFrameLength(
  frame: Frame,
  options?: FrameCodecOptions | ResolvedFrameCodecOptions,
): number {
  return checkFrame(frame, resolveFrameCodecOptions(options));
}

/** Encodes a frame already validated by `checkFrame`. */
function encodeFrameUnchecked(
  target: Uint8Array,
  offset: number,
  frame: Frame,
  options: ResolvedFrameCodecOptions,
): number {
  const start = writeHeader(
    target,
    offset,
    frame.type,
    frame.payload.length,
    options,
  );
  return copyBytes(target, start, frame.payload);
}
