// Copyright 2026 the framewire authors. MIT license.
/**
 * Files and blobs over framewire: move byte arrays, endless streams and
 * files over one connection as acknowledged, checksummed chunks.
 *
 * - {@linkcode BlobChannel}: blob transfers over any framed connection,
 *   many at once, each with a window of unacknowledged chunks and a SHA-256
 *   checked by the receiver.
 * - {@linkcode FileServer}: the server protocol that serves a directory
 *   (downloads, with resume) and takes uploads into another, refusing any
 *   path that leaves them.
 * - {@linkcode FileClient}: downloads into a temporary file renamed into
 *   place only once verified; uploads.
 *
 * Frame types 6–15 and the error codes are specified in
 * `docs/PROTOCOL.md`, section 14.
 *
 * @module
 */
export * from "./errors.ts";
export * from "./frame_types.ts";
export * from "./outgoing_blob.ts";
export * from "./incoming_blob.ts";
export * from "./blob_channel.ts";
export * from "./file_server.ts";
export * from "./file_client.ts";
