// Copyright 2026 the framewire authors. MIT license.
// The receive side of FramedConn: one read feeds the decoder, and all the
// frames it yields are handed out before the next read. Large payloads are
// read straight into their buffer, and buffers given back with release()
// are reused for later large frames.
import type { Frame } from "../codec/frame.ts";
import { FrameDecoder } from "../codec/frame_decoder.ts";
import type { ResolvedFrameCodecOptions } from "../codec/options.ts";

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

export class FrameReader {
  /** Bytes read from the stream. */
  bytesReceived = 0;
  /** Complete frames decoded. */
  framesReceived = 0;
  /** Set by FramedConn.close(): a read that fails then is an end of stream. */
  closed = false;
  #conn: Reader;
  #decoder: FrameDecoder;
  #readBuffer: Uint8Array;
  #received: Frame[] = [];
  #receivedHead = 0;
  #reading: Promise<void> | undefined;
  #eof = false;
  #receiveError: unknown;
  // Payload buffers given back with release(), reused for large frames.
  #pool: ArrayBuffer[] = [];
  // Each buffer over POOL_MIN_BYTES that the decoder got from this reader
  // (#allocatePayload, #takePooled), mapped to the payload that owns it now
  // (null while pooled). Only these may be pooled: a view of a read buffer
  // shares its memory with other frames, a caller's buffer may still be in
  // use, and a stale payload of a refilled buffer must not hand the new
  // payload's memory to a third frame.
  #owners: WeakMap<ArrayBuffer, Uint8Array | null> = new WeakMap();

  constructor(
    conn: Reader,
    codec: ResolvedFrameCodecOptions,
    acceptTypes: readonly number[] | undefined,
    readBufferBytes: number,
  ) {
    this.#conn = conn;
    this.#decoder = new FrameDecoder({
      ...codec,
      acceptTypes,
      takeBuffer: (byteLength) => this.#takePooled(byteLength),
      allocatePayload: (byteLength) => this.#allocatePayload(byteLength),
    });
    this.#readBuffer = new Uint8Array(readBufferBytes);
  }

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

  release(payload: Uint8Array): void {
    const buffer = payload.buffer;
    if (
      !(buffer instanceof ArrayBuffer) ||
      this.#owners.get(buffer) !== payload ||
      this.#pool.length >= POOL_MAX_BUFFERS
    ) {
      return;
    }
    this.#owners.set(buffer, null);
    this.#pool.push(buffer);
  }

  /** The decoder's `takeBuffer`: a pooled buffer when one fits. */
  #takePooled(byteLength: number): Uint8Array | undefined {
    const pool = this.#pool;
    for (let i = 0; i < pool.length; i++) {
      const buffer = pool[i];
      // A much larger buffer would pin memory the frame does not need.
      if (
        buffer.byteLength >= byteLength && buffer.byteLength <= 2 * byteLength
      ) {
        pool.splice(i, 1);
        const payload = new Uint8Array(buffer, 0, byteLength);
        this.#owners.set(buffer, payload);
        return payload;
      }
    }
    return undefined;
  }

  /** The decoder's `allocatePayload`: remembers the buffers worth pooling. */
  #allocatePayload(byteLength: number): Uint8Array {
    const payload = new Uint8Array(byteLength);
    if (byteLength > POOL_MIN_BYTES) this.#owners.set(payload.buffer, payload);
    return payload;
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
    let target = this.#readBuffer;
    if (direct) {
      try {
        target = decoder.payloadWindow(DIRECT_READ_MAX_BYTES)!;
      } catch (error) {
        this.#receiveError = error;
        return;
      }
    }
    let count: number | null;
    try {
      count = await this.#conn.read(target);
    } catch (error) {
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
    if (decoder.retainedInput) {
      this.#readBuffer = new Uint8Array(this.#readBuffer.length);
    }
    if (decoder.error !== undefined) this.#receiveError = decoder.error;
    this.#deliver(frames);
  }

  #deliver(frames: Frame[]): void {
    this.#received = frames;
    this.#receivedHead = 0;
    this.framesReceived += frames.length;
  }
}
