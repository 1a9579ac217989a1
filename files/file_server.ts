// Copyright 2026 the framewire authors. MIT license.
/**
 * The server side of the file protocol: serves a directory for downloads
 * and takes uploads into another, as a {@linkcode ServerProtocol} for
 * {@linkcode FrameRouter.prototype.use}.
 *
 * @module
 */
import type { Frame } from "../codec/frame.ts";
import type {
  FrameHandler,
  ServerProtocol,
} from "../transport/frame_router.ts";
import { ProtocolError } from "../transport/protocol_errors.ts";
import type { LogEvent } from "../transport/log.ts";
import type { ServerConnection } from "../transport/server_connection.ts";
import { BlobChannel } from "./blob_channel.ts";
import { TransferError, TransferErrorCode } from "./errors.ts";
import { FilesFrameType } from "./frame_types.ts";
import type { IncomingBlob } from "./incoming_blob.ts";
import {
  type BlobReader,
  DEFAULT_BLOB_CHUNK_BYTES,
  DEFAULT_BLOB_WINDOW,
} from "./outgoing_blob.ts";
import { mapFsError, resolveInside, splitRequestPath } from "./_safe_path.ts";
import { writeStream } from "./_write_stream.ts";
import {
  CHUNK_HEADER_BYTES,
  encodeReady,
  MAX_WINDOW,
  parseGet,
  parsePut,
  type PutRequest,
} from "./_wire.ts";

/** Options for {@linkcode FileServer}. */
export interface FileServerOptions {
  /**
   * Directory served for downloads (FileGet). Without it, FileGet is
   * answered with `DOWNLOADS_DISABLED`.
   *
   * @default {undefined}
   */
  root?: string;
  /**
   * Directory uploads (FilePut) are written into. Without it, FilePut is
   * answered with `UPLOADS_DISABLED`. May be the same as `root`.
   *
   * @default {undefined}
   */
  uploadDir?: string;
  /**
   * Chunk size of downloads when the client asks for none, and of
   * uploads (sent to the client in FileReady), in bytes. Upload chunks
   * must fit the server's `maxFrameLength` with their 12-byte header.
   *
   * @default {262144} (256 KiB)
   */
  chunkBytes?: number;
  /**
   * Largest chunk size a client may ask for its downloads, in bytes.
   *
   * @default {1048564} (1 MiB − 12, so a chunk frame fits in 1 MiB)
   */
  maxChunkBytes?: number;
  /**
   * Window of downloads when the client asks for none, and of uploads:
   * an upload buffers at most `window × chunkBytes` on the server.
   *
   * @default {8}
   */
  window?: number;
  /**
   * Largest window a client may ask for its downloads.
   *
   * @default {64}
   */
  maxWindow?: number;
  /**
   * Most transfers (downloads and uploads) one connection may run at
   * once; the next request is answered with `TOO_MANY_TRANSFERS`. Each
   * holds an open file.
   *
   * @default {16}
   */
  maxTransfersPerConnection?: number;
  /**
   * Largest upload in bytes; beyond it, `FILE_TOO_LARGE` (declared size)
   * or `BLOB_LIMIT_EXCEEDED` (while streaming).
   *
   * @default {Infinity}
   */
  maxUploadBytes?: number;
  /**
   * Receives one event per finished, refused or failed transfer.
   *
   * @default {undefined} (silent)
   */
  logger?: (event: LogEvent) => void;
}

/** Counters of a {@linkcode FileServer}. */
export interface FileServerStats {
  /** Downloads and uploads running now. */
  readonly activeTransfers: number;
  /** Downloads the client confirmed. */
  readonly downloadsCompleted: number;
  /** Uploads verified and renamed into place. */
  readonly uploadsCompleted: number;
  /** Requests refused and transfers that failed. */
  readonly failures: number;
}

const DEFAULT_MAX_CHUNK_BYTES = 1024 * 1024 - CHUNK_HEADER_BYTES;
const DEFAULT_MAX_WINDOW = 64;
const DEFAULT_MAX_TRANSFERS = 16;

