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
  ServerLimits,
  ServerProtocol,
} from "../transport/frame_router.ts";
import { ProtocolError } from "../transport/protocol_errors.ts";
import { type LogEvent, type Logger, peerText } from "../transport/log.ts";
import type { ServerConnection } from "../transport/server_connection.ts";
import { BlobChannel } from "./blob_channel.ts";
import { TransferError, TransferErrorCode } from "./errors.ts";
import { FilesFrameType } from "./frame_types.ts";
import { errorText } from "./_error_text.ts";
import { openDownload, sizedReader } from "./_file_download.ts";
import { mapFsError, shownPath } from "./_safe_path.ts";
import {
  type ChunkSizes,
  chunkSizes,
  type ResolvedFileServerOptions,
  resolveFileServerOptions,
} from "./_file_server_options.ts";
import { checkUpload, receiveUpload } from "./_file_upload.ts";
import { encodeReady, parseGet, parsePut } from "./_wire.ts";

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
   * uploads (sent to the client in FileReady), in bytes. A chunk frame is
   * the chunk plus a 12-byte header: download chunks must fit the server's
   * `maxSendFrameLength`, upload chunks its `maxFrameLength`. Left out, it
   * is fitted to each when the server starts
   * ({@linkcode FileServer.prototype.onServe}); set, a size that does not
   * fit makes `serve()` throw.
   *
   * @default {262144} (256 KiB, or less if the frame limits are smaller)
   */
  chunkBytes?: number;
  /**
   * Largest chunk size a client may ask for its downloads, in bytes. Left
   * out, it is fitted to the server's `maxSendFrameLength`; set, a size
   * that does not fit makes `serve()` throw.
   *
   * @default {1048564} (1 MiB − 12, or less if `maxSendFrameLength` is smaller)
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
   * Receives one event per finished (`info`) or failed (`warn`; `info`
   * for a lost connection) transfer. `null` logs nothing. A logger that
   * throws is ignored.
   *
   * @default {undefined} (`warn` and `error` events to stderr, as
   * `defaultLogger`)
   */
  logger?: Logger | null;
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
 *   await using files = new FileServer({ root: dir, logger: null });
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

  #options: ResolvedFileServerOptions;
  #chunks: ChunkSizes;
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
   * is not a directory, or an option has the wrong type.
   * @throws {Deno.errors.NotFound} If a directory does not exist.
   * @throws {RangeError} If a limit is out of range.
   */
  constructor(options: FileServerOptions) {
    this.#options = resolveFileServerOptions(options);
    // Until a server tells its limits, sizes as if frames had no limit but
    // the protocol's own.
    this.#chunks = chunkSizes(this.#options);
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
    return this.#options.root;
  }

  /** The real path of the upload directory, if any. */
  get uploadDir(): string | undefined {
    return this.#options.uploadRoot;
  }

  /** Counters of transfers. */
  get stats(): FileServerStats {
    return { activeTransfers: this.#active, ...this.#stats };
  }

  /**
   * Fits the chunk sizes to the server's frame limits; `serve()` calls it
   * before it listens. Download chunks (with their 12-byte header) must
   * fit `maxSendFrameLength`, upload chunks `maxFrameLength`: sizes left
   * out of the options shrink to fit, sizes that were set must already.
   *
   * @param limits The server's frame limits.
   * @throws {RangeError} If `chunkBytes` or `maxChunkBytes` was set too
   * large for them, or they leave no room for a chunk at all.
   */
  onServe(limits: ServerLimits): void {
    this.#chunks = chunkSizes(this.#options, limits);
  }

  /**
   * Opens the connection's blob channel.
   *
   * @param conn The new connection.
   */
  onConnect(conn: ServerConnection): void {
    this.#channels.set(conn, this.#newChannel(conn));
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
      channel = this.#newChannel(conn);
      this.#channels.set(conn, channel);
    }
    return channel;
  }

  #newChannel(conn: ServerConnection): BlobChannel {
    return new BlobChannel(conn.conn, {
      maxWindow: this.#options.window,
      maxChunkBytes: this.#chunks.upload,
      maxIncoming: this.#options.maxTransfers,
    });
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
    const root = this.#options.root;
    if (root === undefined || this.#closed) {
      throw new TransferError(
        TransferErrorCode.DownloadsDisabled,
        "Cannot get file: this server serves no directory",
        { transferId: id },
      );
    }
    const channel = this.#channel(conn);
    this.#checkRoom(channel, id, channel.sending(id));
    const { file, size, offset, modifiedMs } = await openDownload(
      root,
      request,
    );
    let task: Promise<void> | undefined;
    try {
      const outgoing = channel.send(sizedReader(file, size), {
        id,
        size,
        offset,
        chunkBytes: Math.min(
          request.chunkBytes ?? this.#chunks.download,
          this.#chunks.maxDownload,
        ),
        window: Math.min(
          request.window ?? this.#options.window,
          this.#options.maxWindow,
        ),
        meta: { path: request.path, modifiedMs },
      });
      this.#active++;
      task = this.#track((async () => {
        try {
          const result = await outgoing.done;
          this.#stats.downloadsCompleted++;
          this.#emit(
            "info",
            "file_sent",
            `Sent ${shownPath(request.path)}: ${
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
    const uploadRoot = this.#options.uploadRoot;
    if (uploadRoot === undefined || this.#closed) {
      throw new TransferError(
        TransferErrorCode.UploadsDisabled,
        "Cannot put file: this server takes no uploads",
        { transferId: id },
      );
    }
    const channel = this.#channel(conn);
    this.#checkRoom(channel, id, channel.receiving(id));
    const maxBytes = this.#options.maxUploadBytes;
    const target = await checkUpload(uploadRoot, request, maxBytes);
    const expected = channel.expect(id, { confirm: "manual", maxBytes });
    this.#active++;
    this.#track((async () => {
      try {
        const result = await receiveUpload(expected, target, request);
        this.#stats.uploadsCompleted++;
        this.#emit(
          "info",
          "file_received",
          `Received ${
            shownPath(request.path)
          }: ${result.size} bytes, sha256 ${result.sha256}`,
          undefined,
          conn,
        );
      } catch (error) {
        this.#transferFailed(error, request.path, conn);
      } finally {
        this.#active--;
      }
    })());
    return encodeReady({
      id,
      window: this.#options.window,
      chunkBytes: this.#chunks.upload,
    });
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
    const maxTransfers = this.#options.maxTransfers;
    if (outgoing + incoming + expected >= maxTransfers) {
      throw new TransferError(
        TransferErrorCode.TooManyTransfers,
        `Cannot start transfer ${id}: ${maxTransfers} transfers are running on this connection`,
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
      // The message may be the peer's own (a BlobAbort's).
      `Transfer of ${shownPath(path)} failed: ${peerText(errorText(error))}`,
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
    // resolveLogger's logger never throws: a failing logger cannot fail a
    // transfer.
    this.#options.log({
      level,
      event,
      message,
      code,
      connectionId: conn.id,
      remoteAddress: conn.remoteAddress,
    });
  }
}
