// Copyright 2026 the framewire authors. MIT license.
// The receiving state machine of one transfer. Chunks wait in a queue of at
// most `window` entries until the consumer reads them; each read sends an
// ack, which is what lets the sender go on, so memory stays bounded by the
// window whatever the blob's size. The digest is computed as the consumer
// reads, and checked before the stream is allowed to close.
import type { Frame } from "../codec/frame.ts";
import { Queue } from "../internal/queue.ts";
import { TransferError, TransferErrorCode } from "./errors.ts";
import { FilesFrameType } from "./frame_types.ts";
import type {
  BlobReceiveResult,
  IncomingBlob,
  IncomingBlobStats,
  ReceiveBlobOptions,
} from "./incoming_blob.ts";
import { equalBytes, Sha256, toHex } from "./_sha256.ts";
import {
  encodeAck,
  encodeDone,
  encodeReport,
  type EndInfo,
  type StartInfo,
} from "./_wire.ts";

/** What a receiver needs from its channel. */
export interface ReceiverLink {
  /**
   * Queues a frame without overflowing the connection's queue; a function
   * is called for the frame when it is queued.
   */
  push(frame: Frame | (() => Frame)): Promise<void>;
  /**
   * The transfer settled. `drain`: the sender may still send chunks for
   * this id (we cancelled before its BlobEnd); drop them until its BlobEnd
   * or BlobAbort.
   */
  finished(receiver: BlobReceiver, drain: boolean): void;
}

type State =
  | "receiving" // chunks may still come
  | "ended" // BlobEnd received, consumer still reading
  | "verified" // read to the end and verified, waiting for confirm()
  | "settled";

export class BlobReceiver implements IncomingBlob {
  readonly id: number;
  readonly size: number | undefined;
  readonly offset: number;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly window: number;
  readonly chunkBytes: number;
  readonly stream: ReadableStream<Uint8Array>;
  readonly done: Promise<BlobReceiveResult>;

