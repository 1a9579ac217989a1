// Copyright 2026 the framewire authors. MIT license.
// Private helpers for the transport tests: loopback socket pairs that dispose
// everything they open, fakes that force what the OS will not do on demand
// (a write that takes one byte), a seeded random source and a cheap byte
// pattern for checking megabytes without a second copy.
import {
  type ByteConn,
  type Frame,
  FramedConn,
  type FramedConnOptions,
  FrameDecoder,
  type FrameDecoderOptions,
} from "../../mod.ts";

/**
 * How long a socket pair may live. A regression that loses bytes would
 * otherwise leave a test waiting forever on a read; the watchdog closes the
 * conns instead, so the waiting call fails and disposal reports the timeout.
 * It bounds a test's time; it never asserts on speed.
 */
export const WATCHDOG_MS = 20_000;

/** Two connected raw TCP conns on 127.0.0.1; disposing closes both. */
export interface RawTcpPair extends Disposable {
  /** The side that connected. */
  readonly client: Deno.TcpConn;
  /** The side that accepted. */
  readonly server: Deno.TcpConn;
}

/** Opens a loopback TCP connection on a port picked by the OS. */
export async function rawTcpPair(): Promise<RawTcpPair> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let client: Deno.TcpConn;
  let server: Deno.TcpConn;
  try {
    [client, server] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
      listener.accept(),
    ]);
  } finally {
    listener.close();
  }
  // Small test writes should not wait for Nagle's algorithm.
  client.setNoDelay(true);
  server.setNoDelay(true);
  let expired = false;
  const watchdog = setTimeout(() => {
    expired = true;
    closeQuietly(client);
    closeQuietly(server);
  }, WATCHDOG_MS);
  return {
    client,
    server,
    [Symbol.dispose]() {
      clearTimeout(watchdog);
      closeQuietly(client);
      closeQuietly(server);
      if (expired) {
        throw new Error(
          `Test still waiting after ${WATCHDOG_MS} ms: the watchdog closed its sockets`,
        );
      }
    },
  };
}

/** Two framed conns over loopback TCP; disposing closes both. */
export interface TcpPair extends Disposable {
  /** The side that connected. */
  readonly client: FramedConn<Deno.TcpConn>;
  /** The side that accepted. */
  readonly server: FramedConn<Deno.TcpConn>;
}

/**
 * Opens a framed loopback pair.
 *
 * @param clientOptions Options of the connecting side.
 * @param serverOptions Options of the accepting side; defaults to the
 * client's.
 */
export async function tcpPair(
  clientOptions: FramedConnOptions = {},
  serverOptions: FramedConnOptions = clientOptions,
): Promise<TcpPair> {
  const raw = await rawTcpPair();
  try {
    const client = new FramedConn(raw.client, clientOptions);
    const server = new FramedConn(raw.server, serverOptions);
    return {
      client,
      server,
      [Symbol.dispose]() {
        client.close();
        server.close();
        raw[Symbol.dispose]();
      },
    };
  } catch (error) {
    raw[Symbol.dispose]();
    throw error;
  }
}

/** A framed conn facing a raw peer that writes whatever bytes a test wants. */
export interface RawPeerPair extends Disposable {
  /** The framed side under test. */
  readonly framed: FramedConn<Deno.TcpConn>;
  /** The raw peer. */
  readonly raw: Deno.TcpConn;
}

/**
 * Opens a loopback pair with a raw peer.
 *
 * @param options Options of the framed side.
 */
export async function rawPeerPair(
  options: FramedConnOptions = {},
): Promise<RawPeerPair> {
  const pair = await rawTcpPair();
  try {
    const framed = new FramedConn(pair.server, options);
    return {
      framed,
      raw: pair.client,
      [Symbol.dispose]() {
        framed.close();
        pair[Symbol.dispose]();
      },
    };
  } catch (error) {
    pair[Symbol.dispose]();
    throw error;
  }
}

/** Closes a conn that a test may already have closed. */
export function closeQuietly(conn: { close(): void }): void {
  try {
    conn.close();
  } catch (error) {
    if (!(error instanceof Deno.errors.BadResource)) throw error;
  }
}

