// Copyright 2026 the framewire authors. MIT license.
/**
 * Writing a frame header alone, for code that places the payload itself:
 * a transport that coalesces frames into its own batch buffer, or that
 * writes a large payload from where it lies instead of copying it.
 *
 * @module
 */
import { describe } from "../internal/describe.ts";
import { checkFrameType, checkPayloadLength } from "./_frame_checks.ts";
import { readLength, writeHeader } from "./_header.ts";
import type { ResolvedFrameCodecOptions } from "./options.ts";

/**
 * Writes the header of a frame (type byte, if any, and length field) into
 * `target` at `offset`. The payload is not written: put its
 * `payloadLength` bytes right after the returned offset.
 *
 * Nothing is allocated, so it suits per-frame hot paths; it takes resolved
 * options only (see {@linkcode resolveFrameCodecOptions}) for the same
 * reason.
 *
 * @param target Buffer to write into.
 * @param offset Where the header starts.
 * @param type The frame type, 0 to 255 (0 when `typeByte` is `false`).
 * @param payloadLength The payload length the header announces.
 * @param options Resolved codec options; `maxFrameLength` is the limit.
 * @returns The offset just past the header, where the payload starts.
 * @throws {RangeError} If the type is not an integer from 0 to 255, the
 * length is not a non-negative integer, or the header does not fit in
 * `target` from `offset`; nothing is written.
 * @throws {TypeError} If a non-zero type is given with `typeByte: false`.
 * @throws {FrameTooLargeError} If `payloadLength` exceeds `maxFrameLength`.
 *
 * @example Header into your own buffer, payload after it
 * ```ts
 * import { encodeFrameHeader, resolveFrameCodecOptions } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const options = resolveFrameCodecOptions();
 * const payload = new Uint8Array([0x68, 0x69]);
 * const buffer = new Uint8Array(16);
 * const start = encodeFrameHeader(buffer, 0, 0, payload.length, options);
 * buffer.set(payload, start);
 * assert.equal(start, 5);
 * assert.deepEqual(
 *   buffer.subarray(0, start + payload.length),
 *   new Uint8Array([0, 0, 0, 0, 2, 0x68, 0x69]),
 * );
 * ```
 */
export function encodeFrameHeader(
  target: Uint8Array,
  offset: number,
  type: number,
  payloadLength: number,
  options: ResolvedFrameCodecOptions,
): number {
  checkFrameType(type, options);
  if (!Number.isInteger(payloadLength) || payloadLength < 0) {
    throw new RangeError(
      `Cannot encode frame header: payload length ${
        describe(payloadLength)
      } is not a non-negative integer`,
    );
  }
  checkPayloadLength(payloadLength, options);
  if (
    !Number.isInteger(offset) || offset < 0 ||
    offset + options.headerLength > target.length
  ) {
    throw new RangeError(
      `Cannot encode frame header: ${options.headerLength} bytes at offset ${offset} do not fit in a ${target.length}-byte buffer`,
    );
  }
  return writeHeader(target, offset, type, payloadLength, options);
}

/**
 * Reads the payload length a frame header declares, without checking it
 * against `maxFrameLength` (the caller decides what a large one means). For
 * code that must know where a frame ends before decoding it: a transport
 * that carries one frame per message (WebSocket) checks each message
 * against it.
 *
 * @param source Bytes holding a header at `offset`.
 * @param offset Where the header starts.
 * @param options Resolved codec options: header layout.
 * @returns The declared payload length, or `undefined` if `source` ends
 * before the header does.
 *
 * @example The length of a Chat frame "hi"
 * ```ts
 * import { readFramePayloadLength, resolveFrameCodecOptions } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const options = resolveFrameCodecOptions();
 * assert.equal(readFramePayloadLength(new Uint8Array([0, 0, 0, 0, 2, 104, 105]), 0, options), 2);
 * assert.equal(readFramePayloadLength(new Uint8Array([0, 0, 0]), 0, options), undefined);
 * ```
 */
export function readFramePayloadLength(
  source: Uint8Array,
  offset: number,
  options: ResolvedFrameCodecOptions,
): number | undefined {
  if (offset + options.headerLength > source.length) return undefined;
  return readLength(
    source,
    offset + (options.typeByte ? 1 : 0),
    options,
  );
}