/**
 * The file protocol, server side. Plug it into a {@linkcode FrameRouter}
 * (the CLI does with `--files DIR` and `--uploads DIR`).
 *
 * - **FileGet** `{id, path, offset?, window?, chunkBytes?}`: the file is
 *   streamed as blob `id` (BlobStart, chunks, BlobEnd with size and
 *   SHA-256), read chunk by chunk, never whole. With `offset` it resumes:
 *   only the bytes from `offset` are sent, the digest covers the whole
 *   file.
 * - **FilePut** `{id, path, size?, overwrite?}`: answered with FileReady;
 *   the client then sends blob `id`. It is written to a temporary file in
 *   the target's directory and renamed into place only after the size and
 *   digest verify (then BlobDone); on any failure the temporary file is
 *   removed and nothing at the target changes.
 *
 * Refusals are Error frames in the request's reply slot, and the
 * connection stays open: `PATH_FORBIDDEN` (`..`, absolute paths, NUL,
 * backslashes, symlinks leading out; nothing outside the directory is
 * ever read or even stat-ed), `FILE_NOT_FOUND`, `FILE_NOT_REGULAR`,
 * `FILE_PERMISSION_DENIED`, `FILE_EXISTS`, `FILE_OFFSET_OUT_OF_RANGE`,
 * `FILE_TOO_LARGE`, `TOO_MANY_TRANSFERS`, `BAD_REQUEST`.
 *
 * @example Serve a directory and download a file
 * ```ts
 * import { FileClient, FileServer } from "@framewire/framewire/files";
 * import { FrameRouter, serve } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * try {
 *   await Deno.writeTextFile(`${dir}/hello.txt`, "hello, files");
 *   await using files = new FileServer({ root: dir });
 *   await using server = serve({ port: 0, logger: null }, new FrameRouter().use(files));
 *   await using client = await FileClient.connect({ port: server.port! });
 *
 *   const blob = await client.get("hello.txt");
 *   assert.equal(new TextDecoder().decode(await blob.bytes()), "hello, files");
 *   await assert.rejects(client.get("../etc/passwd"), { code: "PATH_FORBIDDEN" });
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export class FileServer implements ServerProtocol, AsyncDisposable {
  /** The protocol's name, for the router. */
  readonly name = "files";
  /** Handlers of frame types 6–14. */
  readonly routes: Readonly<Record<number, FrameHandler>>;

  #root: string | undefined;
  #uploadRoot: string | undefined;
  #chunkBytes: number;
  #maxChunkBytes: number;
  #window: number;
  #maxWindow: number;
  #maxTransfers: number;
  #maxUploadBytes: number;
  #log: (event: LogEvent) => void;
  #channels = new WeakMap<ServerConnection, BlobChannel>();
  #tasks = new Set<Promise<void>>();
  #closed = false;
  #stats = { downloadsCompleted: 0, uploadsCompleted: 0, failures: 0 };
  #active = 0;

  /**
   * Creates the protocol; directories are resolved to their real paths
   * now, so a missing one fails at start rather than per request.
   *
   * @param options Directories and limits; see {@linkcode FileServerOptions}.
   * @throws {TypeError} If neither `root` nor `uploadDir` is given, or one
   * is not a directory.
   * @throws {Deno.errors.NotFound} If a directory does not exist.
   * @throws {RangeError} If a limit is out of range.
   */
  constructor(options: FileServerOptions) {
    if (options?.root === undefined && options?.uploadDir === undefined) {
      throw new TypeError("Cannot serve files: give root, uploadDir or both");
    }
    this.#root = realDirectory("root", options.root);
    this.#uploadRoot = realDirectory("uploadDir", options.uploadDir);
    this.#maxChunkBytes = checkInteger(
      "maxChunkBytes",
      options.maxChunkBytes,
      DEFAULT_MAX_CHUNK_BYTES,
    );
    this.#chunkBytes = checkInteger(
      "chunkBytes",
      options.chunkBytes,
      DEFAULT_BLOB_CHUNK_BYTES,
    );
    this.#maxWindow = checkInteger(
      "maxWindow",
      options.maxWindow,
      DEFAULT_MAX_WINDOW,
      MAX_WINDOW,
    );
    this.#window = checkInteger(
      "window",
      options.window,
      DEFAULT_BLOB_WINDOW,
      MAX_WINDOW,
    );
    this.#maxTransfers = checkInteger(
      "maxTransfersPerConnection",
      options.maxTransfersPerConnection,
      DEFAULT_MAX_TRANSFERS,
    );
    const maxUploadBytes = options.maxUploadBytes ?? Infinity;
    if (typeof maxUploadBytes !== "number" || !(maxUploadBytes >= 0)) {
      throw new RangeError(
        `Cannot use maxUploadBytes ${
          String(maxUploadBytes)
        }: expected a number of at least 0`,
      );
    }
    this.#maxUploadBytes = maxUploadBytes;
    this.#log = options.logger ?? (() => {});
    const blob: FrameHandler = (frame, conn) => this.#blobFrame(frame, conn);
    this.routes = {
      [FilesFrameType.BlobStart]: blob,
      [FilesFrameType.BlobChunk]: blob,
      [FilesFrameType.BlobEnd]: blob,
      [FilesFrameType.BlobAck]: blob,
      [FilesFrameType.BlobDone]: blob,
      [FilesFrameType.BlobAbort]: blob,
      [FilesFrameType.BlobCancel]: blob,
      [FilesFrameType.FileGet]: (frame, conn) =>
        this.#refusing(this.#get(frame, conn)),
      [FilesFrameType.FilePut]: (frame, conn) =>
        this.#refusing(this.#put(frame, conn)),
    };
  }

  /** The real path of the served directory, if any. */
  get root(): string | undefined {
    return this.#root;
  }

  /** The real path of the upload directory, if any. */
  get uploadDir(): string | undefined {
    return this.#uploadRoot;
  }

  /** Counters of transfers. */
  get stats(): FileServerStats {
    return { activeTransfers: this.#active, ...this.#stats };
  }

  /**
   * Opens the connection's blob channel.
   *
   * @param conn The new connection.
   */
  onConnect(conn: ServerConnection): void {
    this.#channels.set(
      conn,
      new BlobChannel(conn.conn, {
        maxWindow: this.#window,
        maxChunkBytes: this.#chunkBytes,
        maxIncoming: this.#maxTransfers,
      }),
    );
  }

  /**
   * Fails the connection's transfers: open files are closed, unfinished
   * uploads removed (in the background; see {@linkcode FileServer.prototype.idle}).
   *
   * @param conn The closed connection.
   */
  onClose(conn: ServerConnection): void {
    this.#channels.get(conn)?.close(conn.closeReason);
    this.#channels.delete(conn);
  }

  /**
   * Waits until no transfer task is left (files closed, temporary files
   * removed).
   *
   * @returns Resolves when idle.
   */
  async idle(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  /**
   * Refuses new requests and waits for running tasks; call it after the
   * server has shut down (its connections closed).
   *
   * @returns Resolves when idle.
   */
  close(): Promise<void> {
    this.#closed = true;
    return this.idle();
  }

  /** See {@linkcode FileServer.prototype.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #channel(conn: ServerConnection): BlobChannel {
    let channel = this.#channels.get(conn);
    if (channel === undefined) {
      // A router whose onConnect did not run for us (used without `use`).
      channel = new BlobChannel(conn.conn, {
        maxWindow: this.#window,
        maxChunkBytes: this.#chunkBytes,
        maxIncoming: this.#maxTransfers,
      });
      this.#channels.set(conn, channel);
    }
    return channel;
  }

  #blobFrame(frame: Frame, conn: ServerConnection): void {
    try {
      this.#channel(conn).handleFrame(frame);
    } catch (error) {
      // The frame breaks the protocol beyond one transfer: the byte stream
      // cannot be trusted any more.
      const failure = error as TransferError;
      throw new ProtocolError(String(failure.code), failure.message, {
        close: true,
        cause: error,
      });
    }
  }

  /** Turns a refused request into an Error frame in its reply slot. */
  async #refusing(
    handled: Promise<Frame | undefined>,
  ): Promise<Frame | undefined> {
    try {
      return await handled;
    } catch (error) {
      // Anything else is a bug: the server answers INTERNAL_ERROR.
      if (!(error instanceof TransferError)) throw error;
      // The server logs the refusal (frame_refused) with its code.
      this.#stats.failures++;
      throw new ProtocolError(String(error.code), error.message, {
        cause: error,
      });
    }
  }

  async #get(frame: Frame, conn: ServerConnection): Promise<undefined> {
    const request = parseGet(frame.payload);
    const id = request.id;
    if (this.#root === undefined || this.#closed) {
      throw new TransferError(
        TransferErrorCode.DownloadsDisabled,
        "Cannot get file: this server serves no directory",
        { transferId: id },
      );
    }
    const channel = this.#channel(conn);
    this.#checkRoom(channel, id, channel.sending(id));
    const segments = splitRequestPath(request.path);
    const { path, info } = await resolveInside(
      this.#root,
      request.path,
      segments,
    );
    if (info === undefined || !info.isFile) {
      throw new TransferError(
        TransferErrorCode.NotRegularFile,
        `Cannot get ${JSON.stringify(request.path)}: not a regular file`,
        { transferId: id },
      );
    }
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      throw mapFsError(error, request.path);
    }
    let task: Promise<void> | undefined;
    try {
      const stat = await file.stat();
      // Checked again on the open handle: the walk's lstat and the open
      // are two steps.
      if (!stat.isFile) {
        throw new TransferError(
          TransferErrorCode.NotRegularFile,
          `Cannot get ${JSON.stringify(request.path)}: not a regular file`,
        );
      }
      const offset = request.offset ?? 0;
      if (offset > stat.size) {
        throw new TransferError(
          TransferErrorCode.OffsetOutOfRange,
          `Cannot resume ${
            JSON.stringify(request.path)
          } at byte ${offset}: the file has ${stat.size} bytes`,
        );
      }
      const outgoing = channel.send(sizedReader(file, stat.size), {
        id,
        size: stat.size,
        offset,
        chunkBytes: Math.min(
          request.chunkBytes ?? this.#chunkBytes,
          this.#maxChunkBytes,
        ),
        window: Math.min(request.window ?? this.#window, this.#maxWindow),
        meta: { path: request.path, modifiedMs: stat.mtime?.getTime() ?? null },
      });
      this.#active++;
      task = this.#track((async () => {
        try {
          const result = await outgoing.done;
          this.#stats.downloadsCompleted++;
          this.#emit(
            "info",
            "file_sent",
            `Sent ${JSON.stringify(request.path)}: ${
              result.size - offset
            } bytes from byte ${offset}, sha256 ${result.sha256}`,
            undefined,
            conn,
          );
        } catch (error) {
          this.#transferFailed(error, request.path, conn);
        } finally {
          this.#active--;
          file.close();
        }
      })());
      // The BlobStart is this request's answer: it must be queued before
      // the next request's reply, so the handler returns only after it.
      await outgoing.started;
    } catch (error) {
      if (task === undefined) file.close();
      throw error instanceof TransferError
        ? error
        : mapFsError(error, request.path);
    }
    return undefined;
  }

  async #put(frame: Frame, conn: ServerConnection): Promise<Frame> {
    const request = parsePut(frame.payload);
    const id = request.id;
    if (this.#uploadRoot === undefined || this.#closed) {
      throw new TransferError(
        TransferErrorCode.UploadsDisabled,
        "Cannot put file: this server takes no uploads",
        { transferId: id },
      );
    }
    const channel = this.#channel(conn);
    this.#checkRoom(channel, id, channel.receiving(id));
    if (request.size !== undefined && request.size > this.#maxUploadBytes) {
      throw new TransferError(
        TransferErrorCode.FileTooLarge,
        `Cannot put ${
          JSON.stringify(request.path)
        }: ${request.size} bytes is above the limit of ${this.#maxUploadBytes}`,
      );
    }
    const segments = splitRequestPath(request.path);
    if (segments.length === 0) {
      throw new TransferError(
        TransferErrorCode.PathForbidden,
        `Cannot put ${JSON.stringify(request.path)}: it names no file`,
      );
    }
    const target = await resolveInside(
      this.#uploadRoot,
      request.path,
      segments,
      true,
    );
    if (target.info !== undefined) {
      if (!target.info.isFile) {
        throw new TransferError(
          TransferErrorCode.NotRegularFile,
          `Cannot put ${
            JSON.stringify(request.path)
          }: a directory or special file is there`,
        );
      }
      if (request.overwrite !== true) {
        throw new TransferError(
          TransferErrorCode.FileExists,
          `Cannot put ${
            JSON.stringify(request.path)
          }: the file exists (overwrite not set)`,
        );
      }
    }
    const expected = channel.expect(id, {
      confirm: "manual",
      maxBytes: this.#maxUploadBytes,
    });
    this.#active++;
    this.#track(
      this.#receive(expected, target.path, request, conn),
    );
    return encodeReady({
      id,
      window: this.#window,
      chunkBytes: this.#chunkBytes,
    });
  }

  async #receive(
    expected: Promise<IncomingBlob>,
    target: string,
    request: PutRequest,
    conn: ServerConnection,
  ): Promise<void> {
    let blob: IncomingBlob | undefined;
    let file: Deno.FsFile | undefined;
    // The target's name is left out: one of NAME_MAX bytes must still fit.
    const temp = `${
      target.slice(0, target.lastIndexOf("/"))
    }/.${randomHex()}.upload`;
    let created = false;
    let kept = false;
    try {
      blob = await expected;
      // Created only now, not at FileReady: a client that never sends its
      // BlobStart leaves no temporary file and no open handle behind.
      try {
        // createNew (O_EXCL) never follows a symlink planted at that name.
        file = await Deno.open(temp, { write: true, createNew: true });
      } catch (error) {
        throw mapFsError(error, request.path);
      }
      created = true;
      if (request.size !== undefined && blob.size !== request.size) {
        throw new TransferError(
          TransferErrorCode.SizeMismatch,
          `Cannot put ${
            JSON.stringify(request.path)
          }: FilePut said ${request.size} bytes, BlobStart ${
            blob.size ?? "unknown"
          }`,
        );
      }
      await writeStream(blob.stream, file, (error) =>
        new TransferError(
          TransferErrorCode.WriteFailed,
          `Cannot write ${JSON.stringify(request.path)}: ${errorText(error)}`,
          { cause: error },
        ));
      const result = await blob.done;
      file.close();
      file = undefined;
      await place(temp, target, request);
      kept = true;
      blob.confirm();
      this.#stats.uploadsCompleted++;
      this.#emit(
        "info",
        "file_received",
        `Received ${
          JSON.stringify(request.path)
        }: ${result.size} bytes, sha256 ${result.sha256}`,
        undefined,
        conn,
      );
    } catch (error) {
      if (error instanceof TransferError && !error.remote) {
        blob?.cancel(String(error.code), error.message);
      }
      this.#transferFailed(error, request.path, conn);
    } finally {
      this.#active--;
      file?.close();
      if (created && !kept) await Deno.remove(temp).catch(() => {});
    }
  }

  #checkRoom(channel: BlobChannel, id: number, taken: boolean): void {
    if (taken) {
      throw new TransferError(
        TransferErrorCode.IdInUse,
        `Cannot start transfer ${id}: the id is in use`,
        { transferId: id },
      );
    }
    const { outgoing, incoming, expected } = channel.stats;
    if (outgoing + incoming + expected >= this.#maxTransfers) {
      throw new TransferError(
        TransferErrorCode.TooManyTransfers,
        `Cannot start transfer ${id}: ${this.#maxTransfers} transfers are running on this connection`,
        { transferId: id },
      );
    }
  }

  #transferFailed(error: unknown, path: string, conn: ServerConnection): void {
    this.#stats.failures++;
    const code = error instanceof TransferError
      ? String(error.code)
      : undefined;
    this.#emit(
      code === TransferErrorCode.ConnectionLost ? "info" : "warn",
      "file_transfer_failed",
      `Transfer of ${JSON.stringify(path)} failed: ${errorText(error)}`,
      code,
      conn,
    );
  }

  #track(task: Promise<void>): Promise<void> {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
    return task;
  }

  #emit(
    level: LogEvent["level"],
    event: string,
    message: string,
    code: string | undefined,
    conn: ServerConnection,
  ): void {
    try {
      this.#log({
        level,
        event,
        message,
        code,
        connectionId: conn.id,
        remoteAddress: conn.remoteAddress,
      });
    } catch {
      // A failing logger must not fail a transfer.
    }
  }
}