/** Writes every byte to a raw conn (Deno.Conn#write may write fewer). */
export async function writeRaw(
  conn: Deno.Conn,
  bytes: Uint8Array | number[],
): Promise<void> {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let written = 0;
  while (written < data.length) {
    written += await conn.write(data.subarray(written));
  }
}

/**
 * Reads exactly `length` bytes from a raw conn.
 *
 * @throws {Error} If the stream ends first.
 */
export async function readExactly(
  conn: Deno.Conn,
  length: number,
): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const count = await conn.read(buffer.subarray(filled));
    if (count === null) {
      throw new Error(`Stream ended after ${filled} of ${length} bytes`);
    }
    filled += count;
  }
  return buffer;
}

/** Reads from a raw conn until end of stream and returns every byte. */
export async function readToEnd(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(64 * 1024);
  while (true) {
    const count = await conn.read(buffer);
    if (count === null) return concat(chunks);
    chunks.push(buffer.slice(0, count));
  }
}

/**
 * Reads from a raw conn until `decoder` yields `count` frames.
 *
 * @throws {Error} If the stream ends first.
 */
export async function readFrames(
  conn: Deno.Conn,
  count: number,
  options: FrameDecoderOptions = {},
): Promise<Frame[]> {
  const decoder = new FrameDecoder(options);
  const frames: Frame[] = [];
  while (frames.length < count) {
    // A fresh buffer per read: the decoder may keep views of it.
    const buffer = new Uint8Array(64 * 1024);
    const read = await conn.read(buffer);
    if (read === null) {
      throw new Error(
        `Stream ended after ${frames.length} of ${count} frames`,
      );
    }
    frames.push(...decoder.push(buffer.subarray(0, read)));
  }
  return frames;
}

/** Joins chunks into one buffer. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** A random integer from `min` to `max`, both included. */
export function randomInt(
  random: () => number,
  min: number,
  max: number,
): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** `length` random bytes. */
export function randomBytes(random: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

// Every 4-byte word of the pattern is distinct (multiplying by an odd
// constant is a bijection on u32), so a dropped, repeated or reordered chunk
// of any size shows up, unlike a pattern that repeats every 256 bytes.
function patternByte(index: number, seed: number): number {
  return (Math.imul((index >>> 2) + seed, 0x9e3779b1) >>> ((index & 3) << 3)) &
    0xff;
}

/** Fills `bytes` with the pattern for `seed` and returns it. */
export function fillPattern<T extends Uint8Array>(bytes: T, seed: number): T {
  for (let i = 0; i < bytes.length; i++) bytes[i] = patternByte(i, seed);
  return bytes;
}

/** A new buffer of `length` pattern bytes. */
export function patternBytes(length: number, seed: number): Uint8Array {
  return fillPattern(new Uint8Array(length), seed);
}

/** Index of the first byte that differs from the pattern, or -1. */
export function findPatternMismatch(bytes: Uint8Array, seed: number): number {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== patternByte(i, seed)) return i;
  }
  return -1;
}

/** Options for {@linkcode ScriptedConn}. */
export interface ScriptedConnOptions {
  /**
   * How many of the `requested` bytes write call number `call` (from 0)
   * accepts. Defaults to all of them.
   */
  writeCount?: (requested: number, call: number) => number;
  /** What reads return, in order (split to fit the read buffer), then EOF. */
  readChunks?: readonly Uint8Array[];
  /** Whether the conn offers `closeWrite`. */
  halfClose?: boolean;
  /**
   * Whether writes hang until {@linkcode ScriptedConn.prototype.releaseWrites}
   * (a peer that stopped reading, with no timer involved).
   */
  stallWrites?: boolean;
}

/**
 * An in-memory {@linkcode ByteConn} that follows a script: writes accept
 * what `writeCount` says and are recorded; reads replay `readChunks`.
 */
export class ScriptedConn implements ByteConn {
  /** The length offered to each write call, in order. */
  readonly writeRequests: number[] = [];
  /** Whether `close` was called. */
  closed = false;
  /** Whether `closeWrite` was called (when offered). */
  writeClosed = false;
  closeWrite?: () => Promise<void>;
  #writeCount: (requested: number, call: number) => number;
  #stallWrites: boolean;
  #stalled: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  #written: Uint8Array[] = [];
  #reads: Uint8Array[];

