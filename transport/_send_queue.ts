// Copyright 2026 the framewire authors. MIT license.
// The send side of FramedConn: a queue of validated frames and one writer
// loop that drains it. Concurrent sends never interleave the bytes of two
// frames, and frames queued while a write is in flight leave together,
// coalesced into writes of up to `batchBytes`; a large payload is written
// from where it lies instead of being copied.
//
// The batch buffer belongs to no connection: the writer loop borrows one from
// a pool shared by all connections while it drains and gives it back when
// the queue is empty, so an idle connection holds none. A drain whose frames
// fit in a few KiB (a Pong, a chat acknowledgement) encodes them into a
// buffer of their exact size instead.
import { checkFrame } from "../codec/check_frame.ts";
import { encodeFrameHeader } from "../codec/frame_header.ts";
import type { Frame } from "../codec/frame.ts";
import type { ResolvedFrameCodecOptions } from "../codec/options.ts";
import { borrowBuffer, returnBuffer } from "./_buffer_pool.ts";
import { ConnectionClosedError, SendQueueFullError } from "./errors.ts";
import { writeAll, type Writer } from "./write_all.ts";

interface SendJob {
  frames: readonly Frame[];
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

// Below this many bytes a plain loop beats TypedArray#set, whose call
// overhead dominates for the 16-byte payloads of chatty protocols.
const SET_THRESHOLD = 32;
// Drains of at most this many bytes get a buffer of their exact size rather
// than a pooled batch: cheaper than a pool round trip for one small reply.
const EXACT_BATCH_MAX_BYTES = 4096;

export class SendQueue {
  /** Bytes written, headers included. */
  bytesSent = 0;
  /** Frames whose last byte was written. */
  framesSent = 0;
  #writer: Writer;
  #options: ResolvedFrameCodecOptions;
  #batchBytes: number;
  // Borrowed from the pool while the writer loop drains.
  #batch: Uint8Array | undefined;
  #maxQueuedBytes: number;
  #queue: SendJob[] = [];
  #queuedBytes = 0;
  #draining = false;
  #closed = false;
  #error: unknown;

  /**
   * @param writer Where the bytes go.
   * @param options Codec options with the send limit as `maxFrameLength`.
   * @param batchBytes Size of the coalescing buffer (at least a header).
   * @param maxQueuedBytes Most bytes waiting; see `FramedConnOptions`.
   */
  constructor(
    writer: Writer,
    options: ResolvedFrameCodecOptions,
    batchBytes: number,
    maxQueuedBytes: number,
  ) {
    this.#writer = writer;
    this.#options = options;
    this.#batchBytes = Math.max(batchBytes, options.headerLength);
    this.#maxQueuedBytes = maxQueuedBytes;
  }

  /** Bytes of frames queued and not yet written. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /**
   * Validates and queues `frames`; resolves once all are written. An empty
   * list is the "everything queued so far is written" barrier.
   */
  enqueue(frames: readonly Frame[]): Promise<void> {
    if (this.#closed) return Promise.reject(new ConnectionClosedError("send"));
    if (this.#error !== undefined) {
      return Promise.reject(
        new ConnectionClosedError("send", { cause: this.#error }),
      );
    }
    let bytes = 0;
    try {
      for (let i = 0; i < frames.length; i++) {
        bytes += checkFrame(frames[i], this.#options);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    // The barrier adds nothing, so it must never be refused, not even when
    // one frame larger than the limit fills the queue.
    if (
      frames.length > 0 &&
      this.#queuedBytes > 0 &&
      this.#queuedBytes + bytes > this.#maxQueuedBytes
    ) {
      return Promise.reject(
        new SendQueueFullError(this.#queuedBytes, bytes, this.#maxQueuedBytes),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ frames, bytes, resolve, reject });
      this.#queuedBytes += bytes;
      if (!this.#draining) this.#drain();
    });
  }

  /** Refuses later sends and rejects the queued ones (not the one in flight). */
  close(): void {
    this.#closed = true;
    // No error object when nothing waits: closing ten thousand idle
    // connections should not leave ten thousand stack traces to collect.
    if (this.#queue.length > 0) this.#fail(new ConnectionClosedError("send"));
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        // Take the whole queue at once: O(1) per job, and every job queued
        // while the previous write was in flight shares the next writes.
        const jobs = this.#queue;
        this.#queue = [];
        let bytes = 0;
        for (let i = 0; i < jobs.length; i++) bytes += jobs[i].bytes;
        try {
          await this.#writeJobs(jobs, this.#batchFor(bytes));
        } catch (error) {
          this.#error = error;
          for (const job of jobs) this.#queuedBytes -= job.bytes;
          const failure = this.#closed
            ? new ConnectionClosedError("send", { cause: error })
            : error;
          for (const job of jobs) job.reject(failure);
          this.#fail(new ConnectionClosedError("send", { cause: error }));
          return;
        }
        let frames = 0;
        for (const job of jobs) {
          frames += job.frames.length;
          this.#queuedBytes -= job.bytes;
          job.resolve();
        }
        this.framesSent += frames;
      }
    } finally {
      this.#draining = false;
      // No write is in flight any more: the batch may serve another drain.
      if (this.#batch !== undefined) {
        returnBuffer(this.#batch);
        this.#batch = undefined;
      }
    }
  }

  /** A buffer for a drain of `bytes`: exact when small, else the batch. */
  #batchFor(bytes: number): Uint8Array {
    if (bytes <= EXACT_BATCH_MAX_BYTES && bytes < this.#batchBytes) {
      // At least a header, so the too-big path below still has room for one.
      return new Uint8Array(Math.max(bytes, this.#options.headerLength));
    }
    return this.#batch ??= borrowBuffer(this.#batchBytes);
  }

  /** Encodes the jobs' frames into the batch buffer, writing it when full. */
  async #writeJobs(jobs: SendJob[], batch: Uint8Array): Promise<void> {
    const capacity = batch.length;
    const options = this.#options;
    const headerLength = options.headerLength;
    let used = 0;
    for (const job of jobs) {
      const frames = job.frames;
      for (let i = 0; i < frames.length; i++) {
        const frame = frames[i];
        const payload = frame.payload;
        const length = payload.length;
        if (used + headerLength + length <= capacity) {
          used = encodeFrameHeader(batch, used, frame.type, length, options);
          if (length < SET_THRESHOLD) {
            for (let j = 0; j < length; j++) batch[used + j] = payload[j];
          } else {
            batch.set(payload, used);
          }
          used += length;
          continue;
        }
        // Too big for what is left: fill the batch with the header and the
        // start of the payload, write it, then write the rest of the payload
        // from where it lies, without copying it.
        if (used + headerLength > capacity) {
          await this.#write(batch.subarray(0, used));
          used = 0;
        }
        used = encodeFrameHeader(batch, used, frame.type, length, options);
        const head = Math.min(length, capacity - used);
        batch.set(payload.subarray(0, head), used);
        await this.#write(batch.subarray(0, used + head));
        used = 0;
        if (head < length) await this.#write(payload.subarray(head));
      }
    }
    if (used > 0) await this.#write(batch.subarray(0, used));
  }

  async #write(bytes: Uint8Array): Promise<void> {
    await writeAll(this.#writer, bytes);
    this.bytesSent += bytes.length;
  }

  #fail(error: Error): void {
    const jobs = this.#queue;
    this.#queue = [];
    for (const job of jobs) {
      this.#queuedBytes -= job.bytes;
      job.reject(error);
    }
  }
}
