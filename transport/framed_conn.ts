// Copyright 2026 the framewire authors. MIT license.
/**
 * A framed connection: send and receive whole frames over a byte stream.
 *
 * @module
 */
import {
  checkOutgoingFrame,
  encodeFrameUnchecked,
} from "../codec/_encoding.ts";
import { EXCLUSIVE_PAYLOAD_BUFFERS } from "../codec/_payload_buffer.ts";
import { writeHeader } from "../codec/_header.ts";
import type { Frame } from "../codec/frame.ts";
import { FrameDecoder } from "../codec/frame_decoder.ts";
import {
  type FrameCodecOptions,
  type ResolvedFrameCodecOptions,
  resolveFrameCodecOptions,
} from "../codec/options.ts";
import { ConnectionClosedError, SendQueueFullError } from "./errors.ts";
import { Requester, type RequestOptions } from "./request.ts";
import { writeAll, type Writer } from "./write_all.ts";

/**
 * The byte stream a {@linkcode FramedConn} runs on: `Deno.Conn` (TCP, Unix,
 * TLS) or anything with the same `read` / `write` / `close` shape.
 */
export interface ByteConn extends Writer {
  /**
   * Reads into `buffer`; resolves to the count read, or `null` at the end.
   *
   * @param buffer Where to put the bytes.
   * @returns Bytes read, or `null` at end of stream.
   */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Closes the stream; pending reads and writes fail. */
  close(): void;
  /** Optional half-close: no more writes, reads go on (TCP `shutdown`). */
  closeWrite?(): Promise<void>;
}

/** Options for {@linkcode FramedConn}. */
export interface FramedConnOptions extends FrameCodecOptions {
  /**
   * Largest payload this side sends, in bytes; a larger frame is refused
   * before anything is written.
   *
   * @default {maxFrameLength}
   */
  maxSendFrameLength?: number;
  /**
   * Largest payload this side accepts, in bytes; a larger declared length
   * fails `receive()` from the header alone.
   *
   * @default {maxFrameLength}
   */
  maxReceiveFrameLength?: number;
  /**
   * Frame types accepted on receive; any other fails `receive()` with
   * {@linkcode UnknownFrameTypeError}.
   *
   * @default {undefined} (every type)
   */
  acceptTypes?: Iterable<number>;
  /**
   * Size of the read buffer in bytes. Large payloads bypass it: once a
   * header announces more than this, the rest is read straight into the
   * payload.
   *
   * @default {65536}
   */
  readBufferBytes?: number;
  /**
   * Size of the buffer that coalesces frames into one write, in bytes. Small
   * frames queued together (by `sendMany` or concurrent `send` calls) leave
   * in writes of up to this size.
   *
   * @default {65536}
   */
  batchBytes?: number;
  /**
   * Most bytes that may wait in the outbound queue. A send that would go
   * beyond it while the queue is not empty is refused with
   * {@linkcode SendQueueFullError} (nothing of it is queued); a single frame
   * is always accepted into an empty queue. This bounds the memory a peer
   * that stops reading can make this side hold.
   *
   * @default {Infinity}
   */
  maxQueuedBytes?: number;
}

/** Counters of a {@linkcode FramedConn}; compare both ends to check for loss. */
export interface FramedConnStats {
  /** Bytes written to the connection, headers included. */
  bytesSent: number;
  /** Frames whose last byte was written. */
  framesSent: number;
  /** Bytes read from the connection. */
  bytesReceived: number;
  /** Complete frames decoded. */
  framesReceived: number;
}

