// Copyright 2026 the framewire authors. MIT license.
/**
 * The receiving side of a blob transfer: the handle a
 * {@linkcode BlobChannel} gives for each incoming transfer, and its options.
 *
 * @module
 */
import type { TransferProgress } from "./outgoing_blob.ts";

/** Options for receiving a blob; see {@linkcode BlobChannel.prototype.expect}. */
export interface ReceiveBlobOptions {
  /**
   * When to tell the sender the transfer succeeded (BlobDone):
   * `"consumed"` as soon as the stream has been read to its verified end;
   * `"manual"` when you call {@linkcode IncomingBlob.confirm} (after you
   * stored the data, say).
   *
   * @default {"consumed"}
   */
  confirm?: "consumed" | "manual";
  /**
   * For a resumed transfer (BlobStart `offset` > 0): the bytes [0, offset)
   * you already have, hashed before the new chunks so the digest covers the
   * whole resource. Required when the offset is not 0.
   *
   * @default {undefined}
   */
  prefix?: Uint8Array | ReadableStream<Uint8Array>;
  /**
   * Most bytes of the resource accepted; beyond it the transfer is
   * cancelled with `BLOB_LIMIT_EXCEEDED`.
   *
   * @default {Infinity}
   */
  maxBytes?: number;
  /**
   * Called each time a chunk is handed to the consumer. Advisory: an
   * exception it throws is ignored.
   *
   * @default {undefined}
   */
  onProgress?: (progress: TransferProgress) => void;
  /**
   * Stops waiting for the transfer ({@linkcode BlobChannel.prototype.expect}
   * rejects with the signal's reason).
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** The outcome of a verified incoming transfer. */
export interface BlobReceiveResult {
  /** The transfer id. */
  readonly id: number;
  /** Total size of the resource in bytes. */
  readonly size: number;
  /** SHA-256 of the resource, lower-case hex; equal to the sender's. */
  readonly sha256: string;
}

/**
 * Counters of an incoming transfer. `peakBufferedChunks` never exceeds the
 * window: a sender that tries is cut off with `BLOB_WINDOW_EXCEEDED`, so
 * the receiver's memory is bounded by `window × chunkBytes` whatever the
 * size of the blob.
 */
export interface IncomingBlobStats {
  /** Data bytes received in chunks (not counting a resume prefix). */
  readonly bytesReceived: number;
  /** Chunks received. */
  readonly chunksReceived: number;
  /** Chunks received and not yet read by the consumer. */
  readonly bufferedChunks: number;
  /** Bytes of those chunks. */
  readonly bufferedBytes: number;
  /** Most chunks ever buffered at once. */
  readonly peakBufferedChunks: number;
  /** Most bytes ever buffered at once. */
  readonly peakBufferedBytes: number;
}

/**
 * An incoming transfer. Read it as a stream, or whole with
 * {@linkcode IncomingBlob.bytes}. The stream ends only after the size and
 * SHA-256 were verified; on a mismatch it errors with a
 * {@linkcode TransferError} (`BLOB_DIGEST_MISMATCH`, `BLOB_SIZE_MISMATCH`),
 * so never act on the data before the stream has ended.
 *
 * Each chunk is acknowledged when the consumer reads it: a slow consumer
 * slows the sender, and at most `window` chunks wait in memory.
 */
export interface IncomingBlob {
  /** The transfer id (in the sender's numbering). */
  readonly id: number;
  /** Total size of the resource, if the sender announced it. */
  readonly size: number | undefined;
  /** Bytes [0, offset) the receiver already had (resume); chunks start here. */
  readonly offset: number;
  /** The sender's application data from BlobStart. */
  readonly meta: Readonly<Record<string, unknown>>;
  /** Chunks the sender may have unacknowledged. */
  readonly window: number;
  /** Largest data bytes per chunk. */
  readonly chunkBytes: number;
  /**
   * The data from `offset` on. Closes after verification; errors with a
   * {@linkcode TransferError} if the transfer fails. Cancelling it cancels
   * the transfer.
   */
  readonly stream: ReadableStream<Uint8Array>;
  /**
   * Resolves once the whole stream was read and verified; rejects with a
   * {@linkcode TransferError} if the transfer fails.
   */
  readonly done: Promise<BlobReceiveResult>;
  /** Counters, including the buffering peaks. */
  readonly stats: IncomingBlobStats;
  /**
   * Reads the whole stream into one array (for small blobs).
   *
   * @returns The bytes from `offset` on, verified.
   * @throws {TransferError} If the transfer fails.
   */
  bytes(): Promise<Uint8Array>;
  /**
   * Stops the transfer: the sender gets a BlobCancel with `code`.
   * Does nothing once the transfer has settled and been confirmed.
   *
   * @param code Stable code for the sender.
   * @param message Why, for the sender.
   */
  cancel(code?: string, message?: string): void;
  /**
   * With `confirm: "manual"`: tells the sender the data was kept
   * (BlobDone). Call it after `done` resolved.
   *
   * @throws {TypeError} If the transfer is not verified yet.
   */
  confirm(): void;
}
