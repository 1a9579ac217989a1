// Copyright 2026 the framewire authors. MIT license.
// The receive side of FramedConn: one read feeds the decoder, and all the
// frames it yields are handed out before the next read. Large payloads are
// read straight into their buffer, and buffers given back with release()
// are reused for later large frames.
//
// Memory of an idle connection: its pending read holds the read buffer for
// as long as the peer stays silent, so reads go into a small buffer of the
// connection's own, and into a large one (borrowed from a pool shared by all
// connections) only while the previous read showed a burst: it filled the
// small buffer, or half the large one. After the burst the large buffer goes
// back to the pool.
import { type Frame, FrameType } from "../codec/frame.ts";
import { FrameDecoder } from "../codec/frame_decoder.ts";
import type { ResolvedFrameCodecOptions } from "../codec/options.ts";
import { borrowBuffer, returnBuffer } from "./_buffer_pool.ts";
import { SendQueueFullError } from "./errors.ts";

/** What the reader needs from the byte stream. */
export interface Reader {
  read(buffer: Uint8Array): Promise<number | null>;
}

// The largest single read straight into a payload. Reserving it costs address
// space only: pages are committed as bytes land.
const DIRECT_READ_MAX_BYTES = 16 * 1024 * 1024;
// release() keeps at most this many buffers, each larger than the minimum
// (smaller payloads come from the decoder's slab or a cheap allocation).
const POOL_MAX_BUFFERS = 4;
const POOL_MIN_BYTES = 64 * 1024;
// The read buffer of a connection between bursts; at most readBufferBytes.
const SMALL_READ_BYTES = 1024;
// How long a connection whose application is not reading waits before a
// read is kept pending for it (see keepReadingSoon). Each firing of the timer
// costs a turn of the event loop that delays whatever message is in flight:
// at 5 ms a ping-pong stream met one about every 80 round trips, in reach of
// its 99th percentile (25 ms gave a lower p99 in each of five interleaved
// pairs). A Pong waits at most this much longer, against heartbeat timeouts
// of seconds.
const KEEP_READING_DELAY_MS = 25;
// Pongs answered but not yet written, in payload bytes, beyond which no more
// is read until they are: a peer that sends Pings and never reads the Pongs
// is held back by TCP instead of filling this side's memory.
const PONG_BACKLOG_BYTES = 64 * 1024;

/** Answers a Ping; resolves (never rejects) once the Pong is written or dropped. */
export type PingAnswerer = (ping: Frame) => Promise<void>;

const NO_FRAMES: readonly Frame[] = Object.freeze([]);

/**
 * A {@linkcode PingAnswerer} that queues the Pong with `send`. A Pong that
 * cannot be sent (the connection is closing, it exceeds the send limit) is
 * dropped: the receive side learns of a closed connection by itself. On a
 * full queue it waits for the queue to drain and tries once more.
 */
export function pongSender(
  send: (frames: readonly Frame[]) => Promise<void>,
): PingAnswerer {
  return async (ping) => {
    const pong = [{ type: FrameType.Pong, payload: ping.payload }];
    try {
      await send(pong);
    } catch (error) {
      if (!(error instanceof SendQueueFullError)) return;
      try {
        await send(NO_FRAMES);
        await send(pong);
      } catch {
        // Dropped, as above.
      }
    }
  };
}

// Readers to keep reading at the next timer turn, and that one timer.
const soon = new Set<FrameReader>();
let soonTimer: ReturnType<typeof setTimeout> | undefined;

function keepAllReading(): void {
  soonTimer = undefined;
  const readers = [...soon];
  soon.clear();
  for (const reader of readers) reader.keepReading();
}

export class FrameReader {
  /** Bytes read from the stream. */
  bytesReceived = 0;
  /** Complete frames decoded. */
  framesReceived = 0;
  /** Set by FramedConn.close(): a read that fails then is an end of stream. */
  closed = false;
  #conn: Reader;
  #decoder: FrameDecoder;
  #readBufferBytes: number;
  // The connection's own read buffer, used between bursts.
  #small: Uint8Array;
  // Borrowed from the pool during a burst, undefined otherwise.
  #large: Uint8Array | undefined;
  #useLarge = false;
  #answerPing: PingAnswerer | undefined;
  // Payload bytes of Pongs not yet written, and the last Pong's write.
  #pongBytes = 0;
  #lastPong: Promise<void> | undefined;
  #received: Frame[] = [];
  #receivedHead = 0;
  #reading: Promise<void> | undefined;
  #filling = false;
  #eof = false;
  #receiveError: unknown;
  // Payload buffers given back with release(), reused for large frames.
  // Made at the first release(): most connections never call it, and an idle
  // one should not carry an empty pool and a WeakMap.
  #pool: ArrayBuffer[] | undefined;
  // The payloads over POOL_MIN_BYTES that own their buffer now: allocated
  // by the decoder from this reader (#allocatePayload) or handed a pooled
  // buffer (#takePooled), and not released since. Only their buffers may be
  // pooled: a view of a read buffer shares its memory with other frames, a
  // caller's buffer may still be in use, and a stale payload of a refilled
  // buffer must not hand the new payload's memory to a third frame. A set of
  // payloads, not a map from buffer to payload: with the map, whose values
  // point back at their keys, dropped payloads waited for a full collection
  // (twice as many mark-compacts), and a plain `for await` loop of 16 MiB
  // frames took about 20% longer.
  #live: WeakSet<Uint8Array> | undefined;