  constructor(options: ScriptedConnOptions = {}) {
    this.#writeCount = options.writeCount ?? ((requested) => requested);
    this.#reads = [...(options.readChunks ?? [])];
    this.#stallWrites = options.stallWrites ?? false;
    if (options.halfClose) {
      this.closeWrite = () => {
        this.writeClosed = true;
        return Promise.resolve();
      };
    }
  }

  /** Every byte accepted by a write, in order. */
  get written(): Uint8Array {
    return concat(this.#written);
  }

  write(bytes: Uint8Array): Promise<number> {
    if (this.closed) return Promise.reject(new Deno.errors.BadResource());
    const count = this.#writeCount(bytes.length, this.writeRequests.length);
    this.writeRequests.push(bytes.length);
    // Copy: the caller may reuse its buffer once the write resolves.
    this.#written.push(bytes.slice(0, Math.max(0, count)));
    if (!this.#stallWrites) return Promise.resolve(count);
    return new Promise((resolve, reject) => {
      this.#stalled.push({ resolve: () => resolve(count), reject });
    });
  }

  /** Writes waiting for {@linkcode ScriptedConn.prototype.releaseWrites}. */
  get stalledWrites(): number {
    return this.#stalled.length;
  }

  /** Settles every stalled write: rejects with `error` if given. */
  releaseWrites(error?: unknown): void {
    const stalled = this.#stalled;
    this.#stalled = [];
    for (const write of stalled) {
      if (error === undefined) write.resolve();
      else write.reject(error);
    }
  }

  read(buffer: Uint8Array): Promise<number | null> {
    if (this.closed) return Promise.reject(new Deno.errors.BadResource());
    const chunk = this.#reads.shift();
    if (chunk === undefined) return Promise.resolve(null);
    const count = Math.min(chunk.length, buffer.length);
    buffer.set(chunk.subarray(0, count));
    if (count < chunk.length) this.#reads.unshift(chunk.subarray(count));
    return Promise.resolve(count);
  }

  close(): void {
    this.closed = true;
  }
}

/**
 * Wraps a real conn and records what the kernel did with each write, so a
 * test can prove a short write happened instead of hoping for one.
 */
export class WriteRecorder implements ByteConn {
  /** The wrapped conn. */
  readonly inner: Deno.TcpConn;
  /** Write calls that completed. */
  writes = 0;
  /** Write calls that accepted fewer bytes than offered. */
  shortWrites = 0;
  /** Resolves at the first short write. */
  readonly firstShortWrite: Promise<void>;
  #onShortWrite: () => void = () => {};

  constructor(inner: Deno.TcpConn) {
    this.inner = inner;
    this.firstShortWrite = new Promise((resolve) => {
      this.#onShortWrite = resolve;
    });
  }

  async write(bytes: Uint8Array): Promise<number> {
    const count = await this.inner.write(bytes);
    this.writes++;
    if (count < bytes.length) {
      this.shortWrites++;
      this.#onShortWrite();
    }
    return count;
  }

  read(buffer: Uint8Array): Promise<number | null> {
    return this.inner.read(buffer);
  }

  closeWrite(): Promise<void> {
    return this.inner.closeWrite();
  }

  close(): void {
    this.inner.close();
  }
}
export { seededRandom } from "../_utils.ts";

/**
 * The most bytes the kernel may buffer for one loopback TCP connection: the
 * sender's and the receiver's socket buffers at their autotuning maxima
 * (Linux: the third field of net.ipv4.tcp_wmem and tcp_rmem). A test that
 * needs a full socket sends more than this, whatever the machine's
 * settings; 64 MiB where /proc cannot be read.
 */
export function loopbackBufferBytes(): number {
  try {
    const max = (name: string) =>
      Number(
        Deno.readTextFileSync(`/proc/sys/net/ipv4/${name}`).trim().split(
          /\s+/,
        )[2],
      );
    const total = max("tcp_wmem") + max("tcp_rmem");
    if (Number.isSafeInteger(total) && total > 0) return total;
  } catch {
    // Not Linux, or no /proc.
  }
  return 64 * 1024 * 1024;
}
