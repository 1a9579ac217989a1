// Copyright 2026 the framewire authors. MIT license.
/**
 * Errors of the blob and file protocols: one class with a stable `code`.
 *
 * @module
 */

/**
 * The codes of the blob and file protocols. They travel in BlobAbort and
 * BlobCancel frames (per transfer, the connection stays open) and in Error
 * frames answering FileGet and FilePut (the connection stays open too).
 *
 * @example
 * ```ts
 * import { TransferErrorCode } from "@framewire/framewire/files";
 * import assert from "node:assert/strict";
 *
 * assert.equal(TransferErrorCode.PathForbidden, "PATH_FORBIDDEN");
 * ```
 */
export const TransferErrorCode = {
  /** The received bytes do not have the SHA-256 the sender announced. */
  DigestMismatch: "BLOB_DIGEST_MISMATCH",
  /** More or fewer bytes than announced. */
  SizeMismatch: "BLOB_SIZE_MISMATCH",
  /** A chunk's offset is not where the previous one ended. */
  OffsetMismatch: "BLOB_OFFSET_MISMATCH",
  /** The sender had more chunks unacknowledged than the window allows. */
  WindowExceeded: "BLOB_WINDOW_EXCEEDED",
  /** A chunk is larger than the announced chunk size. */
  ChunkTooLarge: "BLOB_CHUNK_TOO_LARGE",
  /** The announced window or chunk size is above the receiver's limits. */
  LimitExceeded: "BLOB_LIMIT_EXCEEDED",
  /** A transfer id is already in use in that direction. */
  IdInUse: "BLOB_ID_IN_USE",
  /** A chunk or end frame names a transfer the receiver never saw. */
  UnknownId: "BLOB_UNKNOWN_ID",
  /** A blob frame's payload does not follow the layout. */
  Malformed: "BLOB_MALFORMED",
  /** The receiver does not take unsolicited transfers. */
  Refused: "BLOB_REFUSED",
  /** The receiver stopped the transfer. */
  Cancelled: "BLOB_CANCELLED",
  /** The sender stopped the transfer. */
  Aborted: "BLOB_ABORTED",
  /** The connection ended before the transfer finished. */
  ConnectionLost: "CONNECTION_LOST",
  /** Too many transfers on one connection. */
  TooManyTransfers: "TOO_MANY_TRANSFERS",
  /**
   * The peer started transfers faster than it read their answers or ended
   * the ones refused: a protocol error, the connection is closed.
   */
  BacklogExceeded: "BLOB_BACKLOG_EXCEEDED",
  /** The path escapes the served directory, or is not a plain relative path. */
  PathForbidden: "PATH_FORBIDDEN",
  /** No such file. */
  FileNotFound: "FILE_NOT_FOUND",
  /** The path names a directory, device, FIFO or socket. */
  NotRegularFile: "FILE_NOT_REGULAR",
  /** The server process may not read (or write) the file. */
  PermissionDenied: "FILE_PERMISSION_DENIED",
  /** An upload would replace a file and `overwrite` was not set. */
  FileExists: "FILE_EXISTS",
  /** A resume offset beyond the end of the file. */
  OffsetOutOfRange: "FILE_OFFSET_OUT_OF_RANGE",
  /** An upload larger than the server accepts. */
  FileTooLarge: "FILE_TOO_LARGE",
  /** The file changed size while it was being sent. */
  FileChanged: "FILE_CHANGED",
  /** Reading the file failed midway. */
  ReadFailed: "FILE_READ_FAILED",
  /** Writing or renaming the upload failed. */
  WriteFailed: "FILE_WRITE_FAILED",
  /** The server serves no directory for downloads. */
  DownloadsDisabled: "DOWNLOADS_DISABLED",
  /** The server has no upload directory. */
  UploadsDisabled: "UPLOADS_DISABLED",
  /** A FileGet or FilePut payload is not the expected JSON. */
  BadRequest: "BAD_REQUEST",
  /**
   * A FileGet or FilePut payload is not valid UTF-8, or its path holds a
   * lone surrogate (such as the JSON escape `"\ud800"`): the server would
   * open another file than the one named, so it refuses.
   */
  InvalidText: "INVALID_TEXT",
} as const;

/** One of the {@linkcode TransferErrorCode} values, or a peer's own code. */
export type TransferErrorCodeValue =
  | typeof TransferErrorCode[keyof typeof TransferErrorCode]
  | (string & Record<never, never>);

/** Options for {@linkcode TransferError}. */
export interface TransferErrorOptions extends ErrorOptions {
  /**
   * The transfer concerned.
   *
   * @default {undefined} (not tied to one transfer)
   */
  transferId?: number;
  /**
   * Whether the peer reported the error (in a BlobAbort, BlobCancel or
   * Error frame) rather than this side detecting it.
   *
   * @default {false}
   */
  remote?: boolean;
}

/**
 * A blob transfer or file request failed. `code` is one of
 * {@linkcode TransferErrorCode} (or a code the peer sent); `remote` tells
 * whether the peer reported it. The connection stays usable unless `code`
 * is `CONNECTION_LOST`.
 *
 * @example
 * ```ts
 * import { TransferError } from "@framewire/framewire/files";
 * import assert from "node:assert/strict";
 *
 * const error = new TransferError("BLOB_DIGEST_MISMATCH", "Cannot verify blob 3: SHA-256 differs", {
 *   transferId: 3,
 * });
 * assert.equal(error.code, "BLOB_DIGEST_MISMATCH");
 * assert.equal(error.transferId, 3);
 * assert.equal(error.remote, false);
 * ```
 */
export class TransferError extends Error {
  /** Stable error code. */
  readonly code: TransferErrorCodeValue;
  /** The transfer concerned, if any. */
  readonly transferId: number | undefined;
  /** Whether the peer reported the error. */
  readonly remote: boolean;

  /**
   * Constructs a new instance.
   *
   * @param code Stable code; see {@linkcode TransferErrorCode}.
   * @param message Human-readable explanation.
   * @param options The transfer, whether the peer reported it, the cause.
   */
  constructor(
    code: TransferErrorCodeValue,
    message: string,
    options: TransferErrorOptions = {},
  ) {
    super(message, options);
    this.name = "TransferError";
    this.code = code;
    this.transferId = options.transferId;
    this.remote = options.remote ?? false;
  }
}
