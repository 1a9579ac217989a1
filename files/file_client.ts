// Copyright 2026 the framewire authors. MIT license.
/**
 * The client side of the file protocol: download (with resume) and upload
 * over one connection, any number at once.
 *
 * @module
 */
import type { Frame } from "../codec/frame.ts";
import { FrameType } from "../codec/frame.ts";
import { connect, type ConnectOptions } from "../transport/connect.ts";
import type { ByteConn, FramedConn } from "../transport/framed_conn.ts";
import { ErrorCode, parseErrorFrame } from "../transport/protocol_errors.ts";
import { Queue } from "../internal/queue.ts";
import { BlobChannel } from "./blob_channel.ts";
import { TransferError, TransferErrorCode } from "./errors.ts";
import { FilesFrameType } from "./frame_types.ts";
import type { IncomingBlob } from "./incoming_blob.ts";
import { lazyFileStream } from "./_lazy_file_stream.ts";
import { writeStream } from "./_write_stream.ts";
import type {
  BlobSendResult,
  BlobSource,
  TransferProgress,
} from "./outgoing_blob.ts";
import {
  encodeGet,
  encodePut,
  MAX_TRANSFER_ID,
  parseReady,
  parseStart,
  type ReadyInfo,
} from "./_wire.ts";

/** Options for {@linkcode FileClient.prototype.get}. */
export interface FileGetOptions {
  /**
   * Resume: bytes [0, offset) of the file you already have. They must be
   * given as `prefix` too, so the digest can cover the whole file.
   *
   * @default {0}
   */
  offset?: number;
  /**
   * The bytes [0, offset) you have; required when `offset` > 0.
   *
   * @default {undefined}
   */
  prefix?: Uint8Array | ReadableStream<Uint8Array>;
  /**
   * Window to ask for; the server may lower it to its maximum.
   *
   * @default {the server's default (8)}
   */
  window?: number;
  /**
   * Chunk size to ask for, in bytes; the server may lower it.
   *
   * @default {the server's default (256 KiB)}
   */
  chunkBytes?: number;
  /**
   * Called each time a chunk is read from the stream.
   *
   * @default {undefined}
   */
  onProgress?: (progress: TransferProgress) => void;
}

/** Options for {@linkcode FileClient.prototype.download}. */
export interface FileDownloadOptions
  extends Omit<FileGetOptions, "offset" | "prefix"> {
  /**
   * Continue from the temporary file a previous, interrupted download left
   * (`<out>.part`), asking the server only for the rest.
   *
   * @default {false}
   */
  resume?: boolean;
}

/** The outcome of {@linkcode FileClient.prototype.download}. */
export interface FileDownloadResult {
  /** Where the file now is. */
  readonly path: string;
  /** Its size in bytes. */
  readonly size: number;
  /** Its SHA-256, lower-case hex, verified against the server's. */
  readonly sha256: string;
  /** Bytes that were already there (resume), not transferred again. */
  readonly resumedFrom: number;
}

