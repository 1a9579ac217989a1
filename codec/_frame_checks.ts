// Copyright 2026 the framewire authors. MIT license.
// The checks shared by checkFrame and encodeFrameHeader, so that a frame
// refused by one is refused by the other with the same typed error.
import { describe } from "../internal/describe.ts";
import { FrameTooLargeError } from "./errors.ts";
import type { ResolvedFrameCodecOptions } from "./options.ts";

/** Throws unless `type` is a byte the options can carry. */
export function checkFrameType(
  type: number,
  options: ResolvedFrameCodecOptions,
): void {
  if (!Number.isInteger(type) || type < 0 || type > 255) {
    throw new RangeError(
      `Cannot encode frame: type ${
        describe(type)
      } is not an integer from 0 to 255`,
    );
  }
  if (!options.typeByte && type !== 0) {
    throw new TypeError(
      `Cannot encode frame: type ${type} cannot be sent without a type byte (typeByte: false)`,
    );
  }
}

/** Throws unless `length` is a payload length the options allow. */
export function checkPayloadLength(
  length: number,
  options: ResolvedFrameCodecOptions,
): void {
  if (length > options.maxFrameLength) {
    throw new FrameTooLargeError(length, options.maxFrameLength, "send");
  }
}
