// Copyright 2026 the framewire authors. MIT license.
// FileServer's options, resolved once in its constructor, and the chunk
// sizes it derives from the server's frame limits in onServe: a chunk frame
// is its data plus a 12-byte header, and it must fit the limit of the side
// that receives it (the client's downloads: the server's
// maxSendFrameLength; uploads: the server's maxFrameLength).
import type { ServerLimits } from "../transport/frame_router.ts";
import { type Logger, resolveLogger } from "../transport/log.ts";
import {
  numberOption,
  optionalNumberOption,
  optionsObject,
  stringOption,
} from "../internal/options.ts";
import {
  DEFAULT_BLOB_CHUNK_BYTES,
  DEFAULT_BLOB_WINDOW,
} from "./outgoing_blob.ts";
import { CHUNK_HEADER_BYTES, MAX_CHUNK_BYTES, MAX_WINDOW } from "./_wire.ts";

/**
 * The options as given: FileServerOptions, read without importing it (that
 * module imports this one).
 */
export type FileServerOptionsInput = {
  readonly [
    K in
      | "root"
      | "uploadDir"
      | "chunkBytes"
      | "maxChunkBytes"
      | "window"
      | "maxWindow"
      | "maxTransfersPerConnection"
      | "maxUploadBytes"
      | "logger"
  ]?: unknown;
};

/** Largest download chunk a client may ask for, by default. */
export const DEFAULT_MAX_CHUNK_BYTES = 1024 * 1024 - CHUNK_HEADER_BYTES;
const DEFAULT_MAX_WINDOW = 64;
const DEFAULT_MAX_TRANSFERS = 16;

/** FileServer's options, checked, with their defaults. */
export interface ResolvedFileServerOptions {
  readonly root: string | undefined;
  readonly uploadRoot: string | undefined;
  /** As the user set it; `undefined` lets onServe fit it to the limits. */
  readonly chunkBytes: number | undefined;
  /** As the user set it; `undefined` lets onServe fit it to the limits. */
  readonly maxChunkBytes: number | undefined;
  readonly window: number;
  readonly maxWindow: number;
  readonly maxTransfers: number;
  readonly maxUploadBytes: number;
  readonly log: Logger;
}

/** The chunk sizes a FileServer uses, once the frame limits are known. */
export interface ChunkSizes {
  /** Downloads whose client asks for no chunk size. */
  readonly download: number;
  /** Largest download chunk a client may ask for. */
  readonly maxDownload: number;
  /** Uploads (announced in FileReady) and the incoming chunk limit. */
  readonly upload: number;
}

/**
 * Checks FileServer's options; directories are resolved to real paths.
 *
 * @throws {TypeError} If neither `root` nor `uploadDir` is given, or one is
 * not a directory, or an option has the wrong type.
 * @throws {Deno.errors.NotFound} If a directory does not exist.
 * @throws {RangeError} If a limit is out of range.
 */
export function resolveFileServerOptions(
  options: FileServerOptionsInput,
): ResolvedFileServerOptions {
  options = optionsObject(options, "Cannot serve files");
  if (options.root === undefined && options.uploadDir === undefined) {
    throw new TypeError("Cannot serve files: give root, uploadDir or both");
  }
  const chunkRange = { min: 1, max: MAX_CHUNK_BYTES };
  const windowRange = { min: 1, max: MAX_WINDOW };
  return {
    root: realDirectory("root", options.root),
    uploadRoot: realDirectory("uploadDir", options.uploadDir),
    chunkBytes: optionalNumberOption(
      "chunkBytes",
      options.chunkBytes,
      chunkRange,
    ),
    maxChunkBytes: optionalNumberOption(
      "maxChunkBytes",
      options.maxChunkBytes,
      chunkRange,
    ),
    window: numberOption(
      "window",
      options.window,
      DEFAULT_BLOB_WINDOW,
      windowRange,
    ),
    maxWindow: numberOption(
      "maxWindow",
      options.maxWindow,
      DEFAULT_MAX_WINDOW,
      windowRange,
    ),
    maxTransfers: numberOption(
      "maxTransfersPerConnection",
      options.maxTransfersPerConnection,
      DEFAULT_MAX_TRANSFERS,
      { min: 1 },
    ),
    maxUploadBytes: numberOption(
      "maxUploadBytes",
      options.maxUploadBytes,
      Infinity,
      { infinite: true },
    ),
    // resolveLogger checks the type.
    log: resolveLogger(options.logger as Logger | null | undefined),
  };
}

/**
 * The chunk sizes for a server with these limits (or, before `onServe`,
 * with none): an option the user left out is fitted to them, one the user
 * set that cannot fit is an error.
 *
 * @throws {RangeError} If a chunk frame of the user's size would not fit,
 * or not even a 1-byte chunk fits.
 */
export function chunkSizes(
  options: ResolvedFileServerOptions,
  limits?: ServerLimits,
): ChunkSizes {
  const sendRoom = limits === undefined
    ? MAX_CHUNK_BYTES
    : limits.maxSendFrameLength - CHUNK_HEADER_BYTES;
  const receiveRoom = limits === undefined
    ? MAX_CHUNK_BYTES
    : limits.maxFrameLength - CHUNK_HEADER_BYTES;
  const fit = (
    name: string,
    value: number | undefined,
    fallback: number,
    room: number,
    limit: string,
  ): number => {
    if (room < 1) {
      throw new RangeError(
        `Cannot serve files: ${limit} ${
          room + CHUNK_HEADER_BYTES
        } leaves no room for a chunk after its ${CHUNK_HEADER_BYTES}-byte header`,
      );
    }
    if (value === undefined) return Math.min(fallback, room);
    if (value > room) {
      throw new RangeError(
        `Cannot use ${name} ${value}: expected an integer from 1 to ${room} (a chunk frame must fit ${limit} ${
          room + CHUNK_HEADER_BYTES
        } with its ${CHUNK_HEADER_BYTES}-byte header)`,
      );
    }
    return value;
  };
  const download = fit(
    "chunkBytes",
    options.chunkBytes,
    DEFAULT_BLOB_CHUNK_BYTES,
    sendRoom,
    "maxSendFrameLength",
  );
  return {
    download,
    maxDownload: fit(
      "maxChunkBytes",
      options.maxChunkBytes,
      DEFAULT_MAX_CHUNK_BYTES,
      sendRoom,
      "maxSendFrameLength",
    ),
    upload: fit(
      "chunkBytes",
      options.chunkBytes,
      DEFAULT_BLOB_CHUNK_BYTES,
      receiveRoom,
      "maxFrameLength",
    ),
  };
}

function realDirectory(name: string, value: unknown): string | undefined {
  const path = stringOption(name, value, { nonEmpty: true });
  if (path === undefined) return undefined;
  const real = Deno.realPathSync(path);
  if (!Deno.statSync(real).isDirectory) {
    throw new TypeError(
      `Cannot serve files: ${name} "${path}" is not a directory`,
    );
  }
  return real;
}
