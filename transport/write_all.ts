// Copyright 2026 the framewire authors. MIT license.
/**
 * The writer loop.
 *
 * @module
 */
import { WriteZeroError } from "./errors.ts";

/**
 * Anything with a `write` that may accept fewer bytes than given, like
 * `Deno.Conn`.
 */
export interface Writer {
  /**
   * Writes some prefix of `bytes` and resolves to how many were written.
   *
   * @param bytes The bytes to write.
   * @returns The number of bytes written.
   */
  write(bytes: Uint8Array): Promise<number>;
}

/**
 * Writes every byte of `bytes`, looping on short writes. `Deno.Conn#write`
 * really does return short counts (a 64 MiB buffer leaves in about a dozen
 * writes on loopback), so one `write` call is never enough.
 *
 * @param writer Where to write.
 * @param bytes The bytes to write.
 * @returns Resolves once the last byte is accepted by the writer.
 * @throws {WriteZeroError} If a write returns 0, rather than spinning.
 * @throws {RangeError} If a write claims more bytes than it was given or a
 * count that is not an integer.
 *
 * @example Against a writer that takes one byte per call
 * ```ts
 * import { writeAll } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const received: number[] = [];
 * const oneByteAtATime = {
 *   write(bytes: Uint8Array) {
 *     received.push(bytes[0]);
 *     return Promise.resolve(1);
 *   },
 * };
 * await writeAll(oneByteAtATime, new Uint8Array([1, 2, 3]));
 * assert.deepEqual(received, [1, 2, 3]);
 * ```
 */
export async function writeAll(
  writer: Writer,
  bytes: Uint8Array,
): Promise<void> {
  const total = bytes.length;
  let written = 0;
  while (written < total) {
    const count = await writer.write(
      written === 0 ? bytes : bytes.subarray(written),
    );
    if (count === 0) throw new WriteZeroError(written, total);
    if (!Number.isInteger(count) || count < 0 || count > total - written) {
      throw new RangeError(
        `Cannot write: write() returned ${count} for ${total - written} bytes`,
      );
    }
    written += count;
  }
}
