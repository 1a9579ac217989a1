// Copyright 2026 the framewire authors. MIT license.
/**
 * The options of a {@linkcode FramedConn} and their one resolution.
 *
 * @module
 */
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
   * alive even while the application reads nothing (from a few ms after the
   * first send or receive on, one read stays pending while no frame is
   * queued). `false`:
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
