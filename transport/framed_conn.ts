// Copyright 2026 the framewire authors. MIT license.
/**
 * A framed connection: send and receive whole frames over a byte stream.
 *
 * @module
 */
import type { Frame } from "../codec/frame.ts";
import {
  type FrameCodecOptions,
  maxLengthForField,
  type ResolvedFrameCodecOptions,
  resolveFrameCodecOptions,
} from "../codec/options.ts";
import {
  booleanOption,
  checkNumber,
  numberOption,
  optionsObject,
} from "../internal/options.ts";
import { FrameReader, pongSender } from "./_frame_reader.ts";
import { Requester } from "./_requester.ts";
import { SendQueue } from "./_send_queue.ts";
import { ConnectionClosedError } from "./errors.ts";
import type { RequestOptions } from "./request_options.ts";
import type { Writer } from "./write_all.ts";

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
   * Size of the read buffer used during bursts, in bytes; between bursts a
   * 1 KiB one is used, and the large one goes back to a pool shared by all
   * connections. Large payloads bypass it: once a header announces more than
   * this, the rest is read straight into the payload.
   *
   * @default {65536}
   */
  readBufferBytes?: number;
  /**
   * Size of the buffer that coalesces frames into one write, in bytes. Small
   * frames queued together (by `sendMany` or concurrent `send` calls) leave
   * in writes of up to this size (borrowed from a shared pool while writing).
   *
   * @default {65536}
   */
  batchBytes?: number;
  /**
   * Whether a Ping is answered at once with a Pong of the same payload,
   * not handed to `receive()`, so the server's heartbeat sees this side
   * alive even while the application reads nothing (from the first send or
   * receive on, one read stays pending while no frame is queued). `false`:
   * Pings come from `receive()`, to be answered in order.
   *
   * @default {true}
   */
  answerPings?: boolean;
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

/**
 * {@linkcode FramedConnOptions} validated, with every default filled in, as
 * {@linkcode resolveFramedConnOptions} returns them. It is itself a valid
 * `FramedConnOptions`, and a `FramedConn` built from it skips every check.
 */
export interface ResolvedFramedConnOptions extends ResolvedFrameCodecOptions {
  /** Largest payload sent, in bytes. */
  readonly maxSendFrameLength: number;
  /** Largest payload accepted on receive, in bytes. */
  readonly maxReceiveFrameLength: number;
  /** Frame types accepted on receive, or `undefined` for every type. */
  readonly acceptTypes: readonly number[] | undefined;
  /** Size of the read buffer used during bursts, in bytes. */
  readonly readBufferBytes: number;
  /** Size of the buffer that coalesces frames into one write, in bytes. */
  readonly batchBytes: number;
  /** Whether received Pings are answered and not handed out. */
  readonly answerPings: boolean;
  /** Most bytes that may wait in the outbound queue (`Infinity`: no limit). */
  readonly maxQueuedBytes: number;
  /**
   * The codec options of the send side: `maxFrameLength` is
   * `maxSendFrameLength`. Ready for {@linkcode checkFrame} and
   * {@linkcode encodeFrameHeader}.
   */
  readonly sendCodec: ResolvedFrameCodecOptions;
  /**
   * The codec options of the receive side: `maxFrameLength` is
   * `maxReceiveFrameLength`.
   */
  readonly receiveCodec: ResolvedFrameCodecOptions;
}

const DEFAULT_BUFFER_BYTES = 64 * 1024;
const BUFFER_RANGE = { min: 1, max: 2 ** 30 };
const RESOLVED = new WeakSet<object>();
const bufferOption = (name: string, value: unknown) =>
  numberOption(name, value, DEFAULT_BUFFER_BYTES, BUFFER_RANGE);