/** Options for {@linkcode FileClient.prototype.put}. */
export interface FilePutOptions {
  /**
   * Size in bytes, announced to the server (checked against its limit up
   * front). Known for byte arrays.
   *
   * @default {the array's length, else unknown}
   */
  size?: number;
  /**
   * Replace an existing file (atomically); otherwise the server answers
   * `FILE_EXISTS`.
   *
   * @default {false}
   */
  overwrite?: boolean;
  /**
   * Window; the server's FileReady sets the maximum.
   *
   * @default {the server's}
   */
  window?: number;
  /**
   * Chunk size in bytes; the server's FileReady sets the maximum.
   *
   * @default {the server's}
   */
  chunkBytes?: number;
  /**
   * Called after each acknowledgement.
   *
   * @default {undefined}
   */
  onProgress?: (progress: TransferProgress) => void;
  /**
   * Aborts the upload.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

interface PendingRequest {
  kind: "get" | "put";
  id: number;
  resolve: (ready: ReadyInfo | undefined) => void;
  reject: (error: TransferError) => void;
}

// Error codes after which the server closes the connection: they answer no
// request, whatever is pending.
const CLOSING_CODES = new Set<string>([
  ErrorCode.FrameTooLarge,
  ErrorCode.FrameTypeUnknown,
  ErrorCode.FrameTruncated,
  ErrorCode.ProtocolMismatch,
  ErrorCode.ServerFull,
  ErrorCode.IdleTimeout,
  ErrorCode.ShuttingDown,
]);

/**
 * A file protocol client over one connection. It reads the connection
 * itself (do not call `receive` or `request` on it): answers to requests
 * come back in request order, and blob frames are routed by transfer id,
 * so downloads and uploads can run concurrently.
 *
 * @example Upload, then download
 * ```ts
 * import { FileClient, FileServer } from "@framewire/framewire/files";
 * import { FrameRouter, serve } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * try {
 *   await using files = new FileServer({ root: dir, uploadDir: dir });
 *   await using server = serve({ port: 0, logger: null }, new FrameRouter().use(files));
 *   await using client = await FileClient.connect({ port: server.port! });
 *
 *   const data = new TextEncoder().encode("a picture, say");
 *   const sent = await client.put("picture.bin", data);
 *   assert.equal(sent.size, data.length);
 *
 *   const result = await client.download("picture.bin", `${dir}/copy.bin`);
 *   assert.equal(result.sha256, sent.sha256);
 *   assert.deepEqual(await Deno.readFile(`${dir}/copy.bin`), data);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export class FileClient implements AsyncDisposable {
  /** The connection; read by the client. */
  readonly conn: FramedConn<ByteConn>;
  #channel: BlobChannel;
  #pending = new Queue<PendingRequest>();
  #nextGetId = 1;
  #nextPutId = 1;
  #failure: TransferError | undefined;
  #reading: Promise<void>;

  /**
   * Takes over a connection to a server that runs {@linkcode FileServer}.
   *
   * @param conn The connection; the client reads it from now on.
   */
  constructor(conn: FramedConn<ByteConn>) {
    this.conn = conn;
    this.#channel = new BlobChannel(conn);
    this.#reading = this.#read();
  }

  /**
   * Connects and wraps the connection.
   *
   * @param options Where to connect; see {@linkcode connect}.
   * @returns The client.
   * @throws {Deno.errors.ConnectionRefused} If nothing listens there.
   */
  static async connect(options: ConnectOptions): Promise<FileClient> {
    return new FileClient(await connect(options));
  }

  /** Resolves once the connection has ended and every transfer failed or finished. */
  get finished(): Promise<void> {
    return this.#reading;
  }

