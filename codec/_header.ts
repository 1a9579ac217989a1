// Copyright 2026 the framewire authors. MIT license.
// Header bytes by hand: DataView calls cost more than these shifts on the
// per-frame hot path, and they also cover the 1-byte and 8-byte widths.
import type { ResolvedFrameCodecOptions } from "./options.ts";

const TWO_POW_32 = 0x1_0000_0000;

/** Writes a header at `offset` and returns the offset just past it. */
export function writeHeader(
  target: Uint8Array,
  offset: number,
  type: number,
  length: number,
  options: ResolvedFrameCodecOptions,
): number {
  if (options.typeByte) target[offset++] = type;
  const width = options.lengthFieldBytes;
  if (width === 4) {
    if (options.littleEndian) {
      target[offset] = length;
      target[offset + 1] = length >>> 8;
      target[offset + 2] = length >>> 16;
      target[offset + 3] = length >>> 24;
    } else {
      target[offset] = length >>> 24;
      target[offset + 1] = length >>> 16;
      target[offset + 2] = length >>> 8;
      target[offset + 3] = length;
    }
    return offset + 4;
  }
  if (width === 1) {
    target[offset] = length;
    return offset + 1;
  }
  if (width === 2) {
    target[offset + (options.littleEndian ? 0 : 1)] = length;
    target[offset + (options.littleEndian ? 1 : 0)] = length >>> 8;
    return offset + 2;
  }
  // 8 bytes: JavaScript bit operators stop at 32 bits, so split the number.
  const high = Math.floor(length / TWO_POW_32);
  const low = length >>> 0;
  const first = options.littleEndian ? low : high;
  const second = options.littleEndian ? high : low;
  writeU32(target, offset, first, options.littleEndian);
  writeU32(target, offset + 4, second, options.littleEndian);
  return offset + 8;
}

function writeU32(
  target: Uint8Array,
  offset: number,
  value: number,
  littleEndian: boolean,
): void {
  for (let i = 0; i < 4; i++) {
    const shift = littleEndian ? 8 * i : 24 - 8 * i;
    target[offset + i] = value >>> shift;
  }
}

/**
 * Reads the length field that starts at `offset`. An 8-byte value above
 * `Number.MAX_SAFE_INTEGER` comes back rounded, which is still above every
 * permitted `maxFrameLength`.
 */
export function readLength(
  source: Uint8Array,
  offset: number,
  options: ResolvedFrameCodecOptions,
): number {
  const width = options.lengthFieldBytes;
  if (width === 4) {
    if (options.littleEndian) {
      return (source[offset] | (source[offset + 1] << 8) |
        (source[offset + 2] << 16) | (source[offset + 3] << 24)) >>> 0;
    }
    return ((source[offset] << 24) | (source[offset + 1] << 16) |
      (source[offset + 2] << 8) | source[offset + 3]) >>> 0;
  }
  if (width === 1) return source[offset];
  if (width === 2) {
    return options.littleEndian
      ? source[offset] | (source[offset + 1] << 8)
      : (source[offset] << 8) | source[offset + 1];
  }
  const first = readU32(source, offset, options.littleEndian);
  const second = readU32(source, offset + 4, options.littleEndian);
  return options.littleEndian
    ? second * TWO_POW_32 + first
    : first * TWO_POW_32 + second;
}

function readU32(
  source: Uint8Array,
  offset: number,
  littleEndian: boolean,
): number {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const shift = littleEndian ? 8 * i : 24 - 8 * i;
    value |= source[offset + i] << shift;
  }
  return value >>> 0;
}