interface SendJob {
  frames: readonly Frame[];
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

// The largest single read straight into a payload. Reserving it costs address
// space only: pages are committed as bytes land.
const DIRECT_READ_MAX_BYTES = 16 * 1024 * 1024;
const DEFAULT_BUFFER_BYTES = 64 * 1024;
// release() keeps at most this many buffers, each larger than the minimum
// (smaller payloads come from the decoder's slab or a cheap allocation).
const POOL_MAX_BUFFERS = 4;
const POOL_MIN_BYTES = 64 * 1024;

/**
 * Frames over a byte stream: `send`, `sendMany`, `receive`, and
 * `for await (const frame of conn)`.
 *
 * Sending: frames are validated (size, type) before any byte is written, and
 * queued; one writer loop drains the queue, so concurrent `send` calls from
 * any number of tasks never interleave the bytes of two frames, and small
 * frames queued together leave in one write of up to `batchBytes`. A send
 * resolves once its bytes are accepted by the OS; await it to get
 * backpressure. After a write error every queued and later send rejects.
 *
 * Receiving: one read feeds a {@linkcode FrameDecoder}; all frames it yields
 * are handed out before the next read, so no frame waits in a buffer while
 * the connection waits for data. `receive()` resolves to `null` when the
 * peer closes cleanly between frames, and throws
 * {@linkcode TruncatedFrameError} when it closes mid-frame. A decode error
 * (oversized length, refused type) is thrown after the frames before it are
 * delivered, and again on every later call; the send side stays usable so
 * you can tell the peer before closing.
 *
 * @example Echo over loopback TCP
 * ```ts
 * import { FramedConn } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const clientConn = await Deno.connect({ port: listener.addr.port });
 * using server = new FramedConn(await listener.accept());
 * using client = new FramedConn(clientConn);
 *
 * await client.send({ type: 0, payload: new TextEncoder().encode("hello!") });
 * const frame = await server.receive();
 * assert.equal(new TextDecoder().decode(frame?.payload), "hello!");
 * assert.equal(server.stats.framesReceived, 1);
 * ```
 */
export class FramedConn<C extends ByteConn = Deno.Conn>
  implements AsyncIterable<Frame>, Disposable {
  /** The underlying byte stream. */
  readonly conn: C;
  #send: ResolvedFrameCodecOptions;
  #decoder: FrameDecoder;
  #stats: FramedConnStats = {
    bytesSent: 0,
    framesSent: 0,
    bytesReceived: 0,
    framesReceived: 0,
  };
  #closed = false;

  // Send side.
  // Set by closeWrite(): no send may follow the half-close.
  #writeClosing: Promise<void> | undefined;
  #batch: Uint8Array;
  #queue: SendJob[] = [];
  #queuedBytes = 0;
  #draining = false;
  #sendError: unknown;
  #maxQueuedBytes: number;
  #requester: Requester | undefined;

  // Receive side.
  #readBuffer: Uint8Array;
  #received: Frame[] = [];
  #receivedHead = 0;
  #reading: Promise<void> | undefined;
  #eof = false;
  #receiveError: unknown;
  // Payload buffers given back with release(), reused for large frames.
  #pool: ArrayBuffer[] = [];
  // For each buffer that went through the pool: the payload that now owns it
  // (null while pooled). A stale payload of the same buffer, released again
  // after the buffer was refilled, must not hand the new payload's memory to
  // a third frame.
  #poolOwners: WeakMap<ArrayBuffer, Uint8Array | null> = new WeakMap();