/**
 * Validates {@linkcode FramedConnOptions} and fills in their defaults, once.
 * Pass the result to every `new FramedConn(conn, resolved)` (a server does,
 * for each connection it accepts): the constructor then checks nothing. The
 * same errors the constructor would throw are thrown here, before any
 * connection exists.
 *
 * @param options The options to resolve (a resolved object is returned).
 * @returns Frozen options with every default filled in.
 * @throws {TypeError} If `options` is not an object or an option has the
 * wrong type.
 * @throws {RangeError} If a limit or buffer size is out of range, or an
 * accepted type is not an integer from 0 to 255.
 *
 * @example Resolve once, build many connections
 * ```ts
 * import { FramedConn, resolveFramedConnOptions } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const options = resolveFramedConnOptions({ maxSendFrameLength: 1024 });
 * assert.equal(options.maxSendFrameLength, 1024);
 * assert.equal(options.maxReceiveFrameLength, 16 * 1024 * 1024);
 * assert.equal(options.sendCodec.maxFrameLength, 1024);
 * assert.equal(options.readBufferBytes, 65536);
 * assert.ok(Object.isFrozen(options));
 * assert.equal(resolveFramedConnOptions(options), options);
 * assert.throws(() => resolveFramedConnOptions({ batchBytes: 0 }), RangeError);
 *
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * using client = new FramedConn(await Deno.connect({ port: listener.addr.port }), options);
 * using server = new FramedConn(await listener.accept(), options);
 * await client.send({ type: 1, payload: new Uint8Array(1024) });
 * assert.equal((await server.receive())?.payload.length, 1024);
 * ```
 */
export function resolveFramedConnOptions(
  options?: FramedConnOptions,
): ResolvedFramedConnOptions {
  if (options !== undefined && RESOLVED.has(options)) {
    return options as ResolvedFramedConnOptions;
  }
  const raw = optionsObject(options, "Cannot create a framed connection");
  const codec = resolveFrameCodecOptions({
    lengthFieldBytes: raw.lengthFieldBytes,
    littleEndian: raw.littleEndian,
    typeByte: raw.typeByte,
    maxFrameLength: raw.maxFrameLength,
  });
  const limit = { max: maxLengthForField(codec.lengthFieldBytes) };
  const maxSendFrameLength = numberOption(
    "maxSendFrameLength",
    raw.maxSendFrameLength,
    codec.maxFrameLength,
    limit,
  );
  const maxReceiveFrameLength = numberOption(
    "maxReceiveFrameLength",
    raw.maxReceiveFrameLength,
    codec.maxFrameLength,
    limit,
  );
  // Types are ignored without a type byte, as FrameDecoder ignores them.
  let acceptTypes: readonly number[] | undefined;
  if (raw.acceptTypes !== undefined && codec.typeByte) {
    acceptTypes = Object.freeze(
      Array.from(
        raw.acceptTypes,
        (type) => checkNumber("acceptTypes type", type, { max: 255 }),
      ),
    );
  }
  const resolved: ResolvedFramedConnOptions = Object.freeze({
    ...codec,
    maxSendFrameLength,
    maxReceiveFrameLength,
    acceptTypes,
    readBufferBytes: bufferOption("readBufferBytes", raw.readBufferBytes),
    batchBytes: bufferOption("batchBytes", raw.batchBytes),
    answerPings: booleanOption("answerPings", raw.answerPings, true),
    maxQueuedBytes: numberOption(
      "maxQueuedBytes",
      raw.maxQueuedBytes,
      Infinity,
      { min: 1, infinite: true },
    ),
    sendCodec: resolveFrameCodecOptions({
      ...codec,
      maxFrameLength: maxSendFrameLength,
    }),
    receiveCodec: resolveFrameCodecOptions({
      ...codec,
      maxFrameLength: maxReceiveFrameLength,
    }),
  });
  RESOLVED.add(resolved);
  return resolved;
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
    this.#reader.keepReading(); // Pings are answered while the caller waits.
    return this.#sendQueue.enqueue(frames);
  }
}
