// Copyright 2026 the framewire authors. MIT license.
/**
 * A framed connection: send and receive whole frames over a byte stream.
 *
 * @module
 */
import type { Frame } from "../codec/frame.ts";
import type { FrameBatch } from "../codec/frame_batch.ts";
import { FrameTooLargeError } from "../codec/errors.ts";
import type { ResolvedFrameCodecOptions } from "../codec/options.ts";
import { FrameReader, pongSender } from "./_frame_reader.ts";
import { Requester } from "./_requester.ts";
import { SendQueue } from "./_send_queue.ts";
import { ConnectionClosedError } from "./errors.ts";
import type { RequestOptions } from "./request_options.ts";
import type { Writer } from "./write_all.ts";
import {
  type FramedConnOptions,
  resolveFramedConnOptions,
} from "./framed_conn_options.ts";

// The options moved to their own file; importing them from here still works.
export {
  type FramedConnOptions,
  type ResolvedFramedConnOptions,
  resolveFramedConnOptions,
} from "./framed_conn_options.ts";

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

const NO_FRAMES: readonly Frame[] = Object.freeze([]);

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
  #closed = false;

  // Send side.
  #sendQueue: SendQueue;
  // Set by closeWrite(): no send may follow the half-close.
  #writeClosing: Promise<void> | undefined;
  #requester: Requester | undefined;
  #reader: FrameReader;
  #sendCodec: ResolvedFrameCodecOptions;

  /**
   * Wraps a byte stream.
   *
   * @param conn The byte stream, such as a `Deno.Conn`.
   * @param options Codec, limit and buffer options; see
   * {@linkcode FramedConnOptions}. Options from
   * {@linkcode resolveFramedConnOptions} are used as they are, unchecked.
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If a limit or buffer size is out of range.
   */
  constructor(conn: C, options?: FramedConnOptions) {
    this.conn = conn;
    const resolved = resolveFramedConnOptions(options);
    this.#reader = new FrameReader(
      conn,
      resolved.receiveCodec,
      resolved.acceptTypes,
      resolved.readBufferBytes,
      resolved.answerPings
        ? pongSender((frames) => this.#enqueue(frames))
        : undefined,
    );
    this.#sendCodec = resolved.sendCodec;
    this.#sendQueue = new SendQueue(
      conn,
      resolved.sendCodec,
      resolved.batchBytes,
      resolved.maxQueuedBytes,
    );
  }

  /** Counters of bytes and frames sent and received. */
  get stats(): Readonly<FramedConnStats> {
    return {
      bytesSent: this.#sendQueue.bytesSent,
      framesSent: this.#sendQueue.framesSent,
      bytesReceived: this.#reader.bytesReceived,
      framesReceived: this.#reader.framesReceived,
    };
  }

  /** Bytes of frames queued for sending and not yet written. */
  get queuedBytes(): number {
    return this.#sendQueue.queuedBytes;
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
   * @throws {FrameTooLargeError} If the payload exceeds the send limit
   * (nothing is written, the connection stays usable).
   * @throws {ConnectionClosedError} If the connection is or gets closed
   * first, or after {@linkcode FramedConn.prototype.closeWrite}.
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
   * Sends the frames of a {@linkcode FrameBatch}, in order: the cheap way to
   * send many small messages, built in place without a `Uint8Array` or a
   * frame object each. The batch's bytes are copied at the call, so it may
   * be cleared and refilled at once.
   *
   * @param batch The frames, encoded with this connection's frame layout.
   * @returns Resolves once every frame is written.
   * @throws {TypeError} If the batch's header layout (`lengthFieldBytes`,
   * `littleEndian`, `typeByte`) differs from this connection's.
   * @throws {FrameTooLargeError} If a payload exceeds the send limit.
   * @throws {ConnectionClosedError} As {@linkcode FramedConn.prototype.send}.
   */
  sendBatch(batch: FrameBatch): Promise<void> {
    const mine = this.#sendCodec;
    const theirs = batch.options;
    if (
      theirs.lengthFieldBytes !== mine.lengthFieldBytes ||
      theirs.littleEndian !== mine.littleEndian ||
      theirs.typeByte !== mine.typeByte
    ) {
      return Promise.reject(
        new TypeError(
          "Cannot send the batch: its frame layout differs from the connection's",
        ),
      );
    }
    if (batch.largestPayload > mine.maxFrameLength) {
      return Promise.reject(
        new FrameTooLargeError(
          batch.largestPayload,
          mine.maxFrameLength,
          "send",
        ),
      );
    }
    if (this.#writeClosing !== undefined) {
      return Promise.reject(new ConnectionClosedError("send"));
    }
    this.#reader.keepReadingSoon();
    return this.#sendQueue.enqueueEncoded(
      batch.encoded().slice(),
      batch.frameCount,
    );
  }

  /**
   * Waits until every frame queued before this call has been written to the
   * byte stream (accepted by the OS): a barrier that sends nothing. Use it
   * to bound what waits in memory, or before handing the stream elsewhere.
   * `sendMany([])` does the same.
   *
   * @returns Resolves once the frames queued before it are written.
   * @throws {ConnectionClosedError} If the connection is or gets closed
   * first, a write fails (with the write's error as `cause`), or
   * {@linkcode FramedConn.prototype.closeWrite} was called.
   *
   * @example Wait until fire-and-forget sends are written
   * ```ts
   * import { FramedConn } from "@framewire/framewire";
   * import assert from "node:assert/strict";
   *
   * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   * using client = new FramedConn(await Deno.connect({ port: listener.addr.port }));
   * using server = new FramedConn(await listener.accept());
   * for (let i = 0; i < 10; i++) {
   *   client.send({ type: 1, payload: new Uint8Array([i]) });
   * }
   * await client.flush();
   * assert.equal(client.queuedBytes, 0);
   * assert.equal(client.stats.framesSent, 10);
   * assert.equal((await server.receiveMany())?.[0].payload[0], 0);
   * ```
   */
  flush(): Promise<void> {
    return this.#enqueue(NO_FRAMES);
  }

  /**
   * Sends a request and resolves to its reply. Replies are matched to
   * requests in order, so any number of requests may be in flight
   * (pipelining). The rule: replies come back in request order, one per
   * request, as the framewire server answers. A reply of type Error
   * rejects with {@linkcode RemoteError}; a request that times out or is
   * aborted keeps its place (its late reply is read and dropped); a request
   * refused before any byte was written takes no place. Frames are read for
   * requests only while some are pending: do not call `receive()` then.
   *
   * @param frame The request.
   * @param options Timeout and abort signal; see {@linkcode RequestOptions}.
   * @returns The reply frame.
   * @throws {RemoteError} If the reply is an Error frame.
   * @throws {RequestTimeoutError} If no reply arrives within `timeoutMs`.
   * @throws {ConnectionClosedError} If the connection ends first.
   * @throws {FrameTooLargeError} If the request exceeds the send limit.
   * @throws {RangeError} If `timeoutMs` is negative or not finite.
   *
   * @example Ping a peer (a reading FramedConn answers Pings by itself)
   * ```ts
   * import { FramedConn, FrameType } from "@framewire/framewire";
   * import assert from "node:assert/strict";
   *
   * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   * const client = new FramedConn(await Deno.connect({ port: listener.addr.port }));
   * using server = new FramedConn(await listener.accept());
   * const reading = server.receive(); // the Ping is answered, not delivered
   * const pong = await client.request({ type: FrameType.Ping, payload: new Uint8Array([7]) });
   * assert.deepEqual(pong.payload, new Uint8Array([7]));
   * client.close();
   * assert.equal(await reading, null);
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
  receive(): Promise<Frame | null> {
    return this.#reader.receive();
  }

  /**
   * Waits for frames and returns every frame already decoded, at least one:
   * cheaper than `receive()` per frame when frames arrive in bursts.
   *
   * @returns The frames, in order, or `null` at a clean end of stream.
   * @throws The same errors as {@linkcode FramedConn.prototype.receive}.
   */
  receiveMany(): Promise<Frame[] | null> {
    return this.#reader.receiveMany();
  }

  /**
   * Iterates over received frames until the peer closes. Leaving the loop
   * early does not close the connection.
   *
   * @returns An async iterator of frames.
   */
  [Symbol.asyncIterator](): AsyncIterator<Frame> {
    const reader = this.#reader;
    return {
      next: (): Promise<IteratorResult<Frame>> => {
        // A frame already decoded needs one promise, not an async call
        // awaiting another.
        const frame = reader.takeQueued();
        if (frame !== undefined) {
          return Promise.resolve({ done: false, value: frame });
        }
        return reader.receive().then((frame) =>
          frame === null
            ? { done: true, value: undefined }
            : { done: false, value: frame }
        );
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
      const drained = this.#sendQueue.enqueue(NO_FRAMES);
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
    this.#reader.close();
    try {
      this.conn.close();
    } catch {
      // Already closed by the peer or the runtime: nothing left to release.
    }
    this.#sendQueue.close();
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
    this.#reader.release(payload);
  }

  /** Closes the connection; see {@linkcode FramedConn.prototype.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #enqueue(frames: readonly Frame[]): Promise<void> {
    if (this.#writeClosing !== undefined) {
      return Promise.reject(new ConnectionClosedError("send"));
    }
    this.#reader.keepReadingSoon(); // Pings are answered while it waits.
    return this.#sendQueue.enqueue(frames);
  }
}
