// Copyright 2026 the framewire authors. MIT license.
/**
 * Web-Streams decoder: bytes in, frames out.
 *
 * @module
 */
import type { Frame } from "./frame.ts";
import { FrameDecoder, type FrameDecoderOptions } from "./frame_decoder.ts";

/**
 * A `TransformStream` from byte chunks to frames, built on
 * {@linkcode FrameDecoder}. Chunks may split or merge frames in any way.
 * Decoding is synchronous per chunk, so the stream honours backpressure: no
 * new chunk is read while the readable side is full.
 *
 * Errors: the stream errors with {@linkcode FrameTooLargeError} or
 * {@linkcode UnknownFrameTypeError} on a bad header (after delivering the
 * frames before it), and with {@linkcode TruncatedFrameError} when the input
 * ends inside a frame.
 *
 * @example Decode a byte stream
 * ```ts
 * import { FrameDecoderStream } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const bytes = ReadableStream.from([
 *   new Uint8Array([0, 0, 0, 0, 6, 0x68, 0x65]),
 *   new Uint8Array([0x6c, 0x6c, 0x6f, 0x21]),
 * ]);
 * const frames = await Array.fromAsync(bytes.pipeThrough(new FrameDecoderStream()));
 * assert.equal(frames.length, 1);
 * assert.equal(new TextDecoder().decode(frames[0].payload), "hello!");
 * ```
 */
export class FrameDecoderStream extends TransformStream<Uint8Array, Frame> {
  /**
   * Constructs a new instance.
   *
   * @param options Codec options and filters; see
   * {@linkcode FrameDecoderOptions}.
   */
  constructor(options: FrameDecoderOptions = {}) {
    const decoder = new FrameDecoder(options);
    super({
      transform(chunk, controller) {
        const frames = decoder.push(chunk);
        for (let i = 0; i < frames.length; i++) controller.enqueue(frames[i]);
        if (decoder.error) throw decoder.error;
      },
      flush() {
        decoder.finish();
      },
    });
  }
}
