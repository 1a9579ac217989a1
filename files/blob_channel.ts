// Copyright 2026 the framewire authors. MIT license.
/**
 * Blob transfers over one framed connection: any number at once, in both
 * directions, each with its own id, window and digest.
 *
 * @module
 */
import type { Frame } from "../codec/frame.ts";
import type { ByteConn, FramedConn } from "../transport/framed_conn.ts";
import {
  checkNumber,
  numberOption,
  optionalNumberOption,
  optionsObject,
} from "../internal/options.ts";
import { TransferError, TransferErrorCode } from "./errors.ts";
import { FilesFrameType } from "./frame_types.ts";
import type { IncomingBlob, ReceiveBlobOptions } from "./incoming_blob.ts";
import {
  type BlobSendOptions,
  type BlobSource,
  DEFAULT_BLOB_CHUNK_BYTES,
  DEFAULT_BLOB_WINDOW,
  type OutgoingBlob,
} from "./outgoing_blob.ts";
import { BlobIntake } from "./_blob_intake.ts";
import { BlobSender } from "./_blob_sender.ts";
import {
  MAX_CHUNK_BYTES,
  MAX_TRANSFER_ID,
  MAX_WINDOW,
  parseAck,
  parseChunk,
  parseDone,
  parseEnd,
  parseReport,
  parseStart,
} from "./_wire.ts";

/** Options for {@linkcode BlobChannel}. */
export interface BlobChannelOptions {
  /**
   * Largest window an incoming transfer may announce; above it the
   * transfer is cancelled with `BLOB_LIMIT_EXCEEDED`. Bounds memory:
   * an incoming transfer buffers at most `window × chunkBytes`.
   *
   * @default {64}
   */
  maxWindow?: number;
  /**
   * Largest chunk size an incoming transfer may announce, in bytes.
   *
   * @default {1048576} (1 MiB)
   */
  maxChunkBytes?: number;
  /**
   * Most incoming transfers at once; the next is cancelled with
   * `TOO_MANY_TRANSFERS`.
   *
   * @default {64}
   */
  maxIncoming?: number;
  /**
   * Most refused or finished incoming transfers the peer may leave
   * pending: ids refused (or cancelled) before their BlobEnd whose BlobEnd
   * or BlobAbort has not come, plus acks, BlobDone and BlobCancel frames
   * waiting for a send queue the peer does not read. A BlobStart that
   * arrives with the backlog at this limit is a protocol error
   * (`BLOB_BACKLOG_EXCEEDED`, thrown by `handleFrame`): each such frame
   * costs memory, and a peer that floods refused starts would otherwise
   * grow it without bound.
   *
   * @default {maxIncoming + 1024}
   */
  maxBacklog?: number;
  /**
   * Receives transfers the peer starts unasked. Without it they are
   * cancelled with `BLOB_REFUSED` (transfers announced with
   * {@linkcode BlobChannel.prototype.expect} are always taken).
   *
   * @default {undefined}
   */
  onBlob?: (blob: IncomingBlob) => void;
  /**
   * Receives the frames {@linkcode BlobChannel.prototype.run} reads that
   * are not blob frames. Without it such a frame ends `run()` with an
   * error.
   *
   * @default {undefined}
   */
  onFrame?: (frame: Frame) => void;
}

/** Counters of a {@linkcode BlobChannel}. */
export interface BlobChannelStats {
  /** Outgoing transfers running. */
  readonly outgoing: number;
  /** Incoming transfers running. */
  readonly incoming: number;
  /** Transfers announced with `expect` whose BlobStart has not come yet. */
  readonly expected: number;
  /**
   * Ids draining (cancelled before the peer's BlobEnd) plus acks, BlobDone
   * and BlobCancel frames waiting to be sent; see
   * {@linkcode BlobChannelOptions.maxBacklog}.
   */
  readonly backlog: number;
}

const DEFAULT_MAX_WINDOW = 64;
const DEFAULT_MAX_CHUNK_BYTES = 1024 * 1024;
const DEFAULT_MAX_INCOMING = 64;
/** Backlog allowed beyond `maxIncoming` (one waiting ack each) by default. */
const DEFAULT_EXTRA_BACKLOG = 1024;

