// Copyright 2026 the framewire authors. MIT license.
// The incoming side of a BlobChannel: transfers the peer sends, those we
// expect (asked for) and those it starts unasked, the limits a BlobStart
// must respect, and the backlog of refused or finished transfers the peer
// leaves pending (ids draining until their BlobEnd, control frames waiting
// for a send queue the peer does not read).
import type { Frame } from "../codec/frame.ts";
import { TransferError, TransferErrorCode } from "./errors.ts";
import type { IncomingBlob, ReceiveBlobOptions } from "./incoming_blob.ts";
import { BlobReceiver, type ReceiverLink } from "./_blob_receiver.ts";
import type { ChunkInfo, EndInfo, ReportInfo, StartInfo } from "./_wire.ts";

/** Limits on what the peer may send; see BlobChannelOptions. */
export interface IntakeLimits {
  readonly maxWindow: number;
  readonly maxChunkBytes: number;
  readonly maxIncoming: number;
  readonly maxBacklog: number;
}

interface Expectation {
  options: ReceiveBlobOptions;
  resolve: (blob: IncomingBlob) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

/** Incoming transfers of one channel. */
export class BlobIntake {
  #limits: IntakeLimits;
  #onBlob: ((blob: IncomingBlob) => void) | undefined;
  #incoming = new Map<number, BlobReceiver>();
  #expected = new Map<number, Expectation>();
  /** Ids we cancelled whose sender may still send; dropped until its end. */
  #draining = new Set<number>();
  /** Frames of incoming transfers (acks, BlobDone, BlobCancel) not sent yet. */
  #controlWaiting = 0;
  #closed = false;
  #link: ReceiverLink;