  /**
   * Wraps a byte stream.
   *
   * @param conn The byte stream, such as a `Deno.Conn`.
   * @param options Codec, limit and buffer options; see
   * {@linkcode FramedConnOptions}.
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If a limit or buffer size is out of range.
   */
  constructor(conn: C, options: FramedConnOptions = {}) {
    this.conn = conn;
    const codec = resolveFrameCodecOptions(options);
    this.#send = resolveFrameCodecOptions({
      ...codec,
      maxFrameLength: options.maxSendFrameLength ?? codec.maxFrameLength,
    });
    this.#decoder = new FrameDecoder({
      ...codec,
      maxFrameLength: options.maxReceiveFrameLength ?? codec.maxFrameLength,
      acceptTypes: options.acceptTypes,
      takeBuffer: (length) => this.#takePooled(length),
    });
    this.#readBuffer = new Uint8Array(
      checkBufferSize("readBufferBytes", options.readBufferBytes),
    );
    this.#maxQueuedBytes = checkMaxQueuedBytes(options.maxQueuedBytes);
    this.#batch = new Uint8Array(
      Math.max(
        checkBufferSize("batchBytes", options.batchBytes),
        codec.headerLength,
      ),
    );
  }

  /** Counters of bytes and frames sent and received. */
  get stats(): Readonly<FramedConnStats> {
    return { ...this.#stats };
  }

  /** Bytes of frames queued for sending and not yet written. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Whether {@linkcode FramedConn.prototype.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends one frame.
   *
   * @param frame The frame to send.
   * @returns Resolves once the whole frame is written.
   * @throws {FrameTooLargeError} If the payload exceeds the send limit;
   * nothing is written and the connection stays usable.
   * @throws {ConnectionClosedError} If the connection is or gets closed
   * first, or {@linkcode FramedConn.prototype.closeWrite} was called.
   */
  send(frame: Frame): Promise<void> {
    return this.#enqueue([frame]);
  }

  /**
   * Sends many frames in order, coalesced into writes of up to `batchBytes`.
   * Every frame is validated first: if one is refused, none is sent. The
   * frames are taken from `frames` at the call, so the caller may reuse its
   * array at once.
   *
   * @param frames The frames to send.
   * @returns Resolves once every frame is written.
   * @throws {FrameTooLargeError} If any payload exceeds the send limit.
   * @throws {ConnectionClosedError} If the connection is or gets closed
   * first, or {@linkcode FramedConn.prototype.closeWrite} was called.
   * @throws The error of `frames` if iterating it throws; nothing is sent.
   */
  sendMany(frames: Iterable<Frame>): Promise<void> {
    let list: Frame[];
    try {
      // A copy: the job waits in the queue while an earlier write is in
      // flight, and a caller that empties and refills its array meanwhile
      // must not change what is sent.
      list = Array.from(frames);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#enqueue(list);
  }

  /**
   * Sends a request and resolves to its reply. Replies are matched to
   * requests in order, so any number of requests may be in flight
   * (pipelining); see {@linkcode Requester} for the rule. Do not call
   * `receive()` while requests are pending.
   *
   * @param frame The request.
   * @param options Timeout and abort signal; see {@linkcode RequestOptions}.
   * @returns The reply frame.
   * @throws {RemoteError} If the reply is an Error frame.
   * @throws {RequestTimeoutError} If no reply arrives within `timeoutMs`.
   * @throws {ConnectionClosedError} If the connection ends first.
   *
   * @example Ping a peer
   * ```ts
   * import { FramedConn, FrameType } from "@framewire/framewire";
   * import assert from "node:assert/strict";
   *
   * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   * using client = new FramedConn(await Deno.connect({ port: listener.addr.port }));
   * using server = new FramedConn(await listener.accept());
   * const reply = client.request({ type: FrameType.Ping, payload: new Uint8Array([7]) });
   * const ping = (await server.receive())!;
   * await server.send({ type: FrameType.Pong, payload: ping.payload });
   * assert.deepEqual((await reply).payload, new Uint8Array([7]));
   * ```
   */
  request(frame: Frame, options?: RequestOptions): Promise<Frame> {
    this.#requester ??= new Requester(this);
    return this.#requester.request(frame, options);
  }

  /**
   * Waits for the next frame.
   *
   * @returns The next frame, or `null` once the peer has closed cleanly (or
   * this side closed).
   * @throws {TruncatedFrameError} If the peer closed inside a frame.
   * @throws {FrameTooLargeError} If a header declared more than the receive
   * limit.
   * @throws {UnknownFrameTypeError} If a header's type is not accepted.
   */
  async receive(): Promise<Frame | null> {
    // Another receiver sharing the same read may have taken the frame
    // between #ready() and here: check again rather than take a hole.
    while (this.#receivedHead >= this.#received.length) {
      if (!(await this.#ready())) return null;
    }
    const frame = this.#received[this.#receivedHead];
    // Drop the reference so a consumed frame can be collected.
    this.#received[this.#receivedHead++] = undefined as unknown as Frame;
    return frame;
  }

  /**
   * Waits for frames and returns every frame already decoded, at least one:
   * cheaper than `receive()` per frame when frames arrive in bursts.
   *
   * @returns The frames, in order, or `null` at a clean end of stream.
   * @throws The same errors as {@linkcode FramedConn.prototype.receive}.
   */
  async receiveMany(): Promise<Frame[] | null> {
    while (this.#receivedHead >= this.#received.length) {
      if (!(await this.#ready())) return null;
    }
    const frames = this.#receivedHead === 0
      ? this.#received
      : this.#received.slice(this.#receivedHead);
    this.#received = [];
    this.#receivedHead = 0;
    return frames;
  }

  /**
   * Iterates over received frames until the peer closes. Leaving the loop
   * early does not close the connection.
   *
   * @returns An async iterator of frames.
   */
  [Symbol.asyncIterator](): AsyncIterator<Frame> {
    return {
      next: async (): Promise<IteratorResult<Frame>> => {
        const frame = await this.receive();
        return frame === null
          ? { done: true, value: undefined }
          : { done: false, value: frame };
      },
    };
  }

  /**
   * Waits until every queued frame is written, then shuts down the write
   * side (TCP half-close): the peer's `receive()` resolves to `null` once it
   * has read everything, while this side can go on receiving. Sends made
   * after this call reject with {@linkcode ConnectionClosedError}; calling
   * it again returns the same promise.
   *
   * @returns Resolves once the write side is shut.
   * @throws {TypeError} If the underlying stream cannot half-close.
   */
  closeWrite(): Promise<void> {
    if (typeof this.conn.closeWrite !== "function") {
      return Promise.reject(
        new TypeError(
          "Cannot close the write side: not supported by this connection",
        ),
      );
    }
    if (this.#writeClosing === undefined) {
      const drained = this.#enqueue([]);
      this.#writeClosing = drained.then(() => this.conn.closeWrite!());
    }
    return this.#writeClosing;
  }

  /**
   * Closes the connection at once. Queued frames not yet written are dropped
   * and their sends reject with {@linkcode ConnectionClosedError}; a pending
   * `receive()` resolves to `null`. Closing twice is harmless.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // Already closed by the peer or the runtime: nothing left to release.
    }
    this.#failQueue(new ConnectionClosedError("send"));
  }

  /**
   * Gives a received payload's memory back for reuse by a later large frame,
   * so a stream of big frames does not allocate (and page-fault) a fresh
   * buffer for each. Optional: without it payloads are simply collected.
   *
   * Only call it once you are done with the payload: its bytes WILL be
   * overwritten by a later frame. Only buffers the decoder allocated for one
   * payload alone are kept (at most four, each over 64 KiB): a payload that
   * shares memory with other frames (a view of a read buffer) or that you
   * built yourself is ignored.
   *
   * @param payload A payload this connection received.
   *
   * @example Reuse buffers for a stream of large frames
   * ```ts
   * import { FramedConn } from "@framewire/framewire";
   * import assert from "node:assert/strict";
   *
   * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   * using client = new FramedConn(await Deno.connect({ port: listener.addr.port }));
   * using server = new FramedConn(await listener.accept());
   * const big = { type: 200, payload: new Uint8Array(1 << 20).fill(1) };
   * const sending = client.sendMany([big, big]);
   * const first = (await server.receive())!;
   * const firstBuffer = first.payload.buffer;
   * server.release(first.payload); // done with it
   * const second = (await server.receive())!;
   * await sending;
   * assert.equal(second.payload.buffer, firstBuffer); // same memory, refilled
   * assert.equal(second.payload[0], 1);
   * ```
   */
  release(payload: Uint8Array): void {
    const buffer = payload.buffer;
    if (
      !(buffer instanceof ArrayBuffer) ||
      !EXCLUSIVE_PAYLOAD_BUFFERS.has(buffer) ||
      payload.byteOffset !== 0 || buffer.byteLength <= POOL_MIN_BYTES ||
      this.#pool.length >= POOL_MAX_BUFFERS || this.#pool.includes(buffer)
    ) {
      return;
    }
    const owners = this.#poolOwners;
    if (owners.has(buffer) && owners.get(buffer) !== payload) return;
    owners.set(buffer, null);
    this.#pool.push(buffer);
  }

  #takePooled(length: number): Uint8Array | undefined {
    const pool = this.#pool;
    for (let i = 0; i < pool.length; i++) {
      const buffer = pool[i];
      // A much larger buffer would pin memory the frame does not need.
      if (buffer.byteLength >= length && buffer.byteLength <= 2 * length) {
        pool.splice(i, 1);
        const payload = new Uint8Array(buffer, 0, length);
        this.#poolOwners.set(buffer, payload);
        return payload;
      }
    }
    return undefined;
  }

  /** Closes the connection; see {@linkcode FramedConn.prototype.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #enqueue(frames: readonly Frame[]): Promise<void> {
    if (this.#closed || this.#writeClosing !== undefined) {
      return Promise.reject(new ConnectionClosedError("send"));
    }
    if (this.#sendError !== undefined) {
      return Promise.reject(
        new ConnectionClosedError("send", { cause: this.#sendError }),
      );
    }
    let bytes = 0;
    try {
      for (let i = 0; i < frames.length; i++) {
        bytes += checkOutgoingFrame(frames[i], this.#send);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    // An empty send adds nothing: it is the "wait until written" barrier
    // (the server's producer-wait uses it), so it must never be refused,
    // not even when one frame larger than the limit fills the queue.
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

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        // Take the whole queue at once: O(1) per job, and every job queued
        // while the previous write was in flight shares the next writes.
        const jobs = this.#queue;
        this.#queue = [];
        try {
          await this.#writeJobs(jobs);
        } catch (error) {
          this.#sendError = error;
          for (const job of jobs) this.#queuedBytes -= job.bytes;
          const failure = this.#closed
            ? new ConnectionClosedError("send", { cause: error })
            : error;
          for (const job of jobs) job.reject(failure);
          this.#failQueue(new ConnectionClosedError("send", { cause: error }));
          return;
        }
        let frames = 0;
        for (const job of jobs) {
          frames += job.frames.length;
          this.#queuedBytes -= job.bytes;
          job.resolve();
        }
        this.#stats.framesSent += frames;
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Encodes the jobs' frames into the batch buffer, writing it when full. */
  async #writeJobs(jobs: SendJob[]): Promise<void> {
    const batch = this.#batch;
    const capacity = batch.length;
    const options = this.#send;
    const headerLength = options.headerLength;
    let used = 0;
    for (const job of jobs) {
      const frames = job.frames;
      for (let i = 0; i < frames.length; i++) {
        const frame = frames[i];
        const payload = frame.payload;
        if (used + headerLength + payload.length <= capacity) {
          used = encodeFrameUnchecked(batch, used, frame, options);
          continue;
        }
        // Too big for what is left: fill the batch with the header and the
        // start of the payload, write it, then write the rest of the payload
        // from where it lies, without copying it.
        if (used + headerLength > capacity) {
          await this.#write(batch.subarray(0, used));
          used = 0;
        }
        used = writeHeader(batch, used, frame.type, payload.length, options);
        const head = Math.min(payload.length, capacity - used);
        batch.set(payload.subarray(0, head), used);
        await this.#write(batch.subarray(0, used + head));
        used = 0;
        if (head < payload.length) await this.#write(payload.subarray(head));
      }
    }
    if (used > 0) await this.#write(batch.subarray(0, used));
  }

  async #write(bytes: Uint8Array): Promise<void> {
    await writeAll(this.conn, bytes);
    this.#stats.bytesSent += bytes.length;
  }

  #failQueue(error: Error): void {
    const jobs = this.#queue;
    this.#queue = [];
    for (const job of jobs) {
      this.#queuedBytes -= job.bytes;
      job.reject(error);
    }
  }

  /** Resolves to whether a frame is queued, reading as needed. */
  async #ready(): Promise<boolean> {
    while (this.#receivedHead >= this.#received.length) {
      if (this.#receiveError !== undefined) throw this.#receiveError;
      if (this.#eof) return false;
      // Concurrent receivers share one read rather than racing on the socket.
      await (this.#reading ??= this.#fill().finally(() => {
        this.#reading = undefined;
      }));
    }
    return true;
  }

  /** One read, decoded; sets the frame queue, end of stream or an error. */
  async #fill(): Promise<void> {
    const decoder = this.#decoder;
    const direct = decoder.missingPayloadBytes >= this.#readBuffer.length;
    const target = direct
      ? decoder.payloadWindow(DIRECT_READ_MAX_BYTES)!
      : this.#readBuffer;
    let count: number | null;
    try {
      count = await this.conn.read(target);
    } catch (error) {
      if (this.#closed) {
        this.#eof = true;
        return;
      }
      // TLS peers (Deno's own client among them) often hang up without a
      // close_notify; that is an end of stream like any other, clean between
      // frames and a truncation inside one.
      if (!(error instanceof Deno.errors.UnexpectedEof)) {
        this.#receiveError = error;
        return;
      }
      count = null;
    }
    if (count === null) {
      this.#eof = true;
      try {
        decoder.finish();
      } catch (error) {
        this.#receiveError = error;
      }
      return;
    }
    this.#stats.bytesReceived += count;
    if (direct) {
      const frame = decoder.commitPayload(count);
      if (frame !== undefined) this.#deliver([frame]);
      return;
    }
    let frames: Frame[];
    try {
      frames = decoder.push(target.subarray(0, count));
    } catch (error) {
      this.#receiveError = error;
      return;
    }
    if (decoder.retainedInput) {
      this.#readBuffer = new Uint8Array(this.#readBuffer.length);
    }
    if (decoder.error !== undefined) this.#receiveError = decoder.error;
    this.#deliver(frames);
  }

  #deliver(frames: Frame[]): void {
    this.#received = frames;
    this.#receivedHead = 0;
    this.#stats.framesReceived += frames.length;
  }
}