  #link: ReceiverLink;
  #options: ReceiveBlobOptions;
  #state: State = "receiving";
  #failure: TransferError | undefined;
  #queue = new Queue<Uint8Array>();
  #queuedBytes = 0;
  /** Resource offset the next chunk must start at. */
  #received: number;
  /** Resource offset the consumer has read up to. */
  #consumed: number;
  #end: EndInfo | undefined;
  #hasher = new Sha256();
  /** An ack waits for the connection's queue; it will carry `#consumed`. */
  #ackWaiting = false;
  #prefixHashed: boolean;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #wake: (() => void) | undefined;
  #result: BlobReceiveResult | undefined;
  #resolveDone!: (result: BlobReceiveResult) => void;
  #rejectDone!: (error: TransferError) => void;
  #stats = {
    bytesReceived: 0,
    chunksReceived: 0,
    peakBufferedChunks: 0,
    peakBufferedBytes: 0,
  };

  constructor(
    link: ReceiverLink,
    start: StartInfo,
    options: ReceiveBlobOptions,
  ) {
    this.#link = link;
    this.#options = options;
    this.id = start.id;
    this.size = start.size ?? undefined;
    this.offset = start.offset;
    this.meta = start.meta;
    this.window = start.window;
    this.chunkBytes = start.chunkBytes;
    this.#received = start.offset;
    this.#consumed = start.offset;
    this.#prefixHashed = start.offset === 0;
    this.done = new Promise((resolve, reject) => {
      this.#resolveDone = resolve;
      this.#rejectDone = reject;
    });
    this.done.catch(() => {});
    // highWaterMark 0: nothing is pulled ahead of a read, so the only
    // buffer is our queue, and a chunk is acknowledged when it is read.
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => this.#pull(),
      cancel: (reason) => {
        this.cancel(
          TransferErrorCode.Cancelled,
          reason instanceof Error
            ? reason.message
            : "Cancelled by the receiver",
        );
      },
    }, { highWaterMark: 0 });
  }

  get stats(): IncomingBlobStats {
    return {
      ...this.#stats,
      bufferedChunks: this.#queue.length,
      bufferedBytes: this.#queuedBytes,
    };
  }

  /** Checks made when the transfer opens; a failure cancels it. */
  check(maxBytes: number): TransferError | undefined {
    if (this.offset > 0 && this.#options.prefix === undefined) {
      return this.#error(
        TransferErrorCode.OffsetMismatch,
        `Cannot receive blob ${this.id}: it resumes at byte ${this.offset} but no prefix was given`,
      );
    }
    if (this.size !== undefined && this.size > maxBytes) {
      return this.#error(
        TransferErrorCode.LimitExceeded,
        `Cannot receive blob ${this.id}: ${this.size} bytes is above the limit of ${maxBytes}`,
      );
    }
    return undefined;
  }

  async bytes(): Promise<Uint8Array> {
    const pieces: Uint8Array[] = [];
    let length = 0;
    for await (const piece of this.stream) {
      pieces.push(piece);
      length += piece.length;
    }
    if (pieces.length === 1) return pieces[0];
    const all = new Uint8Array(length);
    let at = 0;
    for (const piece of pieces) {
      all.set(piece, at);
      at += piece.length;
    }
    return all;
  }

  cancel(
    code: string = TransferErrorCode.Cancelled,
    message = "Cancelled by the receiver",
  ): void {
    this.fail(new TransferError(code, message, { transferId: this.id }), true);
  }

  confirm(): void {
    if (this.#state === "settled") return;
    if (this.#state !== "verified") {
      throw new TypeError(
        `Cannot confirm blob ${this.id}: it is not received and verified yet`,
      );
    }
    this.#sendDone();
  }

  /** BlobChunk. Throws a TransferError for a violation (the channel cancels). */
  onChunk(offset: number, data: Uint8Array): void {
    if (this.#state !== "receiving") {
      if (this.#state === "settled") return;
      throw this.#error(
        TransferErrorCode.SizeMismatch,
        `Cannot receive blob ${this.id}: a chunk came after BlobEnd`,
      );
    }
    if (offset !== this.#received) {
      throw this.#error(
        TransferErrorCode.OffsetMismatch,
        `Cannot receive blob ${this.id}: chunk at byte ${offset}, expected ${this.#received}`,
      );
    }
    if (data.length > this.chunkBytes) {
      throw this.#error(
        TransferErrorCode.ChunkTooLarge,
        `Cannot receive blob ${this.id}: chunk of ${data.length} bytes, announced at most ${this.chunkBytes}`,
      );
    }
    const end = offset + data.length;
    if (this.size !== undefined && end > this.size) {
      throw this.#error(
        TransferErrorCode.SizeMismatch,
        `Cannot receive blob ${this.id}: more than the announced ${this.size} bytes`,
      );
    }
    const maxBytes = this.#options.maxBytes ?? Infinity;
    if (end > maxBytes) {
      throw this.#error(
        TransferErrorCode.LimitExceeded,
        `Cannot receive blob ${this.id}: more than the limit of ${maxBytes} bytes`,
      );
    }
    if (this.#queue.length >= this.window) {
      throw this.#error(
        TransferErrorCode.WindowExceeded,
        `Cannot receive blob ${this.id}: more than ${this.window} chunks unacknowledged`,
      );
    }
    this.#received = end;
    this.#queue.push(data);
    this.#queuedBytes += data.length;
    const stats = this.#stats;
    stats.bytesReceived += data.length;
    stats.chunksReceived++;
    if (this.#queue.length > stats.peakBufferedChunks) {
      stats.peakBufferedChunks = this.#queue.length;
    }
    if (this.#queuedBytes > stats.peakBufferedBytes) {
      stats.peakBufferedBytes = this.#queuedBytes;
    }
    this.#wakeUp();
  }

  /** BlobEnd. Throws a TransferError for a violation (the channel cancels). */
  onEnd(end: EndInfo): void {
    if (this.#state !== "receiving") {
      if (this.#state === "settled") return;
      throw this.#error(
        TransferErrorCode.Malformed,
        `Cannot receive blob ${this.id}: a second BlobEnd`,
      );
    }
    this.#state = "ended";
    if (end.size !== this.#received) {
      throw this.#error(
        TransferErrorCode.SizeMismatch,
        `Cannot receive blob ${this.id}: BlobEnd says ${end.size} bytes, received ${this.#received}`,
      );
    }
    if (this.size !== undefined && end.size !== this.size) {
      throw this.#error(
        TransferErrorCode.SizeMismatch,
        `Cannot receive blob ${this.id}: BlobEnd says ${end.size} bytes, BlobStart said ${this.size}`,
      );
    }
    this.#end = end;
    this.#wakeUp();
  }

  /** BlobAbort from the sender. */
  onAbort(code: string, message: string): void {
    this.fail(
      new TransferError(code, `Sender aborted blob ${this.id}: ${message}`, {
        transferId: this.id,
        remote: true,
      }),
      false,
    );
  }

  /**
   * Fails the transfer: the stream errors, `done` rejects, and with
   * `notify` the sender gets a BlobCancel with the error's code.
   */
  fail(error: TransferError, notify: boolean): void {
    if (this.#state === "settled") return;
    const drain = notify && this.#state === "receiving";
    this.#state = "settled";
    this.#failure = error;
    this.#queue = new Queue();
    this.#queuedBytes = 0;
    try {
      this.#controller.error(error);
    } catch {
      // Already closed or errored.
    }
    this.#wakeUp();
    if (notify) {
      this.#link.push(
        encodeReport(
          FilesFrameType.BlobCancel,
          this.id,
          String(error.code),
          error.message,
        ),
      ).catch(() => {});
    }
    this.#link.finished(this, drain);
    this.#rejectDone(error);
  }

  async #pull(): Promise<void> {
    const controller = this.#controller;
    if (!this.#prefixHashed) {
      this.#prefixHashed = true;
      try {
        await this.#hashPrefix();
      } catch (error) {
        this.fail(
          error instanceof TransferError ? error : this.#error(
            TransferErrorCode.OffsetMismatch,
            `Cannot receive blob ${this.id}: reading the prefix failed: ${
              String(error)
            }`,
          ),
          true,
        );
        return;
      }
    }
    for (;;) {
      if (this.#failure !== undefined || this.#state === "settled") return;
      const chunk = this.#queue.shift();
      if (chunk !== undefined) {
        this.#queuedBytes -= chunk.length;
        this.#hasher.update(chunk);
        this.#consumed += chunk.length;
        controller.enqueue(chunk);
        this.#ack();
        this.#report();
        return;
      }
      if (this.#end !== undefined && this.#state === "ended") {
        this.#verify(this.#end);
        return;
      }
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  async #hashPrefix(): Promise<void> {
    const prefix = this.#options.prefix!;
    let length = 0;
    if (prefix instanceof Uint8Array) {
      this.#hasher.update(prefix);
      length = prefix.length;
    } else {
      for await (const piece of prefix) {
        this.#hasher.update(piece);
        length += piece.length;
      }
    }
    if (length !== this.offset) {
      throw this.#error(
        TransferErrorCode.OffsetMismatch,
        `Cannot receive blob ${this.id}: the prefix has ${length} bytes, the transfer resumes at ${this.offset}`,
      );
    }
  }

  #verify(end: EndInfo): void {
    const digest = this.#hasher.digest();
    if (!equalBytes(digest, end.sha256)) {
      this.fail(
        this.#error(
          TransferErrorCode.DigestMismatch,
          `Cannot verify blob ${this.id}: SHA-256 ${
            toHex(digest)
          } of the received bytes differs from the sender's ${
            toHex(end.sha256)
          }`,
        ),
        true,
      );
      return;
    }
    this.#state = "verified";
    this.#result = { id: this.id, size: end.size, sha256: toHex(digest) };
    this.#controller.close();
    this.#resolveDone(this.#result);
    if ((this.#options.confirm ?? "consumed") === "consumed") this.#sendDone();
  }

  /**
   * Acks are cumulative: while one waits for the connection's queue to
   * empty (a peer that does not read), newer ones merge into it rather than
   * queue behind it, so such a peer costs one frame per transfer, not one
   * per chunk it sends.
   */
  #ack(): void {
    if (this.#ackWaiting) return;
    this.#ackWaiting = true;
    this.#link.push(() => {
      this.#ackWaiting = false;
      return encodeAck(this.id, this.#consumed);
    }).catch(() => {});
  }

  #sendDone(): void {
    this.#state = "settled";
    this.#link.push(encodeDone(this.id)).catch(() => {});
    this.#link.finished(this, false);
  }

  #report(): void {
    const onProgress = this.#options.onProgress;
    if (onProgress === undefined) return;
    try {
      onProgress({
        id: this.id,
        bytesDone: this.#consumed,
        bytesTotal: this.size,
      });
    } catch {
      // Progress is advisory: a failing callback must not fail the transfer.
    }
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #error(code: string, message: string): TransferError {
    return new TransferError(code, message, { transferId: this.id });
  }
}
