// Copyright 2026 the framewire authors. MIT license.
// The sending state machine of one transfer: BlobStart, then chunks while
// the window has room, then BlobEnd, then wait for BlobDone or BlobCancel.
import type { Frame } from "../codec/frame.ts";
import { Queue } from "../internal/queue.ts";
import { TransferError, TransferErrorCode } from "./errors.ts";
import { FilesFrameType } from "./frame_types.ts";
import type {
  BlobSendResult,
  BlobSource,
  OutgoingBlob,
  TransferProgress,
} from "./outgoing_blob.ts";
import { Sha256, toHex } from "./_sha256.ts";
import {
  CHUNK_HEADER_BYTES,
  encodeEnd,
  encodeReport,
  encodeStart,
  writeChunkHeader,
} from "./_wire.ts";

/** What a sender needs from its channel. */
export interface SenderLink {
  /** Queues a frame without overflowing the connection's queue. */
  push(frame: Frame): Promise<void>;
  /** The transfer settled: forget its id. */
  finished(sender: BlobSender): void;
}

/** Options after defaults and validation. */
export interface ResolvedSendOptions {
  chunkBytes: number;
  window: number;
  size: number | null;
  offset: number;
  meta: Record<string, unknown>;
  onProgress: ((progress: TransferProgress) => void) | undefined;
  signal: AbortSignal | undefined;
}

type State = "running" | "ended" | "settled";

export class BlobSender implements OutgoingBlob {
  readonly id: number;
  readonly done: Promise<BlobSendResult>;
  /** Resolves once BlobStart is written (or the transfer failed first). */
  readonly started: Promise<void>;

  #link: SenderLink;
  #source: BlobSource;
  #options: ResolvedSendOptions;
  #state: State = "running";
  #failure: TransferError | undefined;
  /** Set when the connection is gone: no BlobAbort is attempted then. */
  #silent = false;
  /** BlobStart was queued: from then on a failure must be announced. */
  #startSent = false;
  #bytesSent = 0;
  #bytesAcked: number;
  #chunkEnds = new Queue<number>();
  #wake: (() => void) | undefined;
  #cancelSource: (() => void) | undefined;
  #resolveStarted!: () => void;
  #resolveDone!: (result: BlobSendResult) => void;
  #rejectDone!: (error: TransferError) => void;
  #result: BlobSendResult | undefined;
  #onAbort = () => this.abort("Aborted by the sender's signal");

  constructor(
    link: SenderLink,
    id: number,
    source: BlobSource,
    options: ResolvedSendOptions,
  ) {
    this.#link = link;
    this.id = id;
    this.#source = source;
    this.#options = options;
    this.#bytesAcked = options.offset;
    this.#bytesSent = options.offset;
    this.started = new Promise((resolve) => this.#resolveStarted = resolve);
    this.done = new Promise((resolve, reject) => {
      this.#resolveDone = resolve;
      this.#rejectDone = reject;
    });
    // The caller may never look at `done` (fire and forget); its failure
    // must not become an unhandled rejection. Awaiting it still throws.
    this.done.catch(() => {});
  }

  get bytesSent(): number {
    return this.#bytesSent;
  }

  get bytesAcked(): number {
    return this.#bytesAcked;
  }

  /** Runs the transfer; called once by the channel. */
  start(): void {
    const signal = this.#options.signal;
    if (signal?.aborted) {
      this.#fail(
        new TransferError(
          TransferErrorCode.Aborted,
          "Cannot send blob: the signal was already aborted",
          {
            transferId: this.id,
          },
        ),
      );
    } else {
      signal?.addEventListener("abort", this.#onAbort, { once: true });
    }
    void this.#run();
  }

  abort(message = "Aborted by the sender"): void {
    this.#fail(
      new TransferError(TransferErrorCode.Aborted, message, {
        transferId: this.id,
      }),
    );
  }

