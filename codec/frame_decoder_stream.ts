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
 * Errors: the readable side errors with {@linkcode FrameTooLargeError} or
 * {@linkcode UnknownFrameTypeError} on a bad header, and with
 * {@linkcode TruncatedFrameError} when the input ends inside a frame; in both
 * cases only after every frame decoded before the error was read. Reading
 * that error also errors the writable side with it, if still open, so a pipe
 * into the stream stops.
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
   * The decoded frames, in order. A decode error reaches it after the frames
   * that preceded it.
   */
  override readonly readable: ReadableStream<Frame> = raiseInBand(
    super.readable,
  );

  /**
   * Constructs a new instance.
   *
   * @param options Codec options and filters; see
   * {@linkcode FrameDecoderOptions}.
   */
  constructor(options: FrameDecoderOptions = {}) {
    const decoder = new FrameDecoder(options);
    // Erroring a readable stream discards the chunks still queued in it, so
    // throwing here would drop the frames decoded just before a bad header or
    // the end of a truncated stream. The error travels in band instead, and
    // `readable` raises it once the frames before it were read.
    super({
      transform(chunk, controller) {
        let frames: Frame[] = [];
        try {
          frames = decoder.push(chunk);
        } catch (error) {
          // A decode error is read back from decoder.error below, in band;
          // anything else (a chunk that is not bytes) errors the stream now.
          if (decoder.error === undefined) throw error;
        }
        for (let i = 0; i < frames.length; i++) controller.enqueue(frames[i]);
        if (decoder.error) controller.enqueue(new Failure(decoder.error));
      },
      flush(controller) {
        try {
          decoder.finish();
        } catch (error) {
          controller.enqueue(new Failure(error));
        }
      },
    });
  }
}

// A decode error queued behind the frames that preceded it. It is never
// handed to users: `raiseInBand` turns it into an error of the stream.
class Failure implements Frame {
  readonly type = -1;
  readonly payload = new Uint8Array(0);
  constructor(readonly error: unknown) {}
}

// One frame per read, so the stream is never errored while frames are queued.
function raiseInBand(source: ReadableStream<Frame>): ReadableStream<Frame> {
  const reader = source.getReader();
  return new ReadableStream<Frame>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
      } else if (value instanceof Failure) {
        controller.error(value.error);
        // Errors the writable side too, so a pipe into it stops.
        await reader.cancel(value.error);
      } else {
        controller.enqueue(value);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