/**
 * Moves blobs (byte arrays, streams of any length, open files) over one
 * framed connection, as chunk frames followed by an end frame that carries
 * the size and SHA-256. Several transfers share the connection without
 * mixing: every frame carries its transfer's id.
 *
 * Flow control: the sender keeps at most `window` chunks unacknowledged,
 * and the receiver acknowledges a chunk when its consumer reads it, so a
 * slow consumer slows the sender and never buffers more than the window.
 * Frames are queued on the connection only when its send queue is empty,
 * so a blob never overflows a server's `maxQueuedBytes`.
 *
 * Frames reach the channel through {@linkcode BlobChannel.prototype.handleFrame}
 * (from your own read loop or a server route) or
 * {@linkcode BlobChannel.prototype.run} (a read loop of its own).
 *
 * @example Send a picture and a stream at once, receive both
 * ```ts
 * import { BlobChannel, type IncomingBlob } from "@framewire/framewire/files";
 * import { connect, listen } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * using listener = listen({ port: 0 });
 * using a = await connect({ port: listener.addr.port });
 * using b = await listener.accept();
 *
 * const received: Promise<Uint8Array>[] = [];
 * const sender = new BlobChannel(a);
 * const receiver = new BlobChannel(b, {
 *   onBlob: (blob: IncomingBlob) => received.push(blob.bytes()),
 * });
 * const loops = [sender.run(), receiver.run()];
 *
 * const picture = new Uint8Array(586_403).map((_, i) => i % 251);
 * const endless = ReadableStream.from([new Uint8Array(1000).fill(7), new Uint8Array(24).fill(8)]);
 * const results = await Promise.all([
 *   sender.send(picture, { window: 1, meta: { name: "picture.png" } }).done,
 *   sender.send(endless).done,
 * ]);
 * assert.deepEqual(results.map((r) => r.size), [586_403, 1024]);
 * const [first, second] = await Promise.all(received);
 * assert.deepEqual(first, picture);
 * assert.equal(second.length, 1024);
 *
 * a.close();
 * b.close();
 * await Promise.allSettled(loops);
 * ```
 */