  /** BlobAck: the receiver consumed the resource up to `bytes`. */
  onAck(bytes: number): void {
    if (this.#state === "settled") return;
    // An ack beyond what was sent is the receiver's bug; it must not widen
    // the window past the data actually in flight.
    const acked = Math.min(bytes, this.#bytesSent);
    if (acked <= this.#bytesAcked) return;
    this.#bytesAcked = acked;
    this.#report();
    this.#wakeUp();
  }

  /** BlobDone: verified and kept. */
  onDone(): void {
    if (this.#state !== "ended" || this.#result === undefined) return;
    this.#settle(undefined);
  }

  /** BlobCancel from the receiver. */
  onCancel(code: string, message: string): void {
    this.#fail(
      new TransferError(
        code,
        `Receiver cancelled blob ${this.id}: ${message}`,
        {
          transferId: this.id,
          remote: true,
        },
      ),
    );
  }

  /** The connection is gone: fail without sending anything. */
  lose(error: TransferError): void {
    this.#fail(error, false);
  }

  /**
   * Records a failure. While chunks are still being sent, the run loop
   * notices it, tells the receiver (BlobAbort) and settles; after BlobEnd
   * nothing is left to say, so it settles at once.
   */
  #fail(error: TransferError, notify = true): void {
    if (this.#state === "settled" || this.#failure !== undefined) return;
    this.#failure = error;
    if (!notify) this.#silent = true;
    this.#cancelSource?.();
    this.#wakeUp();
    if (this.#state === "ended") this.#settle(error);
  }

  async #run(): Promise<void> {
    const { chunkBytes, offset, size } = this.#options;
    const reader = this.#openSource();
    let pendingWrite: Promise<void> | undefined;
    try {
      // Aborted before anything was sent: nothing to tell the receiver.
      this.#throwIfFailed();
      this.#startSent = true;
      await this.#link.push(
        encodeStart({
          id: this.id,
          size,
          offset,
          chunkBytes,
          window: this.#options.window,
          meta: this.#options.meta,
        }),
      );
      this.#resolveStarted();
      const hasher = new Sha256();
      // Two buffers: one is read into while the other is being written.
      // Each has the chunk header's room in front, so the data is read
      // straight into the frame payload.
      const buffers = [
        new Uint8Array(CHUNK_HEADER_BYTES + chunkBytes),
        new Uint8Array(CHUNK_HEADER_BYTES + chunkBytes),
      ];
      let position = 0;
      for (let k = 0;;) {
        this.#throwIfFailed();
        const buffer = buffers[k & 1];
        // Never read across the resume offset: the prefix is hashed only.
        const limit = position < offset
          ? Math.min(chunkBytes, offset - position)
          : chunkBytes;
        const count = await reader(
          buffer.subarray(CHUNK_HEADER_BYTES, CHUNK_HEADER_BYTES + limit),
        );
        this.#throwIfFailed();
        if (count === null) break;
        if (count === 0) continue;
        const data = buffer.subarray(
          CHUNK_HEADER_BYTES,
          CHUNK_HEADER_BYTES + count,
        );
        hasher.update(data);
        const start = position;
        position += count;
        if (size !== null && position > size) {
          throw new TransferError(
            TransferErrorCode.SizeMismatch,
            `Cannot send blob ${this.id}: the source has more than the announced ${size} bytes`,
            { transferId: this.id },
          );
        }
        if (position <= offset) continue;
        // The other buffer's frame must be written before that buffer is
        // read into again (next iteration); wait for it here.
        if (pendingWrite !== undefined) await pendingWrite;
        await this.#windowRoom();
        writeChunkHeader(buffer, this.id, start);
        pendingWrite = this.#link.push({
          type: FilesFrameType.BlobChunk,
          payload: buffer.subarray(0, CHUNK_HEADER_BYTES + count),
        });
        pendingWrite.catch(() => {});
        this.#chunkEnds.push(position);
        this.#bytesSent = position;
        k++;
      }
      if (pendingWrite !== undefined) await pendingWrite;
      if (position < offset || (size !== null && position !== size)) {
        throw new TransferError(
          TransferErrorCode.SizeMismatch,
          `Cannot send blob ${this.id}: the source ended after ${position} bytes, expected ${
            size ?? offset
          }`,
          { transferId: this.id },
        );
      }
      const sha256 = hasher.digest();
      this.#result = { id: this.id, size: position, sha256: toHex(sha256) };
      this.#throwIfFailed();
      this.#state = "ended";
      await this.#link.push(encodeEnd(this.id, position, sha256));
    } catch (error) {
      const failure = this.#failure ?? asTransferError(error, this.id);
      this.#failure = failure;
      // Stop a stream's producer, whatever ended the transfer.
      this.#cancelSource?.();
      if (!this.#silent && this.#startSent && this.#state === "running") {
        const code = failure.remote
          ? TransferErrorCode.Cancelled
          : failure.code;
        // Closes the id on the receiver's side; nothing to do if it fails.
        this.#link.push(
          encodeReport(
            FilesFrameType.BlobAbort,
            this.id,
            code,
            failure.message,
          ),
        ).catch(() => {});
      }
      this.#settle(failure);
    } finally {
      this.#resolveStarted();
    }
  }

  /** A read function over the source: fills (part of) a buffer. */
  #openSource(): (buffer: Uint8Array) => Promise<number | null> {
    const source = this.#source;
    if (source instanceof Uint8Array) {
      let at = 0;
      return (buffer) => {
        if (at >= source.length) return Promise.resolve(null);
        const count = Math.min(buffer.length, source.length - at);
        buffer.set(source.subarray(at, at + count));
        at += count;
        return Promise.resolve(count);
      };
    }
    if (source instanceof ReadableStream) {
      const reader = source.getReader();
      let piece: Uint8Array | undefined;
      let finished = false;
      this.#cancelSource = () => {
        if (!finished) reader.cancel().catch(() => {});
      };
      return async (buffer) => {
        while (piece === undefined || piece.length === 0) {
          const next = await reader.read();
          if (next.done) {
            finished = true;
            reader.releaseLock();
            return null;
          }
          piece = next.value;
        }
        const count = Math.min(buffer.length, piece.length);
        buffer.set(piece.subarray(0, count));
        piece = piece.subarray(count);
        return count;
      };
    }
    return (buffer) => source.read(buffer);
  }

  async #windowRoom(): Promise<void> {
    const window = this.#options.window;
    for (;;) {
      this.#throwIfFailed();
      while (
        this.#chunkEnds.length > 0 &&
        this.#chunkEnds.peek()! <= this.#bytesAcked
      ) {
        this.#chunkEnds.shift();
      }
      if (this.#chunkEnds.length < window) return;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #report(): void {
    const onProgress = this.#options.onProgress;
    if (onProgress === undefined) return;
    try {
      onProgress({
        id: this.id,
        bytesDone: this.#bytesAcked,
        bytesTotal: this.#options.size ?? undefined,
      });
    } catch {
      // Progress is advisory: a failing callback must not fail the transfer.
    }
  }

  #settle(error: TransferError | undefined): void {
    if (this.#state === "settled") return;
    this.#state = "settled";
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    this.#resolveStarted();
    this.#link.finished(this);
    if (error === undefined) this.#resolveDone(this.#result!);
    else this.#rejectDone(error);
  }
}

function asTransferError(error: unknown, id: number): TransferError {
  if (error instanceof TransferError) return error;
  return new TransferError(
    TransferErrorCode.Aborted,
    `Cannot send blob ${id}: the source failed: ${
      error instanceof Error ? error.message : String(error)
    }`,
    { transferId: id, cause: error },
  );
}
