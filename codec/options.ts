// Copyright 2026 the framewire authors. MIT license.
/**
 * Codec options: how wide the length field is, its byte order, whether a type
 * byte leads the frame, and the largest payload accepted.
 *
 * @module
 */
import { describe } from "../internal/describe.ts";
import { booleanOption } from "../internal/options.ts";

/** Width of the length field in bytes. */
export type LengthFieldBytes = 1 | 2 | 4 | 8;

/**
 * How frames are laid out on the wire. Every option has a default, so `{}`
 * is the standard framewire format: `[type u8][length u32 big-endian][payload]`.
 */
export interface FrameCodecOptions {
  /**
   * Width of the length field in bytes.
   *
   * @default {4}
   */
  lengthFieldBytes?: LengthFieldBytes;
  /**
   * Whether the length field is little-endian. `true` matches what a C or C++
   * program on x86 produces with `*(uint32_t*)(buf + 1) = n`; see
   * {@linkcode X86_LITTLE_ENDIAN_PROFILE}.
   *
   * @default {false}
   */
  littleEndian?: boolean;
  /**
   * Whether a one-byte frame type precedes the length field.
   *
   * @default {true}
   */
  typeByte?: boolean;
  /**
   * Largest payload accepted, in bytes. A longer frame is refused from its
   * header alone. It can be raised up to the length field's limit (for example
   * 4 GiB − 1 with a 4-byte field).
   *
   * @default {16777216} (16 MiB), or the field's limit when that is smaller
   */
  maxFrameLength?: number;
}

/**
 * Codec options with every default filled in and validated, plus the header
 * length they imply. Produced by {@linkcode resolveFrameCodecOptions}.
 */
export interface ResolvedFrameCodecOptions {
  /** Width of the length field in bytes. */
  readonly lengthFieldBytes: LengthFieldBytes;
  /** Whether the length field is little-endian. */
  readonly littleEndian: boolean;
  /** Whether a type byte precedes the length field. */
  readonly typeByte: boolean;
  /** Largest payload accepted, in bytes. */
  readonly maxFrameLength: number;
  /** Bytes before the payload: type byte (if any) plus length field. */
  readonly headerLength: number;
}

/**
 * Default `maxFrameLength`: 16 MiB.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_FRAME_LENGTH } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DEFAULT_MAX_FRAME_LENGTH, 16 * 1024 * 1024);
 * ```
 */
export const DEFAULT_MAX_FRAME_LENGTH = 16 * 1024 * 1024;

/**
 * Compatibility profile for C and C++ peers on x86 that write the header as a
 * type byte followed by a native `uint32_t`:
 *
 * ```text
 * +--------+-----------------------------+----------------+
 * | type   | length: u32, little-endian  | payload        |
 * | 1 byte | 4 bytes, payload bytes only | length bytes   |
 * +--------+-----------------------------+----------------+
 *  02       05 00 00 00                   68 65 6c 6c 6f      Ping "hello"
 * ```
 *
 * @example Decode what a C program wrote
 * ```ts
 * import { FrameDecoder, X86_LITTLE_ENDIAN_PROFILE } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const decoder = new FrameDecoder(X86_LITTLE_ENDIAN_PROFILE);
 * const [frame] = decoder.push(new Uint8Array([2, 5, 0, 0, 0, 104, 101, 108, 108, 111]));
 * assert.equal(frame.type, 2);
 * assert.equal(new TextDecoder().decode(frame.payload), "hello");
 * ```
 */
export const X86_LITTLE_ENDIAN_PROFILE: Readonly<FrameCodecOptions> = Object
  .freeze({
    lengthFieldBytes: 4,
    littleEndian: true,
    typeByte: true,
  });

/**
 * The largest length a field of the given width can carry. For 8-byte fields
 * this is `Number.MAX_SAFE_INTEGER`, the largest length JavaScript represents
 * exactly.
 *
 * @param lengthFieldBytes Width of the length field.
 * @returns The largest encodable payload length in bytes.
 *
 * @example
 * ```ts
 * import { maxLengthForField } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * assert.equal(maxLengthForField(2), 65535);
 * assert.equal(maxLengthForField(4), 2 ** 32 - 1);
 * ```
 */
export function maxLengthForField(lengthFieldBytes: LengthFieldBytes): number {
  switch (lengthFieldBytes) {
    case 1:
      return 0xff;
    case 2:
      return 0xffff;
    case 4:
      return 0xffff_ffff;
    case 8:
      return Number.MAX_SAFE_INTEGER;
  }
  throw invalidWidth(lengthFieldBytes);
}

function invalidWidth(value: unknown): TypeError {
  return new TypeError(
    `Cannot use lengthFieldBytes ${describe(value)}: expected 1, 2, 4 or 8`,
  );
}

/**
 * Fills in defaults and validates codec options. Resolving once up front and
 * passing the result around skips the checks on hot paths.
 *
 * @param options Options to resolve; a resolved object is returned as is.
 * @returns Frozen options with defaults applied.
 * @throws {TypeError} If an option has the wrong type or `lengthFieldBytes`
 * is not 1, 2, 4 or 8.
 * @throws {RangeError} If `maxFrameLength` is not an integer from 0 to the
 * length field's limit.
 *
 * @example Defaults and validation
 * ```ts
 * import { resolveFrameCodecOptions } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const options = resolveFrameCodecOptions({ lengthFieldBytes: 2 });
 * assert.equal(options.maxFrameLength, 65535);
 * assert.equal(options.headerLength, 3);
 * assert.throws(() => resolveFrameCodecOptions({ lengthFieldBytes: 2, maxFrameLength: 70000 }), RangeError);
 * ```
 */
export function resolveFrameCodecOptions(
  options: FrameCodecOptions | ResolvedFrameCodecOptions = {},
): ResolvedFrameCodecOptions {
  if (RESOLVED.has(options)) return options as ResolvedFrameCodecOptions;
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot resolve codec options: expected an object, got ${
        describe(options)
      }`,
    );
  }
  const lengthFieldBytes = options.lengthFieldBytes ?? 4;
  if (![1, 2, 4, 8].includes(lengthFieldBytes)) {
    throw invalidWidth(lengthFieldBytes);
  }
  const littleEndian = booleanOption(
    "littleEndian",
    options.littleEndian,
    false,
  );
  const typeByte = booleanOption("typeByte", options.typeByte, true);
  const fieldLimit = maxLengthForField(lengthFieldBytes);
  const maxFrameLength = options.maxFrameLength ??
    Math.min(DEFAULT_MAX_FRAME_LENGTH, fieldLimit);
  if (typeof maxFrameLength !== "number") {
    throw new TypeError(
      `Cannot use maxFrameLength ${
        describe(maxFrameLength)
      }: expected a number`,
    );
  }
  if (
    !Number.isInteger(maxFrameLength) || maxFrameLength < 0 ||
    maxFrameLength > fieldLimit
  ) {
    throw new RangeError(
      `Cannot use maxFrameLength ${
        describe(maxFrameLength)
      }: expected an integer from 0 to ${fieldLimit} for a ${lengthFieldBytes}-byte length field`,
    );
  }
  const resolved: ResolvedFrameCodecOptions = Object.freeze({
    lengthFieldBytes,
    littleEndian,
    typeByte,
    maxFrameLength,
    headerLength: (typeByte ? 1 : 0) + lengthFieldBytes,
  });
  RESOLVED.add(resolved);
  return resolved;
}

const RESOLVED = new WeakSet<object>();
