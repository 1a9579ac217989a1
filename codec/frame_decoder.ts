// Copyright 2026 the framewire authors. MIT license.
/**
 * The incremental decoder: push bytes as they arrive, get whole frames out.
 *
 * @module
 */
import { describe } from "../internal/describe.ts";
import { readLength } from "./_header.ts";
import {
  type AllocatePayload,
  PayloadBuffer,
  PREALLOCATE_MAX_BYTES,
} from "./_payload_buffer.ts";
import {
  FrameTooLargeError,
  TruncatedFrameError,
  UnknownFrameTypeError,
} from "./errors.ts";
import type { Frame } from "./frame.ts";
import {
  type FrameCodecOptions,
  type ResolvedFrameCodecOptions,
  resolveFrameCodecOptions,
} from "./options.ts";

/** Options for {@linkcode FrameDecoder}: the codec options plus filters. */
export interface FrameDecoderOptions extends FrameCodecOptions {
  /**
   * Frame types to accept; a header with any other type raises
   * {@linkcode UnknownFrameTypeError} before its payload is read. Ignored
   * when `typeByte` is `false`.
   *
   * @default {undefined} (every type is accepted)
   */
  acceptTypes?: Iterable<number>;
  /**
   * Called at the header of a payload of more than 64 KiB that spans
   * several chunks. Return a buffer of exactly `length` bytes that you
   * already hold (a pool of recycled buffers, as
   * {@linkcode FramedConn.prototype.release} keeps) to have it filled from
   * the first byte and handed out as the payload, or `undefined` to let the
   * decoder build the payload's buffer (with `allocatePayload`, once a
   * sixteenth of it has arrived). Memory held anyway needs no protection
   * from a peer that declares much and sends little.
   *
   * Called only after the header was validated (the length is at most
   * `maxFrameLength` and the type is accepted): a refused header never
   * reaches it, so it is never asked for more than `maxFrameLength` bytes.
   *
   * @default {undefined}
   */
  takeBuffer?: (length: number) => Uint8Array | undefined;
  /**
   * Makes the buffer of a payload the decoder assembles on its own: a
   * payload that spans several chunks, or one copied out of a chunk (see
   * the pinning rules of {@linkcode FrameDecoder}). Payloads that are views
   * (of a chunk you pushed, or of the decoder's shared slab for payloads of
   * 256 bytes or less), buffers from `takeBuffer` and empty payloads never
   * come from it. So every payload whose memory is its own came from here
   * or from `takeBuffer`, which is what lets
   * {@linkcode FramedConn.prototype.release} recycle exactly those.
   *
   * The contract:
   * - It is called with `byteLength` only after the header was validated
   *   (`byteLength` is at most `maxFrameLength` and the type is accepted).
   *   For a payload over 64 KiB that spans chunks, it is called once a
   *   sixteenth of the payload has arrived, not at the header, so a peer
   *   that declares much and sends little still costs little.
   * - It must return a `Uint8Array` of exactly `byteLength` bytes, zeroed or
   *   not (the decoder writes every byte before handing the payload out),
   *   that nothing else writes to from then on: the decoder fills it, and
   *   the receiver owns it as the frame's payload.
   * - Anything else (wrong length, not a `Uint8Array`) fails the decoder
   *   with a `RangeError`; an error it throws fails the decoder too.
   *
   * @default {undefined} (`new Uint8Array(byteLength)`)
   */
  allocatePayload?: (byteLength: number) => Uint8Array;
}

// Payloads up to this size are copied into a shared slab (see below).
const SMALL_PAYLOAD_MAX_BYTES = 256;
// Slab size: the most a kept small payload can pin. A fresh buffer per small
// payload would cost ~250 ns each in Deno, ten times the rest of the decode.
const SLAB_BYTES = 4096;
// The slab is shared by every decoder of the process: it is only ever
// appended to, so no payload is overwritten, and a decoder (one per
// connection: there may be ten thousand idle ones) holds no slab of its own.
// Payloads are views made with `new Uint8Array(slabBuffer, offset, length)`,
// not `slab.subarray()`, which looks up a species constructor each time: a
// receiver of 16-byte frames ran 7 to 12% faster (interleaved two-process
// runs).
let slab: Uint8Array<ArrayBuffer> = new Uint8Array(0);
let slabBuffer: ArrayBuffer = slab.buffer;
let slabUsed = 0;
// A payload may be a view of its input chunk only if it covers at least this
// fraction of the chunk's buffer, so a view never pins more than 4x its size.
const VIEW_MIN_SHARE = 4;

