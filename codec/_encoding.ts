// Copyright 2026 the framewire authors. MIT license.
import { describe } from "../internal/describe.ts";
import { copyBytes } from "./_bytes.ts";
import { writeHeader } from "./_header.ts";
import { FrameTooLargeError } from "./errors.ts";
import type { Frame } from "./frame.ts";
import type { ResolvedFrameCodecOptions } from "./options.ts";

/**
 * Validates a frame about to be encoded and returns its encoded length.
 * Everything that could make the bytes wrong is refused here, so callers can
 * check a whole batch before writing any of it.
 */
export function checkOutgoingFrame(
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
  if (payload.length > options.maxFrameLength) {
    throw new FrameTooLargeError(
      payload.length,
      options.maxFrameLength,
      "send",
    );
  }
  return options.headerLength + payload.length;
}

/** Encodes a frame already validated by `checkOutgoingFrame`. */
export function encodeFrameUnchecked(
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