  /**
   * Asks for a file and returns it as an incoming blob as soon as the
   * server starts sending; read its `stream` (it errors unless the size
   * and digest verify) or call `bytes()`.
   *
   * @param path Path relative to the server's directory, `/`-separated.
   * @param options Resume offset, window, chunk size, progress.
   * @returns The transfer.
   * @throws {TransferError} With the server's code (`FILE_NOT_FOUND`,
   * `PATH_FORBIDDEN`, …; `remote` set) if it refuses; the connection stays
   * usable. `CONNECTION_LOST` if it ends.
   */
  async get(path: string, options: FileGetOptions = {}): Promise<IncomingBlob> {
    this.#throwIfFailed();
    const id = this.#allocate("get");
    const offset = options.offset ?? 0;
    const cancel = new AbortController();
    const blob = this.#channel.expect(id, {
      prefix: options.prefix,
      onProgress: options.onProgress,
      signal: cancel.signal,
    });
    // A refused request leaves the expectation to be withdrawn below.
    blob.catch(() => {});
    try {
      await this.#request(
        "get",
        id,
        encodeGet({
          id,
          path,
          offset: offset > 0 ? offset : undefined,
          window: options.window,
          chunkBytes: options.chunkBytes,
        }),
      );
    } catch (error) {
      cancel.abort(error);
      throw error;
    }
    return await blob;
  }

  /**
   * Downloads a file to `out`: into `<out>.part` first, renamed to `out`
   * only after the size and SHA-256 verify. A corrupted download removes
   * the `.part` file; an interrupted one keeps it for `resume`. Either way
   * nothing is left at `out`.
   *
   * @param path Path relative to the server's directory.
   * @param out Local path to write.
   * @param options Resume, window, chunk size, progress.
   * @returns Size, digest, and where it resumed from.
   * @throws {TransferError} If the server refuses, the connection ends or
   * the data does not verify.
   */
  async download(
    path: string,
    out: string,
    options: FileDownloadOptions = {},
  ): Promise<FileDownloadResult> {
    const part = `${out}.part`;
    let offset = 0;
    if (options.resume === true) {
      try {
        offset = (await Deno.stat(part)).size;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    let blob: IncomingBlob;
    try {
      blob = await this.get(path, {
        ...options,
        offset,
        prefix: offset > 0 ? lazyFileStream(part) : undefined,
      });
    } catch (error) {
      // The .part is longer than the server's file: the file changed since,
      // so the .part is worthless. Start over instead of failing forever.
      if (
        offset === 0 || !(error instanceof TransferError) ||
        error.code !== TransferErrorCode.OffsetOutOfRange
      ) throw error;
      offset = 0;
      blob = await this.get(path, { ...options });
    }
    let file: Deno.FsFile | undefined;
    let keepPart = true;
    try {
      file = await Deno.open(part, {
        write: true,
        create: true,
        append: offset > 0,
        truncate: offset === 0,
      });
      await writeStream(blob.stream, file);
      const result = await blob.done;
      file.close();
      file = undefined;
      await Deno.rename(part, out);
      return {
        path: out,
        size: result.size,
        sha256: result.sha256,
        resumedFrom: offset,
      };
    } catch (error) {
      // Interrupted: the bytes so far are good, keep them for a resume.
      // Anything else (digest, size, a refused resume): they cannot be
      // trusted.
      const code = error instanceof TransferError ? error.code : undefined;
      keepPart = code === TransferErrorCode.ConnectionLost ||
        code === TransferErrorCode.Aborted;
      if (!(error instanceof TransferError)) blob.cancel();
      throw error;
    } finally {
      file?.close();
      if (!keepPart) await Deno.remove(part).catch(() => {});
    }
  }

  /**
   * Uploads bytes, a stream or a reader to `path` under the server's
   * upload directory. Resolves once the server verified the digest and
   * renamed the file into place.
   *
   * @param path Target path relative to the upload directory.
   * @param source What to send.
   * @param options Size, overwrite, window, chunk size, progress, signal.
   * @returns Size and digest, as the server verified them.
   * @throws {TransferError} With the server's code if it refuses
   * (`FILE_EXISTS`, `PATH_FORBIDDEN`, …) or fails to verify or store it.
   */
  async put(
    path: string,
    source: BlobSource,
    options: FilePutOptions = {},
  ): Promise<BlobSendResult> {
    this.#throwIfFailed();
    const size = options.size ??
      (source instanceof Uint8Array ? source.length : undefined);
    const id = this.#allocate("put");
    const ready = (await this.#request(
      "put",
      id,
      encodePut({
        id,
        path,
        size,
        overwrite: options.overwrite,
      }),
    ))!;
    const outgoing = this.#channel.send(source, {
      id,
      size,
      chunkBytes: Math.min(
        options.chunkBytes ?? ready.chunkBytes,
        ready.chunkBytes,
      ),
      window: Math.min(options.window ?? ready.window, ready.window),
      meta: { path },
      onProgress: options.onProgress,
      signal: options.signal,
    });
    return await outgoing.done;
  }

  /**
   * Uploads a local file; see {@linkcode FileClient.prototype.put}.
   *
   * @param localPath The file to read.
   * @param path Target path relative to the upload directory.
   * @param options Overwrite, window, chunk size, progress, signal.
   * @returns Size and digest, as the server verified them.
   */
  async upload(
    localPath: string,
    path: string,
    options: Omit<FilePutOptions, "size"> = {},
  ): Promise<BlobSendResult> {
    using file = await Deno.open(localPath, { read: true });
    const size = (await file.stat()).size;
    return await this.put(path, file, { ...options, size });
  }

  /** Closes the connection; running transfers fail with `CONNECTION_LOST`. */
  close(): void {
    this.conn.close();
  }

  /**
   * Closes the connection and waits for the client's read loop to end.
   *
   * @returns Resolves once closed.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.#reading;
  }

  #allocate(kind: "get" | "put"): number {
    for (;;) {
      const id = kind === "get" ? this.#nextGetId : this.#nextPutId;
      const next = id >= MAX_TRANSFER_ID ? 1 : id + 1;
      if (kind === "get") this.#nextGetId = next;
      else this.#nextPutId = next;
      const taken = kind === "get"
        ? this.#channel.receiving(id)
        : this.#channel.sending(id);
      if (!taken) return id;
    }
  }

  #request(
    kind: "get" | "put",
    id: number,
    frame: Frame,
  ): Promise<ReadyInfo | undefined> {
    return new Promise((resolve, reject) => {
      this.#throwIfFailed();
      const entry: PendingRequest = { kind, id, resolve, reject };
      this.#pending.push(entry);
      this.conn.send(frame).catch((error) => {
        this.#fail(lost(error));
      });
    });
  }

  async #read(): Promise<void> {
    let cause: unknown;
    try {
      for await (const frame of this.conn) this.#dispatch(frame);
    } catch (error) {
      cause = error;
    }
    this.#fail(cause instanceof TransferError ? cause : lost(cause));
  }

  #dispatch(frame: Frame): void {
    switch (frame.type) {
      case FrameType.Error: {
        const { code, message } = parseErrorFrame(frame);
        const head = this.#pending.peek();
        if (head === undefined || CLOSING_CODES.has(code)) {
          throw new TransferError(
            code,
            `Server closed the connection: ${message}`,
            {
              remote: true,
            },
          );
        }
        this.#pending.shift();
        head.reject(
          new TransferError(code, message, {
            transferId: head.id,
            remote: true,
          }),
        );
        return;
      }
      case FilesFrameType.BlobStart: {
        const id = parseStart(frame.payload).id;
        const head = this.#pending.peek();
        if (head?.kind === "get" && head.id === id) {
          this.#pending.shift();
          head.resolve(undefined);
        }
        this.#channel.handleFrame(frame);
        return;
      }
      case FilesFrameType.FileReady: {
        const ready = parseReady(frame.payload);
        const head = this.#pending.shift();
        if (head?.kind !== "put" || head.id !== ready.id) {
          throw new TransferError(
            TransferErrorCode.Malformed,
            `Cannot match FileReady ${ready.id}: no upload ${ready.id} is waiting`,
          );
        }
        head.resolve(ready);
        return;
      }
      case FrameType.Pong:
      case FrameType.Debug:
        return;
      default:
        if (!this.#channel.handleFrame(frame)) {
          throw new TransferError(
            TransferErrorCode.Malformed,
            `Cannot handle frame: type ${frame.type} is not a file protocol frame`,
          );
        }
    }
  }

  #fail(error: TransferError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.conn.close();
    this.#channel.close(error);
    for (let head = this.#pending.shift(); head; head = this.#pending.shift()) {
      head.reject(error);
    }
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}

function lost(cause: unknown): TransferError {
  return new TransferError(
    TransferErrorCode.ConnectionLost,
    cause === undefined
      ? "Cannot finish: the server closed the connection"
      : `Cannot finish: the connection failed: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
    { cause },
  );
}