const EMPTY = new Uint8Array(0);

// Decoder states. Plain numbers: const enums do not survive isolated
// module transpilation.
const State = { Header: 0, Payload: 1, Failed: 2 } as const;
type State = typeof State[keyof typeof State];

/**
 * A two-state decoder (header → payload) that turns a byte stream cut at
 * arbitrary places into frames. It does no I/O, so it serves sockets,
 * streams and files alike.
 *
 * ```text
 *  push(00 00 00)  push(00 06 68 65 6c)  push(6c 6f 21 02 00 00 00 00)
 *  └ header ...    └ ... header, payload └ ... payload → Chat "hello!",
 *                                          then Ping with empty payload
 * ```
 *
 * Guarantees:
 * - A declared length above `maxFrameLength` (or a type outside
 *   `acceptTypes`) is refused from the header alone, before any payload
 *   buffer exists. Payloads up to 64 KiB get their buffer when the header is
 *   complete; larger ones grow with the bytes that actually arrive (in
 *   blocks starting at 64 KiB) until a sixteenth of the payload is in, so a
 *   peer that declares 1 GiB and sends 10 bytes costs 64 KiB, not 1 GiB, and
 *   an unfinished frame never holds more than 64 KiB + 16x what arrived.
 * - Assembling a payload from many chunks is linear: each byte is copied at
 *   most twice.
 * - Payloads are never overwritten later: keep them as long as you like. The
 *   decoder never writes into a chunk you pushed, but it may return views of
 *   it, so do not modify a chunk after pushing it. A payload of 256 bytes or
 *   less is copied into a shared 4 KiB slab (keeping one pins at most 4 KiB);
 *   a larger payload that lies inside one chunk is a zero-copy view only when
 *   it covers at least a quarter of that chunk's buffer, and is copied
 *   otherwise; so no payload pins more than 4 KiB or 4x its own size.
 * - After an error the decoder stays failed: the stream cannot be
 *   resynchronised, and every later call throws the same error.
 *
 * @example Decode a stream split at awkward places
 * ```ts
 * import { FrameDecoder } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const decoder = new FrameDecoder();
 * assert.deepEqual(decoder.push(new Uint8Array([0, 0, 0])), []);
 * assert.deepEqual(decoder.push(new Uint8Array([0, 6, 0x68, 0x65, 0x6c])), []);
 * const frames = decoder.push(new Uint8Array([0x6c, 0x6f, 0x21, 2, 0, 0, 0, 0]));
 * assert.equal(frames.length, 2);
 * assert.equal(new TextDecoder().decode(frames[0].payload), "hello!");
 * assert.equal(frames[1].type, 2);
 * assert.equal(frames[1].payload.length, 0);
 * decoder.finish(); // no partial frame left: does not throw
 * ```
 *
 * @example A length above the limit is refused from the header
 * ```ts
 * import { FrameDecoder, FrameTooLargeError } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const decoder = new FrameDecoder({ maxFrameLength: 1024 });
 * assert.throws(
 *   () => decoder.push(new Uint8Array([0, 0xff, 0xff, 0xff, 0xff])),
 *   FrameTooLargeError,
 * );
 * assert.equal(decoder.bufferedBytes, 0);
 * ```
 */
export class FrameDecoder {
  #options: ResolvedFrameCodecOptions;
  // Shared by decoders with the same frozen acceptTypes (see acceptedTable).
  #accepted: Uint8Array | undefined;
  // The user's allocatePayload, unchecked; undefined for the default.
  #allocatePayload: AllocatePayload | undefined;
  #takeBuffer: ((length: number) => Uint8Array | undefined) | undefined;
  #state: State = State.Header;
  // Made at the first header split across chunks: most never are.
  #header: Uint8Array | undefined;
  #headerFilled = 0;
  #type = 0;
  #payload: PayloadBuffer | undefined;
  #retainedInput = false;
  #error: Error | undefined;