  /**
   * @param push Queues a frame on the channel's connection.
   * @param limits What a BlobStart may announce.
   * @param onBlob Takes transfers started unasked; without it they are
   * refused.
   */
  constructor(
    push: (frame: Frame | (() => Frame)) => Promise<void>,
    limits: IntakeLimits,
    onBlob: ((blob: IncomingBlob) => void) | undefined,
  ) {
    this.#limits = limits;
    this.#onBlob = onBlob;
    // Receivers' frames answer the peer, who controls how many: counted.
    this.#link = {
      push: async (frame) => {
        this.#controlWaiting++;
        try {
          await push(frame);
        } finally {
          this.#controlWaiting--;
        }
      },
      finished: (receiver, drain) => {
        if (this.#incoming.get(receiver.id) !== receiver) return;
        this.#incoming.delete(receiver.id);
        if (drain && !this.#closed) this.#draining.add(receiver.id);
      },
    };
  }

  /** Incoming transfers running. */
  get running(): number {
    return this.#incoming.size;
  }

  /** Transfers expected whose BlobStart has not come. */
  get expected(): number {
    return this.#expected.size;
  }

  /** Ids draining plus control frames waiting to be sent. */
  get backlog(): number {
    return this.#controlWaiting + this.#draining.size;
  }

  /** Whether an id is expected, running or draining. */
  receiving(id: number): boolean {
    return this.#incoming.has(id) || this.#expected.has(id) ||
      this.#draining.has(id);
  }

  /** Waits for the BlobStart of `id`; see BlobChannel.expect. */
  expect(id: number, options: ReceiveBlobOptions): Promise<IncomingBlob> {
    if (this.receiving(id)) {
      return Promise.reject(
        new TransferError(
          TransferErrorCode.IdInUse,
          `Cannot expect blob ${id}: the id is in use`,
          { transferId: id },
        ),
      );
    }
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<IncomingBlob>((resolve, reject) => {
      const onAbort = () => {
        if (this.#expected.get(id) === expectation) this.#expected.delete(id);
        reject(signal!.reason);
      };
      const expectation: Expectation = {
        options,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#expected.set(id, expectation);
    });
  }

  /** A BlobStart: taken, or refused with a BlobCancel. */
  onStart(start: StartInfo): void {
    const id = start.id;
    if (this.#incoming.has(id) || this.#draining.has(id)) {
      throw new TransferError(
        TransferErrorCode.IdInUse,
        `Cannot receive blob ${id}: a transfer with this id is running`,
        { transferId: id },
      );
    }
    // Checked for every start, not only refused ones: alternating
    // BlobStart and BlobAbort keeps the draining set empty while the
    // BlobCancels pile up, and quick transfers pile up BlobDone frames.
    const maxBacklog = this.#limits.maxBacklog;
    if (this.backlog >= maxBacklog) {
      throw new TransferError(
        TransferErrorCode.BacklogExceeded,
        `Cannot receive blob ${id}: the peer left ${this.backlog} refused or finished transfers pending (limit ${maxBacklog})`,
        { transferId: id },
      );
    }
    const expectation = this.#expected.get(id);
    if (expectation !== undefined) {
      this.#expected.delete(id);
      expectation.cleanup();
    }
    const options = expectation?.options ?? {};
    const receiver = new BlobReceiver(this.#link, start, options);
    const refusal = this.#refusal(start, expectation !== undefined) ??
      receiver.check(options.maxBytes ?? Infinity);
    this.#incoming.set(id, receiver);
    if (refusal !== undefined) {
      receiver.fail(refusal, true);
      expectation?.reject(refusal);
      return;
    }
    if (expectation !== undefined) {
      expectation.resolve(receiver);
    } else {
      this.#onBlob!(receiver);
    }
  }

  /** A BlobChunk; a fault cancels its transfer only. */
  onChunk(chunk: ChunkInfo): void {
    const receiver = this.#receiverFor(chunk.id, "BlobChunk");
    if (receiver === undefined) return;
    try {
      receiver.onChunk(chunk.offset, chunk.data);
    } catch (error) {
      receiver.fail(error as TransferError, true);
    }
  }

  /** A BlobEnd; a fault cancels its transfer only. */
  onEnd(end: EndInfo): void {
    if (this.#draining.delete(end.id)) return;
    const receiver = this.#receiverFor(end.id, "BlobEnd");
    if (receiver === undefined) return;
    try {
      receiver.onEnd(end);
    } catch (error) {
      receiver.fail(error as TransferError, true);
    }
  }

  /** A BlobAbort. */
  onAbort(report: ReportInfo): void {
    if (this.#draining.delete(report.id)) return;
    // An abort for an id we do not know is late news: nothing to undo.
    this.#incoming.get(report.id)?.onAbort(report.code, report.message);
  }

  /** Fails every running and expected transfer with `error`. */
  close(error: TransferError): void {
    this.#closed = true;
    for (const receiver of [...this.#incoming.values()]) {
      receiver.fail(error, false);
    }
    for (const expectation of [...this.#expected.values()]) {
      expectation.cleanup();
      expectation.reject(error);
    }
    this.#incoming.clear();
    this.#expected.clear();
    this.#draining.clear();
  }

  #refusal(start: StartInfo, expected: boolean): TransferError | undefined {
    const id = start.id;
    const { maxIncoming, maxWindow, maxChunkBytes } = this.#limits;
    if (!expected && this.#onBlob === undefined) {
      return new TransferError(
        TransferErrorCode.Refused,
        `Cannot receive blob ${id}: this side takes no unsolicited transfers`,
        { transferId: id },
      );
    }
    if (this.#incoming.size >= maxIncoming) {
      return new TransferError(
        TransferErrorCode.TooManyTransfers,
        `Cannot receive blob ${id}: ${maxIncoming} transfers are running`,
        { transferId: id },
      );
    }
    if (start.window > maxWindow || start.chunkBytes > maxChunkBytes) {
      return new TransferError(
        TransferErrorCode.LimitExceeded,
        `Cannot receive blob ${id}: window ${start.window} x ${start.chunkBytes} bytes is above the limits (${maxWindow} x ${maxChunkBytes})`,
        { transferId: id },
      );
    }
    return undefined;
  }

  #receiverFor(id: number, name: string): BlobReceiver | undefined {
    const receiver = this.#incoming.get(id);
    if (receiver !== undefined || this.#draining.has(id)) return receiver;
    throw new TransferError(
      TransferErrorCode.UnknownId,
      `Cannot handle ${name}: no transfer ${id} was started`,
      { transferId: id },
    );
  }
}