export class BlobChannel {
  #conn: FramedConn<ByteConn>;
  #intake: BlobIntake;
  #onFrame: ((frame: Frame) => void) | undefined;
  #outgoing = new Map<number, BlobSender>();
  #nextId = 1;
  #closed: TransferError | undefined;
  #senderLink = {
    push: (frame: Frame) => this.#push(frame),
    finished: (sender: BlobSender) => {
      if (this.#outgoing.get(sender.id) === sender) {
        this.#outgoing.delete(sender.id);
      }
    },
  };

  /**
   * Wraps a framed connection. The channel only sends on it; frames reach
   * the channel through `handleFrame` or `run`.
   *
   * @param conn The connection.
   * @param options Limits for incoming transfers and handlers; see
   * {@linkcode BlobChannelOptions}.
   * @throws {RangeError} If a limit is out of range.
   * @throws {TypeError} If a limit is not a number.
   */
  constructor(conn: FramedConn<ByteConn>, options: BlobChannelOptions = {}) {
    options = optionsObject(options, "Cannot create blob channel");
    this.#conn = conn;
    const maxIncoming = numberOption(
      "maxIncoming",
      options.maxIncoming,
      DEFAULT_MAX_INCOMING,
      { min: 1 },
    );
    this.#intake = new BlobIntake(
      (frame) => this.#push(frame),
      {
        maxWindow: numberOption(
          "maxWindow",
          options.maxWindow,
          DEFAULT_MAX_WINDOW,
          { min: 1, max: MAX_WINDOW },
        ),
        maxChunkBytes: numberOption(
          "maxChunkBytes",
          options.maxChunkBytes,
          DEFAULT_MAX_CHUNK_BYTES,
          { min: 1, max: MAX_CHUNK_BYTES },
        ),
        maxIncoming,
        maxBacklog: numberOption(
          "maxBacklog",
          options.maxBacklog,
          maxIncoming + DEFAULT_EXTRA_BACKLOG,
          { min: 1 },
        ),
      },
      options.onBlob,
    );
    this.#onFrame = options.onFrame;
  }

  /** Running transfers, by direction. */
  get stats(): BlobChannelStats {
    return {
      outgoing: this.#outgoing.size,
      incoming: this.#intake.running,
      expected: this.#intake.expected,
      backlog: this.#intake.backlog,
    };
  }

  /** Whether {@linkcode BlobChannel.prototype.close} was called. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Whether an id is taken by a running outgoing transfer.
   *
   * @param id The transfer id.
   * @returns `true` while a transfer with that id is being sent.
   */
  sending(id: number): boolean {
    return this.#outgoing.has(id);
  }

  /**
   * Whether an id is taken by an incoming transfer, running or expected.
   *
   * @param id The transfer id.
   * @returns `true` while a transfer with that id is expected or received.
   */
  receiving(id: number): boolean {
    return this.#intake.receiving(id);
  }

  /**
   * Starts sending a blob and returns at once; the transfer runs in the
   * background. Await `done` for the receiver's confirmation.
   *
   * @param source Bytes, a stream, or a reader such as an open file (not
   * closed by the channel).
   * @param options Id, chunk size, window, size, resume offset, metadata,
   * progress callback and abort signal; see {@linkcode BlobSendOptions}.
   * @returns The transfer's handle.
   * @throws {TransferError} `BLOB_ID_IN_USE` if the id is taken,
   * `CONNECTION_LOST` if the channel is closed.
   * @throws {RangeError} If an option is out of range.
   */
  send(source: BlobSource, options: BlobSendOptions = {}): OutgoingBlob {
    if (this.#closed !== undefined) throw this.#closed;
    options = optionsObject(options, "Cannot send blob");
    const chunkBytes = numberOption(
      "chunkBytes",
      options.chunkBytes,
      DEFAULT_BLOB_CHUNK_BYTES,
      { min: 1, max: MAX_CHUNK_BYTES },
    );
    const window = numberOption(
      "window",
      options.window,
      DEFAULT_BLOB_WINDOW,
      { min: 1, max: MAX_WINDOW },
    );
    const offset = numberOption("offset", options.offset, 0);
    const size = optionalNumberOption("size", options.size) ??
      (source instanceof Uint8Array ? source.length : null);
    if (source instanceof Uint8Array && size !== source.length) {
      throw new RangeError(
        `Cannot send blob: size ${size} differs from the array's ${source.length} bytes`,
      );
    }
    if (size !== null && offset > size) {
      throw new RangeError(
        `Cannot send blob: offset ${offset} is beyond size ${size}`,
      );
    }
    if (
      !(source instanceof Uint8Array) && !(source instanceof ReadableStream) &&
      typeof (source as { read?: unknown })?.read !== "function"
    ) {
      throw new TypeError(
        "Cannot send blob: expected a Uint8Array, a ReadableStream or a reader",
      );
    }
    const id = options.id === undefined
      ? this.#freeId()
      : checkNumber("id", options.id, { max: MAX_TRANSFER_ID });
    if (this.#outgoing.has(id)) {
      throw new TransferError(
        TransferErrorCode.IdInUse,
        `Cannot send blob ${id}: the id is in use`,
        { transferId: id },
      );
    }
    const sender = new BlobSender(this.#senderLink, id, source, {
      chunkBytes,
      window,
      size,
      offset,
      meta: options.meta ?? {},
      onProgress: options.onProgress,
      signal: options.signal,
    });
    this.#outgoing.set(id, sender);
    sender.start();
    return sender;
  }

  /**
   * Announces that the peer will send the transfer `id` (because you asked
   * for it), so it is taken even without `onBlob`, with these options.
   *
   * @param id The id the peer will use.
   * @param options How to receive it; see {@linkcode ReceiveBlobOptions}.
   * @returns The transfer, once its BlobStart arrives.
   * @throws {TransferError} `BLOB_ID_IN_USE` if the id is already expected
   * or running, `CONNECTION_LOST` if the channel closes first, or the
   * cancel code if its BlobStart breaks a limit.
   *
   * @example Resume: receive only what is missing, verify the whole
   * ```ts
   * import { BlobChannel } from "@framewire/framewire/files";
   * import { connect, listen } from "@framewire/framewire";
   * import assert from "node:assert/strict";
   *
   * using listener = listen({ port: 0 });
   * using a = await connect({ port: listener.addr.port });
   * using b = await listener.accept();
   * const sender = new BlobChannel(a);
   * const receiver = new BlobChannel(b);
   * const loops = [sender.run(), receiver.run()];
   *
   * const data = new Uint8Array(10_000).map((_, i) => i % 256);
   * const have = data.subarray(0, 4_000); // kept from an interrupted transfer
   * const expected = receiver.expect(7, { prefix: have });
   * const sent = sender.send(data, { id: 7, offset: have.length });
   * const blob = await expected;
   * assert.deepEqual(await blob.bytes(), data.subarray(4_000)); // only the rest
   * assert.equal((await blob.done).sha256, (await sent.done).sha256); // of all 10,000
   *
   * a.close();
   * b.close();
   * await Promise.allSettled(loops);
   * ```
   */
  expect(id: number, options: ReceiveBlobOptions = {}): Promise<IncomingBlob> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    return this.#intake.expect(id, options);
  }

  /**
   * Handles a frame if it is a blob frame (types 6–12).
   *
   * @param frame A frame read from the connection.
   * @returns Whether it was a blob frame.
   * @throws {TransferError} For a frame that breaks the protocol beyond one
   * transfer (unparsable, unknown id, an id started twice); close the
   * connection then, the byte stream cannot be trusted; and
   * `BLOB_BACKLOG_EXCEEDED` for a BlobStart that finds the backlog full
   * (see {@linkcode BlobChannelOptions.maxBacklog}): close the connection
   * too. Violations that concern one transfer cancel it instead.
   */
  handleFrame(frame: Frame): boolean {
    switch (frame.type) {
      // Frames about incoming transfers.
      case FilesFrameType.BlobStart:
        this.#intake.onStart(parseStart(frame.payload));
        return true;
      case FilesFrameType.BlobChunk:
        this.#intake.onChunk(parseChunk(frame.payload));
        return true;
      case FilesFrameType.BlobEnd:
        this.#intake.onEnd(parseEnd(frame.payload));
        return true;
      case FilesFrameType.BlobAbort:
        this.#intake.onAbort(parseReport(frame.payload, "BlobAbort"));
        return true;
      // Frames about our outgoing transfers: ones for an id we no longer
      // run are late (the transfer already settled) and harmless.
      case FilesFrameType.BlobAck: {
        const ack = parseAck(frame.payload);
        this.#outgoing.get(ack.id)?.onAck(ack.bytes);
        return true;
      }
      case FilesFrameType.BlobDone:
        this.#outgoing.get(parseDone(frame.payload))?.onDone();
        return true;
      case FilesFrameType.BlobCancel: {
        const report = parseReport(frame.payload, "BlobCancel");
        this.#outgoing.get(report.id)?.onCancel(report.code, report.message);
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * Reads frames from the connection and handles them until it ends; the
   * channel is closed then. Use it when nothing else reads the connection.
   *
   * @returns Resolves at the end of the stream.
   * @throws {TransferError} For a frame that breaks the protocol, or a
   * frame that is not a blob frame when no `onFrame` is given.
   */
  async run(): Promise<void> {
    try {
      for await (const frame of this.#conn) {
        if (this.handleFrame(frame)) continue;
        if (this.#onFrame === undefined) {
          throw new TransferError(
            TransferErrorCode.Malformed,
            `Cannot handle frame: type ${frame.type} is not a blob frame`,
          );
        }
        this.#onFrame(frame);
      }
      this.close();
    } catch (error) {
      this.close(error);
      throw error;
    }
  }

  /**
   * Fails every running and expected transfer with `CONNECTION_LOST` (the
   * connection is not closed: it belongs to the caller). Call it when the
   * connection ends. Calling it again does nothing.
   *
   * @param cause Why, kept as the errors' cause.
   */
  close(cause?: unknown): void {
    if (this.#closed !== undefined) return;
    const error = new TransferError(
      TransferErrorCode.ConnectionLost,
      "Cannot finish transfer: the connection ended",
      { cause },
    );
    this.#closed = error;
    for (const sender of [...this.#outgoing.values()]) sender.lose(error);
    this.#outgoing.clear();
    this.#intake.close(error);
  }

  /**
   * Queues a frame only into an empty send queue. A frame is always
   * accepted into an empty queue, so a transfer can never trip a server's
   * slow-reader limit (`maxQueuedBytes`), whatever that limit is; and
   * transfers sharing the connection take turns frame by frame. A function
   * is called only when its frame is handed to the connection, so a frame
   * that waited (an ack) can carry what is true by then.
   */
  async #push(frame: Frame | (() => Frame)): Promise<void> {
    const conn = this.#conn;
    try {
      while (conn.queuedBytes > 0) await conn.flush();
      await conn.send(typeof frame === "function" ? frame() : frame);
    } catch (error) {
      throw new TransferError(
        TransferErrorCode.ConnectionLost,
        `Cannot send frame: ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
  }

  #freeId(): number {
    for (;;) {
      const id = this.#nextId;
      this.#nextId = id >= MAX_TRANSFER_ID ? 1 : id + 1;
      if (!this.#outgoing.has(id)) return id;
    }
  }
}
