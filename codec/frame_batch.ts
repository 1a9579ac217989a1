// Copyright 2026 the framewire authors. MIT license.
/**
 * Many frames encoded into one reusable buffer, without a `Uint8Array` or a
 * frame object per message.
 *
 * @module
 */
import { writeHeader } from "./_header.ts";
import { checkFrameType, checkPayloadLength } from "./_frame_checks.ts";
import { copyBytes } from "../internal/bytes.ts";
import type { Frame } from "./frame.ts";
import {
  type FrameCodecOptions,
  type ResolvedFrameCodecOptions,
  resolveFrameCodecOptions,
} from "./options.ts";

const DEFAULT_INITIAL_BYTES = 64 * 1024;
// Below this many bytes a loop beats fill(), whose call overhead dominates.
const FILL_THRESHOLD = 32;

/**
 * Frames encoded back to back into one growing buffer that is reused from
 * batch to batch: `reserve(type, length)` writes a header and returns where
 * the payload goes, and you write the payload's bytes there yourself. A
 * million 16-byte messages built this way cost no allocation each, where a
 * fresh `Uint8Array` per message costs more than all of framewire's framing
 * work. Send it with {@linkcode FramedConn.prototype.sendBatch}, or write
 * {@linkcode FrameBatch.prototype.encoded} anywhere.
 *
 * Every frame is checked as it is added (type, and payload length against
 * `maxFrameLength`), so the bytes are always well-formed frames.
 *
 * @example Build 1,000 messages in place and send them
 * ```ts
 * import { FrameBatch, FramedConn } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * using client = new FramedConn(await Deno.connect({ port: listener.addr.port }));
 * using server = new FramedConn(await listener.accept());
 *
 * const batch = new FrameBatch();
 * for (let i = 0; i < 1000; i++) {
 *   const at = batch.reserve(1, 4); // header written; 4 payload bytes at `at`
 *   new DataView(batch.bytes.buffer).setUint32(at, i); // re-read bytes after reserve
 * }
 * assert.equal(batch.frameCount, 1000);
 * await client.sendBatch(batch); // copied at the call: reuse the batch at once
 * batch.clear();
 *
 * let received = 0;
 * while (received < 1000) {
 *   for (const frame of (await server.receiveMany())!) {
 *     assert.equal(new DataView(frame.payload.buffer, frame.payload.byteOffset).getUint32(0), received++);
 *   }
 * }
 * ```
 */
export class FrameBatch {
  #options: ResolvedFrameCodecOptions;
  #bytes: Uint8Array<ArrayBuffer>;
  #length = 0;
  #frameCount = 0;
  #largestPayload = 0;

  /**
   * Makes an empty batch.
   *
   * @param options Codec options (they must match the connection's, which
   * {@linkcode FramedConn.prototype.sendBatch} checks) and `initialBytes`,
   * the buffer's first size (it doubles as needed; default 65536).
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If an option is out of range.
   */
  constructor(options?: FrameCodecOptions & { initialBytes?: number }) {
    this.#options = resolveFrameCodecOptions(
      options === undefined ? undefined : {
        lengthFieldBytes: options.lengthFieldBytes,
        littleEndian: options.littleEndian,
        typeByte: options.typeByte,
        maxFrameLength: options.maxFrameLength,
      },
    );
    const initial = options?.initialBytes ?? DEFAULT_INITIAL_BYTES;
    if (!Number.isInteger(initial) || initial < 1 || initial > 2 ** 30) {
      throw new RangeError(
        `Cannot use initialBytes ${initial}: expected an integer from 1 to ${
          2 ** 30
        }`,
      );
    }
    this.#bytes = new Uint8Array(initial);
  }

  /** The resolved codec options the frames are encoded with. */
  get options(): ResolvedFrameCodecOptions {
    return this.#options;
  }

  /**
   * The buffer the frames are in: bytes `0` to `length` are the encoded
   * frames. `reserve` and `add` may replace it with a larger one, so read it
   * again after each of them.
   */
  get bytes(): Uint8Array<ArrayBuffer> {
    return this.#bytes;
  }

  /** Bytes of encoded frames, headers included. */
  get length(): number {
    return this.#length;
  }

  /** Frames in the batch. */
  get frameCount(): number {
    return this.#frameCount;
  }

  /** The largest payload in the batch, in bytes. */
  get largestPayload(): number {
    return this.#largestPayload;
  }

  /**
   * Appends a frame header and room for its payload, zeroed; write the
   * payload at the returned offset of {@linkcode FrameBatch.prototype.bytes}.
   *
   * @param type The frame type.
   * @param payloadLength The payload's length, in bytes.
   * @returns Where the payload starts in `bytes`.
   * @throws {RangeError} If the type is not an integer from 0 to 255 or the
   * length is not a non-negative integer.
   * @throws {TypeError} If a non-zero type is given with `typeByte: false`.
   * @throws {FrameTooLargeError} If the length exceeds `maxFrameLength`.
   */
  reserve(type: number, payloadLength: number): number {
    const options = this.#options;
    checkFrameType(type, options);
    if (!Number.isInteger(payloadLength) || payloadLength < 0) {
      throw new RangeError(
        `Cannot reserve ${payloadLength} payload bytes: expected a non-negative integer`,
      );
    }
    checkPayloadLength(payloadLength, options);
    const end = this.#length + options.headerLength + payloadLength;
    if (end > this.#bytes.length) this.#grow(end);
    const bytes = this.#bytes;
    const at = writeHeader(bytes, this.#length, type, payloadLength, options);
    // Zeroed: a payload the caller fills only partly must not carry the
    // bytes of an earlier batch.
    if (payloadLength < FILL_THRESHOLD) {
      for (let i = at; i < end; i++) bytes[i] = 0;
    } else {
      bytes.fill(0, at, end);
    }
    this.#length = end;
    this.#frameCount++;
    if (payloadLength > this.#largestPayload) {
      this.#largestPayload = payloadLength;
    }
    return at;
  }

  /**
   * Appends a frame, copying its payload.
   *
   * @param frame The frame.
   * @throws The errors of {@linkcode FrameBatch.prototype.reserve}, and a
   * `TypeError` if the payload is not a `Uint8Array`.
   */
  add(frame: Frame): void {
    const payload = frame.payload;
    if (!(payload instanceof Uint8Array)) {
      throw new TypeError("Cannot encode frame: payload must be a Uint8Array");
    }
    const at = this.reserve(frame.type, payload.length);
    copyBytes(this.#bytes, at, payload);
  }

  /** The encoded frames: a view of `bytes`, valid until the next change. */
  encoded(): Uint8Array<ArrayBuffer> {
    return this.#bytes.subarray(0, this.#length);
  }

  /** Empties the batch, keeping its buffer for the next one. */
  clear(): void {
    this.#length = 0;
    this.#frameCount = 0;
    this.#largestPayload = 0;
  }

  #grow(needed: number): void {
    let size = this.#bytes.length * 2;
    while (size < needed) size *= 2;
    const bytes = new Uint8Array(size);
    bytes.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = bytes;
  }
}