/**
 * A reader over an open file that must deliver exactly `size` bytes: a
 * file that shrinks or grows while it is sent fails the transfer with
 * `FILE_CHANGED` instead of sending a mix of two versions.
 */
function sizedReader(file: Deno.FsFile, size: number): BlobReader {
  let position = 0;
  return {
    async read(buffer: Uint8Array): Promise<number | null> {
      let count: number | null;
      try {
        count = await file.read(buffer);
      } catch (error) {
        throw new TransferError(
          TransferErrorCode.ReadFailed,
          `Cannot read the file at byte ${position}: ${errorText(error)}`,
          { cause: error },
        );
      }
      if (count === null) {
        if (position < size) {
          throw new TransferError(
            TransferErrorCode.FileChanged,
            `Cannot send the file: it shrank to ${position} bytes while being sent (was ${size})`,
          );
        }
        return null;
      }
      position += count;
      if (position > size) {
        throw new TransferError(
          TransferErrorCode.FileChanged,
          `Cannot send the file: it grew beyond ${size} bytes while being sent`,
        );
      }
      return count;
    },
  };
}

/** Moves a verified upload into place, atomically. */
async function place(
  temp: string,
  target: string,
  request: PutRequest,
): Promise<void> {
  try {
    if (request.overwrite === true) {
      // rename(2) replaces the target in one step: readers see the old
      // file or the new one, never a partial one.
      await Deno.rename(temp, target);
      return;
    }
    // link(2) fails if the target exists, so a file that appeared since
    // the FilePut check is never replaced.
    await Deno.link(temp, target);
    await Deno.remove(temp);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new TransferError(
        TransferErrorCode.FileExists,
        `Cannot put ${
          JSON.stringify(request.path)
        }: the file appeared meanwhile (overwrite not set)`,
      );
    }
    throw new TransferError(
      TransferErrorCode.WriteFailed,
      `Cannot put ${JSON.stringify(request.path)} in place: ${
        errorText(error)
      }`,
      { cause: error },
    );
  }
}

function realDirectory(
  name: string,
  path: string | undefined,
): string | undefined {
  if (path === undefined) return undefined;
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`Cannot serve files: ${name} is not a path`);
  }
  const real = Deno.realPathSync(path);
  if (!Deno.statSync(real).isDirectory) {
    throw new TypeError(
      `Cannot serve files: ${name} "${path}" is not a directory`,
    );
  }
  return real;
}

function checkInteger(
  name: string,
  value: number | undefined,
  fallback: number,
  max = 2 ** 30,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(
      `Cannot use ${name} ${
        String(value)
      }: expected an integer from 1 to ${max}`,
    );
  }
  return value;
}

function randomHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join(
    "",
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
