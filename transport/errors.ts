// Copyright 2026 the framewire authors. MIT license.
/**
 * Errors raised by the transport layer, each with a stable `code`.
 *
 * @module
 */

/**
 * A `write()` reported 0 bytes written. Looping on it would spin forever, so
 * {@linkcode writeAll} gives up; the connection should be closed.
 *
 * @example
 * ```ts
 * import { writeAll, WriteZeroError } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const stuck = { write: () => Promise.resolve(0) };
 * await assert.rejects(writeAll(stuck, new Uint8Array(3)), (error) => {
 *   assert(error instanceof WriteZeroError);
 *   assert.equal(error.writtenBytes, 0);
 *   assert.equal(error.totalBytes, 3);
 *   return true;
 * });
 * ```
 */
export class WriteZeroError extends Error {
  /** Stable error code. */
  readonly code = "WRITE_ZERO" as const;
  /** Bytes written before the zero-byte write. */
  readonly writtenBytes: number;
  /** Bytes that were to be written. */
  readonly totalBytes: number;

  /**
   * Constructs a new instance.
   *
   * @param writtenBytes Bytes written before the zero-byte write.
   * @param totalBytes Bytes that were to be written.
   */
  constructor(writtenBytes: number, totalBytes: number) {
    super(
      `Cannot write: write() returned 0 after ${writtenBytes} of ${totalBytes} bytes`,
    );
    this.name = "WriteZeroError";
    this.writtenBytes = writtenBytes;
    this.totalBytes = totalBytes;
  }
}

/**
 * The connection was closed before a send could complete. Frames queued
 * behind it were not written.
 *
 * @example
 * ```ts
 * import { ConnectionClosedError } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const error = new ConnectionClosedError("send");
 * assert.equal(error.code, "CONNECTION_CLOSED");
 * ```
 */
export class ConnectionClosedError extends Error {
  /** Stable error code. */
  readonly code = "CONNECTION_CLOSED" as const;

  /**
   * Constructs a new instance.
   *
   * @param action What could not be done, such as `"send"`.
   * @param options Standard error options, such as the `cause`.
   */
  constructor(action: string, options?: ErrorOptions) {
    super(`Cannot ${action}: the connection is closed`, options);
    this.name = "ConnectionClosedError";
  }
}
