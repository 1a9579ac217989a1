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

/**
 * A send was refused because the connection's outbound queue already holds
 * `maxQueuedBytes`: the peer is not reading as fast as frames are produced.
 * Nothing of the refused frames was queued; the connection stays open (a
 * framewire server closes it, see its slow-reader policy).
 *
 * @example
 * ```ts
 * import { SendQueueFullError } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const error = new SendQueueFullError(1_000_000, 70_000, 1_048_576);
 * assert.equal(error.code, "SEND_QUEUE_FULL");
 * assert.equal(error.maxQueuedBytes, 1_048_576);
 * ```
 */
export class SendQueueFullError extends RangeError {
  /** Stable error code. */
  readonly code = "SEND_QUEUE_FULL" as const;
  /** Bytes already queued when the send was refused. */
  readonly queuedBytes: number;
  /** Bytes the refused send would have added. */
  readonly frameBytes: number;
  /** The limit, in bytes. */
  readonly maxQueuedBytes: number;

  /**
   * Constructs a new instance.
   *
   * @param queuedBytes Bytes already queued.
   * @param frameBytes Bytes the refused send would have added.
   * @param maxQueuedBytes The limit in bytes.
   */
  constructor(queuedBytes: number, frameBytes: number, maxQueuedBytes: number) {
    super(
      `Cannot send: ${queuedBytes} bytes already queued, ${frameBytes} more would exceed maxQueuedBytes ${maxQueuedBytes}`,
    );
    this.name = "SendQueueFullError";
    this.queuedBytes = queuedBytes;
    this.frameBytes = frameBytes;
    this.maxQueuedBytes = maxQueuedBytes;
  }
}

/**
 * No reply arrived within `timeoutMs`. The connection stays usable: the late
 * reply, if it comes, is dropped.
 *
 * @example
 * ```ts
 * import { RequestTimeoutError } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const error = new RequestTimeoutError(250);
 * assert.equal(error.code, "REQUEST_TIMEOUT");
 * assert.equal(error.timeoutMs, 250);
 * ```
 */
export class RequestTimeoutError extends Error {
  /** Stable error code. */
  readonly code = "REQUEST_TIMEOUT" as const;
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * Constructs a new instance.
   *
   * @param timeoutMs The timeout that expired, in milliseconds.
   */
  constructor(timeoutMs: number) {
    super(`Cannot get a reply: no reply within ${timeoutMs} ms`);
    this.name = "RequestTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}
