// Copyright 2026 the framewire authors. MIT license.
/**
 * Errors raised by the codec. Each extends the fitting built-in class and
 * carries a stable `code` and the numbers a program acts on.
 *
 * @module
 */

/** Which side of a connection refused a frame. */
export type FrameDirection = "send" | "receive";

/**
 * A frame longer than the configured `maxFrameLength`.
 *
 * On receive it is raised from the header alone, before any payload byte is
 * buffered or any payload buffer is allocated. On send it is raised before a
 * single byte is written. After a receive-side error the byte stream cannot be
 * resynchronised: the decoder stays failed, and a `FramedConn` keeps
 * throwing it from `receive()` while its send side stays usable (to report
 * the error to the peer) until you close it.
 *
 * A signed 32-bit length that was negative on the sender's side (a C program
 * writing `-1`) reads as a value of 2^31 or more and lands here too.
 *
 * @example Catch an oversized frame
 * ```ts
 * import { encodeFrame, FrameTooLargeError } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const frame = { type: 0, payload: new Uint8Array(11) };
 * assert.throws(() => encodeFrame(frame, { maxFrameLength: 10 }), (error) => {
 *   assert(error instanceof FrameTooLargeError);
 *   assert.equal(error.code, "FRAME_TOO_LARGE");
 *   assert.equal(error.length, 11);
 *   assert.equal(error.maxFrameLength, 10);
 *   return true;
 * });
 * ```
 */
export class FrameTooLargeError extends RangeError {
  /** Stable error code. */
  readonly code = "FRAME_TOO_LARGE" as const;
  /** The payload length that was declared or asked for, in bytes. */
  readonly length: number;
  /** The limit that refused it, in bytes. */
  readonly maxFrameLength: number;
  /** Whether the frame was being sent or received. */
  readonly direction: FrameDirection;

  /**
   * Constructs a new instance.
   *
   * @param length The declared payload length in bytes.
   * @param maxFrameLength The limit in bytes.
   * @param direction Whether the frame was being sent or received.
   */
  constructor(
    length: number,
    maxFrameLength: number,
    direction: FrameDirection,
  ) {
    super(
      `Cannot ${direction} frame: payload length ${length} exceeds maxFrameLength ${maxFrameLength}`,
    );
    this.name = "FrameTooLargeError";
    this.length = length;
    this.maxFrameLength = maxFrameLength;
    this.direction = direction;
  }
}

/**
 * The byte stream ended in the middle of a frame.
 *
 * `missingBytes` is exact once the header was complete; inside the header it
 * counts the missing header bytes only (the payload length is unknown).
 *
 * @example Finish a decoder mid-frame
 * ```ts
 * import { FrameDecoder, TruncatedFrameError } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const decoder = new FrameDecoder();
 * decoder.push(new Uint8Array([0, 0, 0, 0, 5, 104, 105])); // 2 of 5 payload bytes
 * assert.throws(() => decoder.finish(), (error) => {
 *   assert(error instanceof TruncatedFrameError);
 *   assert.equal(error.code, "FRAME_TRUNCATED");
 *   assert.equal(error.missingBytes, 3);
 *   return true;
 * });
 * ```
 */
export class TruncatedFrameError extends Error {
  /** Stable error code. */
  readonly code = "FRAME_TRUNCATED" as const;
  /** Bytes of the unfinished frame (header included) that did arrive. */
  readonly receivedBytes: number;
  /** Bytes that were still missing to complete the frame (or its header). */
  readonly missingBytes: number;
  /** Whether the stream ended inside the header (payload length unknown). */
  readonly inHeader: boolean;

  /**
   * Constructs a new instance.
   *
   * @param receivedBytes Bytes of the unfinished frame that arrived.
   * @param missingBytes Bytes still missing.
   * @param inHeader Whether the stream ended inside the header.
   */
  constructor(receivedBytes: number, missingBytes: number, inHeader: boolean) {
    super(
      inHeader
        ? `Cannot decode frame: stream ended inside a header, ${missingBytes} header bytes missing`
        : `Cannot decode frame: stream ended ${missingBytes} bytes short of a ${
          receivedBytes + missingBytes
        }-byte frame`,
    );
    this.name = "TruncatedFrameError";
    this.receivedBytes = receivedBytes;
    this.missingBytes = missingBytes;
    this.inHeader = inHeader;
  }
}

/**
 * A frame whose type is not in the decoder's `acceptTypes` list.
 *
 * Raised from the header alone; like every decode error it leaves the
 * decoder failed, because what follows cannot be trusted.
 *
 * @example Accept only Ping frames
 * ```ts
 * import { FrameDecoder, UnknownFrameTypeError } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const decoder = new FrameDecoder({ acceptTypes: [2] });
 * assert.throws(() => decoder.push(new Uint8Array([71, 69, 84, 32, 47])), (error) => {
 *   assert(error instanceof UnknownFrameTypeError);
 *   assert.equal(error.frameType, 71); // "G" of an HTTP "GET /"
 *   return true;
 * });
 * ```
 */
export class UnknownFrameTypeError extends RangeError {
  /** Stable error code. */
  readonly code = "FRAME_TYPE_UNKNOWN" as const;
  /** The type byte that was refused. */
  readonly frameType: number;

  /**
   * Constructs a new instance.
   *
   * @param frameType The type byte that was refused.
   */
  constructor(frameType: number) {
    super(`Cannot decode frame: type ${frameType} is not accepted`);
    this.name = "UnknownFrameTypeError";
    this.frameType = frameType;
  }
}