function checkMaxQueuedBytes(value: number | undefined): number {
  if (value === undefined) return Infinity;
  if (typeof value !== "number" || Number.isNaN(value) || value < 1) {
    throw new RangeError(
      `Cannot use maxQueuedBytes ${
        String(value)
      }: expected a number of at least 1`,
    );
  }
  return value;
}

function checkBufferSize(name: string, value: number | undefined): number {
  if (value === undefined) return DEFAULT_BUFFER_BYTES;
  if (!Number.isInteger(value) || value < 1 || value > 2 ** 30) {
    throw new RangeError(
      `Cannot use ${name} ${value}: expected an integer from 1 to ${2 ** 30}`,
    );
  }
  return value;
}

// STUB until the FramedConn branch lands: the coordinator takes the real
// `resolveFramedConnOptions` and `ResolvedFramedConnOptions` from that branch
// at merge. This one only runs the checks the constructor runs today.

/**
 * {@linkcode FramedConnOptions}, checked by
 * {@linkcode resolveFramedConnOptions}.
 */
export type ResolvedFramedConnOptions = Readonly<FramedConnOptions>;

/**
 * Checks connection options once, up front, the way the
 * {@linkcode FramedConn} constructor does for every connection.
 *
 * @param options The options to check.
 * @returns The same options, frozen.
 * @throws {TypeError} If an option has the wrong type.
 * @throws {RangeError} If a limit or buffer size is out of range.
 *
 * @example
 * ```ts
 * import { resolveFramedConnOptions } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => resolveFramedConnOptions({ batchBytes: 0 }), RangeError);
 * ```
 */
export function resolveFramedConnOptions(
  options: FramedConnOptions,
): ResolvedFramedConnOptions {
  const codec = resolveFrameCodecOptions(options);
  resolveFrameCodecOptions({
    ...codec,
    maxFrameLength: options.maxSendFrameLength ?? codec.maxFrameLength,
  });
  new FrameDecoder({
    ...codec,
    maxFrameLength: options.maxReceiveFrameLength ?? codec.maxFrameLength,
    acceptTypes: options.acceptTypes,
  });
  checkBufferSize("readBufferBytes", options.readBufferBytes);
  checkBufferSize("batchBytes", options.batchBytes);
  checkMaxQueuedBytes(options.maxQueuedBytes);
  return Object.freeze({ ...options });
}
