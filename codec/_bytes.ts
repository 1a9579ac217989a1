// Copyright 2026 the framewire authors. MIT license.

// Below this many bytes a plain loop beats TypedArray#set, whose call
// overhead dominates for the 16-byte payloads of chatty protocols.
const SET_THRESHOLD = 32;

/** Copies `source` into `target` at `offset`; returns the offset after it. */
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
