// Copyright 2026 the framewire authors. MIT license.
/**
 * Web-Streams encoder: frames in, bytes out.
 *
 * @module
 */
import { encodeFrame } from "./encode.ts";
import type { Frame } from "./frame.ts";
import { type FrameCodecOptions, resolveFrameCodecOptions } from "./options.ts";

/**
 * A `TransformStream` from frames to encoded bytes, one chunk per frame.
 * Backpressure passes through: a full readable side stalls the writer.
 *
 * The stream errors with {@linkcode FrameTooLargeError} (or a `TypeError` /
 * `RangeError` for a malformed frame) before emitting any byte of the
 * offending frame.
 *
 * @example Encode frames into a byte stream
 * ```ts
 * import { FrameEncoderStream } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const frames = ReadableStream.from([
 *   { type: 2, payload: new Uint8Array([7]) },
 * ]);
 * const chunks = await Array.fromAsync(frames.pipeThrough(new FrameEncoderStream()));
 * assert.deepEqual(chunks, [new Uint8Array([2, 0, 0, 0, 1, 7])]);
 * ```
 */
export class FrameEncoderStream extends TransformStream<Frame, Uint8Array> {
  /**
   * Constructs a new instance.
   *
   * @param options Codec options; see {@linkcode FrameCodecOptions}.
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If `maxFrameLength` is out of range.
   */
  constructor(options: FrameCodecOptions = {}) {
    const resolved = resolveFrameCodecOptions(options);
    super({
      transform(frame, controller) {
        controller.enqueue(encodeFrame(frame, resolved));
      },
    });
  }
}