  constructor(
    conn: Reader,
    codec: ResolvedFrameCodecOptions,
    acceptTypes: readonly number[] | undefined,
    readBufferBytes: number,
    answerPing?: PingAnswerer,
  ) {
    this.#conn = conn;
    this.#decoder = new FrameDecoder({
      ...codec,
      acceptTypes,
      takeBuffer: (byteLength) => this.#takePooled(byteLength),
      allocatePayload: (byteLength) => this.#allocatePayload(byteLength),
    });
    this.#readBufferBytes = readBufferBytes;
    this.#small = new Uint8Array(Math.min(SMALL_READ_BYTES, readBufferBytes));
    // Without a type byte there is no Ping to answer.
    this.#answerPing = codec.typeByte ? answerPing : undefined;
  }

  receive(): Promise<Frame | null> {
    const frame = this.takeQueued();
    return frame === undefined ? this.#receiveRead() : Promise.resolve(frame);
  }

  /**
   * The next frame already decoded, if any, without a promise: most frames
   * of a burst are taken this way, and an async call per frame cost more
   * than decoding it (a `for await` loop ran at half the speed).
   */
  takeQueued(): Frame | undefined {
    if (this.#receivedHead >= this.#received.length) return undefined;
    const frame = this.#received[this.#receivedHead];
    // Drop the reference so a consumed frame can be collected.
    this.#received[this.#receivedHead++] = undefined as unknown as Frame;
    if (this.#receivedHead === this.#received.length) this.keepReadingSoon();
    return frame;
  }

  async #receiveRead(): Promise<Frame | null> {
    // The queue is checked after every wake: another receiver sharing the
    // same read may have taken the frame first.
    while (this.#receivedHead >= this.#received.length) {
      if (this.#receiveError !== undefined) throw this.#receiveError;
      if (this.#eof) return null;
      // Concurrent receivers share one read rather than racing on the socket.
      await (this.#reading ?? this.#read());
    }
    return this.takeQueued()!;
  }

  async receiveMany(): Promise<Frame[] | null> {
    // The read loop is written out here and in #receiveRead(), not shared: a
    // server's idle connections all wait here, and each suspended async call
    // costs a few hundred bytes per connection. Both wait at the same depth,
    // so concurrent receivers wake in the order they called.
    while (this.#receivedHead >= this.#received.length) {
      if (this.#receiveError !== undefined) throw this.#receiveError;
      if (this.#eof) return null;
      await (this.#reading ?? this.#read());
    }
    const frames = this.#receivedHead === 0
      ? this.#received
      : this.#received.slice(this.#receivedHead);
    this.#received = [];
    this.#receivedHead = 0;
    this.keepReadingSoon();
    return frames;
  }

  /** Stops keeping a read pending; the connection is closing. */
  close(): void {
    this.closed = true;
    if (soon.delete(this) && soon.size === 0) {
      clearTimeout(soonTimer);
      soonTimer = undefined;
    }
  }

  /**
   * Keep reading, soon: after the application took the last queued frame,
   * or sent something. Not at once, for two reasons: the application gets
   * turns of the event loop to `release()` a large payload, so that the next
   * large frame can be read into it; and a program that answers or asks
   * right away posts its own read after its write, as a plain socket program
   * does, instead of having one posted before (on a loaded machine a read
   * waiting before the data arrives costs a sleep and a wake-up per
   * message). One timer serves every connection, at most once every
   * KEEP_READING_DELAY_MS; a Ping waits that much longer for its Pong.
   */
  keepReadingSoon(): void {
    if (
      this.#answerPing === undefined || this.closed ||
      this.#reading !== undefined
    ) {
      return;
    }
    soon.add(this);
    soonTimer ??= setTimeout(keepAllReading, KEEP_READING_DELAY_MS);
  }

  /**
   * Keeps one read pending while nothing is queued, so that Pings are
   * answered even when the application is not reading (a client that only
   * sends, or waits between requests): a peer's heartbeat must not close an
   * idle connection. It stops as soon as a frame other than a Ping is
   * queued, so it buffers at most one read's worth of frames; TCP holds the
   * rest, as without it.
   */
  keepReading(): void {
    if (
      this.#answerPing === undefined || this.#reading !== undefined ||
      this.closed || this.#eof || this.#receiveError !== undefined ||
      this.#receivedHead < this.#received.length
    ) {
      return;
    }
    this.#read(true).then(() => this.keepReading());
  }

  release(payload: Uint8Array): void {
    if (
      this.#live?.has(payload) !== true ||
      (this.#pool ??= []).length >= POOL_MAX_BUFFERS
    ) {
      return;
    }
    this.#live.delete(payload);
    this.#pool.push(payload.buffer as ArrayBuffer);
  }

  /** The decoder's `takeBuffer`: a pooled buffer when one fits. */
  #takePooled(byteLength: number): Uint8Array | undefined {
    const pool = this.#pool;
    if (pool === undefined) return undefined;
    for (let i = 0; i < pool.length; i++) {
      const buffer = pool[i];
      // A much larger buffer would pin memory the frame does not need.
      if (
        buffer.byteLength >= byteLength && buffer.byteLength <= 2 * byteLength
      ) {
        pool.splice(i, 1);
        const payload = new Uint8Array(buffer, 0, byteLength);
        this.#live!.add(payload);
        return payload;
      }
    }
    return undefined;
  }

  /** The decoder's `allocatePayload`: remembers the buffers worth pooling. */
  #allocatePayload(byteLength: number): Uint8Array {
    const payload = new Uint8Array(byteLength);
    if (byteLength > POOL_MIN_BYTES) {
      (this.#live ??= new WeakSet()).add(payload);
    }
    return payload;
  }

  /**
   * Starts `#fill` as the one read in flight (`#reading`), which it clears
   * itself when it ends: no `finally` promise and closures per read.
   */
  #read(background = false): Promise<void> {
    const reading = this.#fill(background);
    // Ended before returning (it failed without reading): nothing in flight.
    if (this.#filling) this.#reading = reading;
    return reading;
  }

  /**
   * One read, decoded; sets the frame queue, end of stream or an error. A
   * read in the background (nobody waiting) uses the connection's own small
   * buffer: an idle connection must not hold a pooled one.
   */
  async #fill(background: boolean): Promise<void> {
    this.#filling = true;
    try {
      if (this.#pongBytes > PONG_BACKLOG_BYTES) await this.#lastPong;
      const decoder = this.#decoder;
      const direct = decoder.missingPayloadBytes >= this.#readBufferBytes;
      let target: Uint8Array;
      if (direct) {
        this.#giveBackLarge();
        try {
          target = decoder.payloadWindow(DIRECT_READ_MAX_BYTES)!;
        } catch (error) {
          this.#receiveError = error;
          return;
        }
      } else if (this.#useLarge && !background) {
        target = this.#large ??= borrowBuffer(this.#readBufferBytes);
      } else {
        this.#giveBackLarge();
        target = this.#small;
      }
      let count: number | null;
      try {
        count = await this.#conn.read(target);
      } catch (error) {
        this.#giveBackLarge();
        if (this.closed) {
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
        this.#giveBackLarge();
        this.#eof = true;
        try {
          decoder.finish();
        } catch (error) {
          this.#receiveError = error;
        }
        return;
      }
      this.bytesReceived += count;
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
      if (target === this.#small) {
        // A burst: the next read takes as much as the large buffer holds.
        this.#useLarge = count === target.length &&
          this.#readBufferBytes > target.length;
        // Delivered payloads are views of it: it is theirs now.
        if (decoder.retainedInput) this.#small = new Uint8Array(target.length);
      } else {
        this.#useLarge = count >= target.length / 2;
        // Never back to the pool: delivered payloads are views of it.
        if (decoder.retainedInput) this.#large = undefined;
      }
      if (decoder.error !== undefined) this.#receiveError = decoder.error;
      this.#deliver(frames);
    } finally {
      this.#filling = false;
      this.#reading = undefined;
    }
  }

  /** Returns the large read buffer to the pool; no read may be using it. */
  #giveBackLarge(): void {
    if (this.#large === undefined) return;
    returnBuffer(this.#large);
    this.#large = undefined;
  }

  #deliver(frames: Frame[]): void {
    this.framesReceived += frames.length;
    if (this.#answerPing !== undefined) {
      // Pings are answered here and not handed out.
      let kept = 0;
      for (let i = 0; i < frames.length; i++) {
        const frame = frames[i];
        if (frame.type === FrameType.Ping) {
          this.#answer(frame);
        } else {
          frames[kept++] = frame;
        }
      }
      frames.length = kept;
    }
    this.#received = frames;
    this.#receivedHead = 0;
  }

  #answer(ping: Frame): void {
    const bytes = ping.payload.length;
    this.#pongBytes += bytes;
    this.#lastPong = this.#answerPing!(ping).finally(() => {
      this.#pongBytes -= bytes;
    });
  }
}
