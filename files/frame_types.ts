// Copyright 2026 the framewire authors. MIT license.
/**
 * The frame types of the blob and file protocols (6–15 of the range 6–19
 * reserved for them; 16–19 are kept free).
 *
 * @module
 */

/**
 * Frame types of the blob and file protocols. The payload of each is
 * specified in `docs/PROTOCOL.md`, section 14.
 *
 * | type | name       | direction           | payload                                          |
 * | ---- | ---------- | ------------------- | ------------------------------------------------ |
 * | 6    | BlobStart  | sender → receiver   | JSON `{id, size, offset, chunkBytes, window, meta}` |
 * | 7    | BlobChunk  | sender → receiver   | `id` u32, `offset` u64, then the data             |
 * | 8    | BlobEnd    | sender → receiver   | `id` u32, `size` u64, SHA-256 (32 bytes)          |
 * | 9    | BlobAck    | receiver → sender   | `id` u32, bytes consumed u64                      |
 * | 10   | BlobDone   | receiver → sender   | `id` u32: verified and kept                       |
 * | 11   | BlobAbort  | sender → receiver   | `id` u32, JSON `{code, message}`                  |
 * | 12   | BlobCancel | receiver → sender   | `id` u32, JSON `{code, message}`                  |
 * | 13   | FileGet    | client → server     | JSON `{id, path, offset?, window?, chunkBytes?}`  |
 * | 14   | FilePut    | client → server     | JSON `{id, path, size?, overwrite?}`              |
 * | 15   | FileReady  | server → client     | JSON `{id, window, chunkBytes}`                   |
 *
 * @example
 * ```ts
 * import { FilesFrameType } from "@framewire/framewire/files";
 * import assert from "node:assert/strict";
 *
 * assert.equal(FilesFrameType.BlobChunk, 7);
 * assert.equal(FilesFrameType.FileGet, 13);
 * ```
 */
export const FilesFrameType = {
  /** Opens a transfer: its id, size (if known), chunk size and window. */
  BlobStart: 6,
  /** A piece of a transfer's data at a byte offset. */
  BlobChunk: 7,
  /** Closes a transfer: total size and SHA-256 of the whole resource. */
  BlobEnd: 8,
  /** The receiver has consumed the data up to a byte offset; frees window. */
  BlobAck: 9,
  /** The receiver verified the size and digest and kept the data. */
  BlobDone: 10,
  /** The sender gives up on a transfer (source failed, aborted). */
  BlobAbort: 11,
  /** The receiver refuses or stops a transfer (or failed to verify it). */
  BlobCancel: 12,
  /** Asks the server for a file; answered by BlobStart or an Error frame. */
  FileGet: 13,
  /** Asks the server to accept an upload; answered by FileReady or Error. */
  FilePut: 14,
  /** The server accepts an upload and sets its window and chunk size. */
  FileReady: 15,
} as const;

/** The name of a blob or file frame type, such as `"BlobChunk"`. */
export type FilesFrameTypeName = keyof typeof FilesFrameType;
