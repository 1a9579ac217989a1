// Copyright 2026 the framewire authors. MIT license.

// Below this many bytes a plain loop beats TypedArray#set, whose call
// overhead dominates for the 16-byte payloads of chatty protocols.
const SET_THRESHOLD = 32;

/**
 * Copies `source` into `target` at `offset`; returns the offset after it.
 * Shared by the codec's encoders and the transport's send queue.
 *
 * @example
 * ```ts
 * import { copyBytes } from "./bytes.ts";
 * import assert from "node:assert/strict";
 *
 * const target = new Uint8Array(6);
 * assert.equal(copyBytes(target, 2, new Uint8Array([7, 8])), 4);
 * assert.deepEqual([...target], [0, 0, 7, 8, 0, 0]);
 * ```
 */
export function copyBytes(
  target: Uint8Array,
  offset: number,
  source: Uint8Array,
): number {
  const length = source.length;
  if (length < SET_THRESHOLD) {
    for (let i = 0; i < length; i++) target[offset + i] = source[i];
  } else {
    target.set(source, offset);
  }
  return offset + length;
}