  /**
   * Constructs a new instance.
   *
   * @param options Codec options and filters; see
   * {@linkcode FrameDecoderOptions}.
   * @throws {TypeError} If an option has the wrong type (`allocatePayload`
   * not a function included).
   * @throws {RangeError} If `maxFrameLength` or an accepted type is out of
   * range.
   */
  constructor(options: FrameDecoderOptions = {}) {
    this.#options = codecOptions(options);
    this.#takeBuffer = options.takeBuffer;
    const allocatePayload = options.allocatePayload;
    if (
      allocatePayload !== undefined && typeof allocatePayload !== "function"
    ) {
      throw new TypeError(
        `Cannot use allocatePayload ${
          describe(allocatePayload)
        }: expected a function`,
      );
    }
    this.#allocatePayload = allocatePayload;
    if (options.acceptTypes !== undefined && this.#options.typeByte) {
      this.#accepted = acceptedTable(options.acceptTypes);
    }
  }

  /** The resolved codec options this decoder uses. */
  get options(): ResolvedFrameCodecOptions {
    return this.#options;
  }

  /** Bytes of the unfinished frame held so far, header included. */
  get bufferedBytes(): number {
    if (this.#state !== State.Payload) return this.#headerFilled;
    return this.#options.headerLength + this.#payload!.filled;
  }

  /** Bytes of memory reserved for the unfinished frame's payload. */
  get reservedBytes(): number {
    return this.#state === State.Payload ? this.#payload!.capacity : 0;
  }

  /**
   * Whether the last {@linkcode FrameDecoder.prototype.push} returned a view
   * of its chunk. A caller that reuses its read buffer must allocate a new one
   * when this is `true`.
   */
  get retainedInput(): boolean {
    return this.#retainedInput;
  }

  /**
   * Payload bytes still missing from the unfinished frame; `0` when no
   * payload is in progress.
   */
  get missingPayloadBytes(): number {
    if (this.#state !== State.Payload) return 0;
    return this.#payload!.length - this.#payload!.filled;
  }

  /** The error that failed this decoder, if any. */
  get error(): Error | undefined {
    return this.#error;
  }

  /**
   * Feeds bytes and returns the frames they complete, in order.
   *
   * If the chunk holds whole frames before a bad header, those frames are
   * returned and the error is thrown by the next call (check
   * {@linkcode FrameDecoder.prototype.error} to act on it at once).
   *
   * @param chunk The next bytes of the stream; do not modify it afterwards.
   * @returns The frames completed by this chunk (possibly none).
   * @throws {FrameTooLargeError} If a header declares more than
   * `maxFrameLength`.
   * @throws {UnknownFrameTypeError} If a header's type is not accepted.
   * @throws {RangeError} If `allocatePayload` breaks its contract (and
   * whatever it throws).
   * @throws {TypeError} If the chunk is not a `Uint8Array`; the decoder stays
   * usable.
   */
  push(chunk: Uint8Array): Frame[] {
    if (this.#error) throw this.#error;
    // A plain JavaScript caller could pass a string or an ArrayBuffer, whose
    // bytes would otherwise be dropped without a word.
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot decode: expected a Uint8Array chunk, got ${describe(chunk)}`,
      );
    }
    this.#retainedInput = false;
    const frames: Frame[] = [];
    try {
      this.#decode(chunk, frames);
    } catch (error) {
      this.#state = State.Failed;
      this.#payload = undefined;
      this.#error = error as Error;
      if (frames.length === 0) throw error;
    }
    return frames;
  }

  /**
   * Declares the end of the stream.
   *
   * @throws {TruncatedFrameError} If the stream ended inside a frame, with the
   * number of missing bytes.
   * @throws The decoder's earlier error, if it failed.
   */
  finish(): void {
    if (this.#error) throw this.#error;
    const headerLength = this.#options.headerLength;
    if (this.#state === State.Payload) {
      const payload = this.#payload!;
      throw this.#fail(
        new TruncatedFrameError(
          headerLength + payload.filled,
          payload.length - payload.filled,
          false,
        ),
      );
    }
    if (this.#headerFilled > 0) {
      throw this.#fail(
        new TruncatedFrameError(
          this.#headerFilled,
          headerLength - this.#headerFilled,
          true,
        ),
      );
    }
  }

  /**
   * For transports that read straight into the payload being assembled, which
   * saves a copy for large frames: a writable view of at most `maxBytes` of
   * the unfinished payload, or `undefined` when no payload is in progress.
   * Pass the number of bytes filled to
   * {@linkcode FrameDecoder.prototype.commitPayload}.
   *
   * @param maxBytes Largest window wanted.
   * @returns The window, never longer than the bytes still missing.
   */
  payloadWindow(maxBytes: number): Uint8Array | undefined {
    if (this.#state !== State.Payload) return undefined;
    try {
      return this.#payload!.window(maxBytes);
    } catch (error) {
      // The window may make the payload's buffer: a failing allocator.
      throw this.#fail(error as Error);
    }
  }

  /**
   * Records that `byteCount` bytes were written into the last
   * {@linkcode FrameDecoder.prototype.payloadWindow}.
   *
   * @param byteCount Bytes written, at most the window's length.
   * @returns The completed frame, or `undefined` if the payload still misses
   * bytes.
   * @throws {RangeError} If no payload is in progress or the count exceeds
   * what is missing.
   */
  commitPayload(byteCount: number): Frame | undefined {
    const payload = this.#payload;
    if (
      this.#state !== State.Payload || payload === undefined ||
      !Number.isInteger(byteCount) || byteCount < 0 ||
      byteCount > payload.length - payload.filled
    ) {
      throw new RangeError(
        `Cannot commit ${byteCount} payload bytes: no window of that size is open`,
      );
    }
    payload.filled += byteCount;
    if (payload.filled < payload.length) return undefined;
    let bytes: Uint8Array;
    try {
      bytes = payload.finish();
    } catch (error) {
      throw this.#fail(error as Error);
    }
    this.#state = State.Header;
    this.#payload = undefined;
    return { type: this.#type, payload: bytes };
  }

  #fail(error: Error): Error {
    this.#state = State.Failed;
    this.#payload = undefined;
    this.#error = error;
    return error;
  }

  #decode(chunk: Uint8Array, frames: Frame[]): void {
    const options = this.#options;
    const headerLength = options.headerLength;
    const typeByte = options.typeByte;
    const end = chunk.length;
    let offset = 0;
    while (offset < end) {
      if (this.#state === State.Payload) {
        const payload = this.#payload!;
        const take = Math.min(payload.length - payload.filled, end - offset);
        payload.append(chunk.subarray(offset, offset + take));
        offset += take;
        if (payload.filled === payload.length) {
          frames.push({ type: this.#type, payload: payload.finish() });
          this.#payload = undefined;
          this.#state = State.Header;
        }
        continue;
      }
      // Header state. The common case is a header wholly inside the chunk.
      let source = chunk;
      let at = offset;
      if (this.#headerFilled === 0 && end - offset >= headerLength) {
        offset += headerLength;
      } else {
        const take = Math.min(headerLength - this.#headerFilled, end - offset);
        this.#header ??= new Uint8Array(headerLength);
        this.#header.set(
          chunk.subarray(offset, offset + take),
          this.#headerFilled,
        );
        this.#headerFilled += take;
        offset += take;
        if (this.#headerFilled < headerLength) return;
        this.#headerFilled = 0;
        source = this.#header;
        at = 0;
      }
      const type = typeByte ? source[at] : 0;
      const length = readLength(source, typeByte ? at + 1 : at, options);
      if (this.#accepted !== undefined && this.#accepted[type] === 0) {
        throw new UnknownFrameTypeError(type);
      }
      if (length > options.maxFrameLength) {
        throw new FrameTooLargeError(length, options.maxFrameLength, "receive");
      }
      if (end - offset >= length) {
        frames.push({ type, payload: this.#take(chunk, offset, length) });
        offset += length;
        continue;
      }
      // Only now, with the length and type validated above, may an
      // allocation hook see the length: a peer's 4 GiB header must be
      // refused before anything is asked to hold it.
      this.#type = type;
      const reused = length > PREALLOCATE_MAX_BYTES
        ? this.#takeBuffer?.(length)
        : undefined;
      if (reused !== undefined && reused.length !== length) {
        throw new RangeError(
          `Cannot reuse a ${reused.length}-byte buffer for a ${length}-byte payload`,
        );
      }
      const allocatePayload = this.#allocatePayload;
      this.#payload = new PayloadBuffer(
        length,
        allocatePayload === undefined
          ? allocateZeroed
          : (byteLength) =>
            checkAllocated(allocatePayload(byteLength), byteLength),
        reused,
      );
      this.#state = State.Payload;
    }
  }

  /** A complete payload inside `chunk`, copied or viewed per the policy. */
  #take(chunk: Uint8Array, offset: number, length: number): Uint8Array {
    if (length === 0) return EMPTY;
    if (length <= SMALL_PAYLOAD_MAX_BYTES) {
      if (slabUsed + length > slab.length) {
        slab = new Uint8Array(SLAB_BYTES);
        slabBuffer = slab.buffer;
        slabUsed = 0;
      }
      const start = slabUsed;
      // A plain loop beats set() + subarray() for the tiny payloads that
      // dominate chatty protocols.
      if (length < 64) {
        for (let i = 0; i < length; i++) slab[start + i] = chunk[offset + i];
      } else {
        slab.set(chunk.subarray(offset, offset + length), start);
      }
      slabUsed = start + length;
      return new Uint8Array(slabBuffer, start, length);
    }
    if (length * VIEW_MIN_SHARE >= chunk.buffer.byteLength) {
      this.#retainedInput = true;
      return chunk.subarray(offset, offset + length);
    }
    const allocatePayload = this.#allocatePayload;
    if (allocatePayload === undefined) {
      return chunk.slice(offset, offset + length);
    }
    const copy = checkAllocated(allocatePayload(length), length);
    copy.set(chunk.subarray(offset, offset + length));
    return copy;
  }
}

// Codec options resolved for earlier decoders, by their fields: a server
// makes one decoder per connection, all with the same options. Bounded:
// cleared when full.
const CODEC_CACHE_MAX = 16;
const codecCache = new Map<string, ResolvedFrameCodecOptions>();

/** The decoder's codec options, resolved once per distinct set. */
function codecOptions(
  options: FrameDecoderOptions,
): ResolvedFrameCodecOptions {
  if (options === null || typeof options !== "object") {
    return resolveFrameCodecOptions(options);
  }
  const { lengthFieldBytes, littleEndian, typeByte, maxFrameLength } = options;
  // Only plain values can key the cache; anything else is checked below.
  const key = [lengthFieldBytes, littleEndian, typeByte, maxFrameLength]
      .every((value) =>
        value === undefined || typeof value === "number" ||
        typeof value === "boolean"
      )
    ? `${lengthFieldBytes},${littleEndian},${typeByte},${maxFrameLength}`
    : undefined;
  const cached = key === undefined ? undefined : codecCache.get(key);
  if (cached !== undefined) return cached;
  const resolved = resolveFrameCodecOptions(options);
  if (key !== undefined) {
    if (codecCache.size >= CODEC_CACHE_MAX) codecCache.clear();
    codecCache.set(key, resolved);
  }
  return resolved;
}

// Tables of accepted types, shared by every decoder built with the same
// frozen acceptTypes array (a server's one per connection): 256 bytes each.
const acceptedTables = new WeakMap<object, Uint8Array>();

/** The 256-entry table of `types`, checked; shared when `types` is frozen. */
function acceptedTable(types: Iterable<number>): Uint8Array {
  const shareable = typeof types === "object" && types !== null &&
    Object.isFrozen(types);
  const cached = shareable ? acceptedTables.get(types) : undefined;
  if (cached !== undefined) return cached;
  const table = new Uint8Array(256);
  for (const type of types) {
    if (!Number.isInteger(type) || type < 0 || type > 255) {
      throw new RangeError(
        `Cannot accept frame type ${
          describe(type)
        }: expected an integer from 0 to 255`,
      );
    }
    table[type] = 1;
  }
  if (shareable) acceptedTables.set(types, table);
  return table;
}

function allocateZeroed(byteLength: number): Uint8Array {
  return new Uint8Array(byteLength);
}

function checkAllocated(buffer: Uint8Array, byteLength: number): Uint8Array {
  if (!(buffer instanceof Uint8Array) || buffer.length !== byteLength) {
    throw new RangeError(
      `Cannot use ${
        buffer instanceof Uint8Array
          ? `a ${buffer.length}-byte buffer`
          : describe(buffer)
      } from allocatePayload for a ${byteLength}-byte payload: expected a Uint8Array of exactly ${byteLength} bytes`,
    );
  }
  return buffer;
}
