// Copyright 2026 the framewire authors. MIT license.
/**
 * The sending side of a blob transfer: what you can send, the options, and
 * the handle {@linkcode BlobChannel.prototype.send} returns.
 *
 * @module
 */

/**
 * Something that fills a buffer with the next bytes, such as a
 * `Deno.FsFile`. Resolves to the count written into `buffer`, or `null` at
 * the end.
 */
export interface BlobReader {
  /**
   * Reads the next bytes into `buffer`.
   *
   * @param buffer Where to put them.
   * @returns How many bytes were read, or `null` at the end.
   */
  read(buffer: Uint8Array): Promise<number | null>;
}

/**
 * What a blob can be sent from: bytes in memory, a stream of unknown length
 * ("endless memory"), or a reader such as an open file. Stream pieces are
 * sent as they come (split to at most `chunkBytes`), never held back to fill
 * a chunk, so a live source is not delayed; readers and byte arrays fill
 * whole chunks.
 */
export type BlobSource = Uint8Array | ReadableStream<Uint8Array> | BlobReader;

/** Progress of one transfer, reported to `onProgress` callbacks. */
export interface TransferProgress {
  /** The transfer id. */
  readonly id: number;
  /**
   * Bytes of the resource done: acknowledged by the receiver (sending side)
   * or handed to the consumer (receiving side). Counts from 0, so a resumed
   * transfer starts at its offset.
   */
  readonly bytesDone: number;
  /** Total size of the resource, if known. */
  readonly bytesTotal: number | undefined;
}

/**
 * Default chunk size in bytes: large enough that per-frame costs vanish
 * (5 + 12 header bytes per 256 KiB), small enough for the server's 1 MiB
 * frame limit and for a window of chunks to stay a few MiB.
 *
 * @example
 * ```ts
 * import { DEFAULT_BLOB_CHUNK_BYTES } from "@framewire/framewire/files";
 * import assert from "node:assert/strict";
 *
 * // A 586,403-byte picture takes three chunks.
 * assert.equal(Math.ceil(586_403 / DEFAULT_BLOB_CHUNK_BYTES), 3);
 * ```
 */
export const DEFAULT_BLOB_CHUNK_BYTES = 256 * 1024;

/**
 * Default window: chunks the sender may have unacknowledged. With W = 1
 * the sender idles for a round trip after every chunk (and the two ends
 * hash one after the other); 8 chunks keep the connection busy while
 * bounding what the receiver buffers to 2 MiB at the default chunk size.
 * Measured in `benches/files_bench.ts`: about 1.2 GiB/s against 0.6 at W = 1
 * on loopback.
 *
 * @example
 * ```ts
 * import { DEFAULT_BLOB_CHUNK_BYTES, DEFAULT_BLOB_WINDOW } from "@framewire/framewire/files";
 * import assert from "node:assert/strict";
 *
 * // The most a receiver buffers per transfer, by default.
 * assert.equal(DEFAULT_BLOB_WINDOW * DEFAULT_BLOB_CHUNK_BYTES, 2 * 1024 * 1024);
 * ```
 */
export const DEFAULT_BLOB_WINDOW = 8;

/** Options for {@linkcode BlobChannel.prototype.send}. */
export interface BlobSendOptions {
  /**
   * The transfer id, unique among this side's running outgoing transfers.
   *
   * @default {the next free id}
   */
  id?: number;
  /**
   * Largest data bytes per chunk frame. The frame is 12 bytes longer, and
   * must fit the receiver's `maxFrameLength`.
   *
   * @default {262144} (256 KiB)
   */
  chunkBytes?: number;
  /**
   * Most chunks sent and not yet acknowledged. 1 is the classic "one
   * confirmation per chunk"; the receiver never buffers more than this.
   *
   * @default {8}
   */
  window?: number;
  /**
   * Total size in bytes, announced in BlobStart for progress bars and
   * checked at the end. Known for byte arrays; for streams and readers
   * give it if you know it.
   *
   * @default {the array's length, else unknown}
   */
  size?: number;
  /**
   * Resume: the receiver already has bytes [0, offset). The source still
   * starts at byte 0: those bytes are hashed (the digest covers the whole
   * resource) but not sent.
   *
   * @default {0}
   */
  offset?: number;
  /**
   * Application data for the receiver, sent as JSON in BlobStart (a name,
   * a MIME type, image dimensions).
   *
   * @default {{}}
   */
  meta?: Record<string, unknown>;
  /**
   * Called after each acknowledgement. Advisory: an exception it throws
   * is ignored.
   *
   * @default {undefined}
   */
  onProgress?: (progress: TransferProgress) => void;
  /**
   * Aborts the transfer (BlobAbort with `BLOB_ABORTED`).
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** The outcome of a transfer the receiver confirmed. */
export interface BlobSendResult {
  /** The transfer id. */
  readonly id: number;
  /** Total size of the resource in bytes. */
  readonly size: number;
  /** SHA-256 of the resource, lower-case hex. */
  readonly sha256: string;
}

/**
 * A running outgoing transfer, returned at once by
 * {@linkcode BlobChannel.prototype.send}: nothing blocks the caller.
 */
export interface OutgoingBlob {
  /** The transfer id. */
  readonly id: number;
  /**
   * Resolves once the receiver has verified the size and digest and kept
   * the data (BlobDone); rejects with {@linkcode TransferError} otherwise.
   */
  readonly done: Promise<BlobSendResult>;
  /**
   * Resolves once the BlobStart frame is written (or the transfer failed
   * before). A server handler that answers a request with a transfer awaits
   * it, so that the BlobStart takes the request's place in the reply order.
   */
  readonly started: Promise<void>;
  /** Bytes of the resource sent so far (from byte 0, like the offsets). */
  readonly bytesSent: number;
  /** Bytes of the resource the receiver acknowledged. */
  readonly bytesAcked: number;
  /**
   * Stops the transfer: the receiver gets a BlobAbort, `done` rejects with
   * `BLOB_ABORTED`. Does nothing once the transfer has settled.
   *
   * @param message Why, for the receiver.
   */
  abort(message?: string): void;
}
