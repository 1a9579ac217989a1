// Copyright 2026 the framewire authors. MIT license.
/**
 * The validation {@linkcode encodeFrame} applies, for code that encodes
 * frames itself (into its own buffers, with {@linkcode encodeFrameHeader}).
 *
 * @module
 */
import { describe } from "../internal/describe.ts";
import { checkFrameType, checkPayloadLength } from "./_frame_checks.ts";
import type { Frame } from "./frame.ts";
import type { ResolvedFrameCodecOptions } from "./options.ts";

/**
 * Checks that a frame can be encoded with `options` and returns its encoded
 * length, header included. Everything that could make the bytes wrong is
 * refused here, with the errors {@linkcode encodeFrame} throws, so a caller
 * can check a whole batch before writing any of it.
 *
 * It takes resolved options only (see {@linkcode resolveFrameCodecOptions}):
 * it is meant for hot paths that resolve once and check every frame.
 *
 * @param frame The frame to check.
 * @param options Resolved codec options; `maxFrameLength` is the limit.
 * @returns The encoded length in bytes: header length plus payload length.
 * @throws {TypeError} If the frame is not an object, the payload is not a
 * `Uint8Array`, or a non-zero type is given with `typeByte: false`.
 * @throws {RangeError} If the type is not an integer from 0 to 255.
 * @throws {FrameTooLargeError} If the payload exceeds `maxFrameLength`.
 *
 * @example Check a batch before encoding any of it
 * ```ts
 * import {
 *   checkFrame,
 *   FrameTooLargeError,
 *   resolveFrameCodecOptions,
 * } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const options = resolveFrameCodecOptions({ maxFrameLength: 4 });
 * assert.equal(checkFrame({ type: 1, payload: new Uint8Array(4) }, options), 9);
 * assert.throws(
 *   () => checkFrame({ type: 1, payload: new Uint8Array(5) }, options),
 *   FrameTooLargeError,
 * );
 * assert.throws(
 *   () => checkFrame({ type: 256, payload: new Uint8Array(0) }, options),
 *   RangeError,
 * );
 * ```
 */
export function checkFrame(
  frame: Frame,
  options: ResolvedFrameCodecOptions,
): number {
  if (frame === null || typeof frame !== "object") {
    throw new TypeError(
      `Cannot encode frame: expected {type, payload}, got ${describe(frame)}`,
    );
  }
  const { type, payload } = frame;
  if (!(payload instanceof Uint8Array)) {
    throw new TypeError(
      "Cannot encode frame: payload must be a Uint8Array",
    );
  }
  checkFrameType(type, options);
  checkPayloadLength(payload.length, options);
  return options.headerLength + payload.length;
}
