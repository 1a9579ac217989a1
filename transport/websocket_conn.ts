// Copyright 2026 the framewire authors. MIT license.
/**
 * Frames over WebSocket: a {@linkcode WebSocketConn} makes a `WebSocket`
 * (a browser's, or one of `Deno.upgradeWebSocket`) look like the byte
 * stream a {@linkcode FramedConn} runs on, so that the same codec, the same
 * `FramedConn` and the same server core serve both transports. Each binary
 * message carries exactly one frame, the same bytes as on TCP.
 *
 * Nothing here touches `Deno.*`: the module loads and runs in a browser.
 *
 * @module
 */
import { TruncatedFrameError } from "../codec/errors.ts";
import { FrameType } from "../codec/frame.ts";
import { readFramePayloadLength } from "../codec/frame_header.ts";
import {
  type FrameCodecOptions,
  type ResolvedFrameCodecOptions,
  resolveFrameCodecOptions,
} from "../codec/options.ts";
import { numberOption, optionsObject } from "../internal/options.ts";
import { Queue } from "../internal/queue.ts";
import { ConnectionClosedError } from "./errors.ts";
import type { ByteConn } from "./framed_conn.ts";
import { ErrorCode, parseErrorFrame } from "./protocol_errors.ts";

/**
 * The WebSocket close codes (RFC 6455 §7.4.1) framewire uses; which one
 * ends a connection follows from the code of the last Error frame sent on
 * it (see `docs/PROTOCOL.md`, "Frames over WebSocket").
 *
 * @example
 * ```ts
 * import { WebSocketCloseCode } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * assert.equal(WebSocketCloseCode.MessageTooBig, 1009);
 * ```
 */
export const WebSocketCloseCode = {
  /** Closed without an error. */
  Normal: 1000,
  /** The server is shutting down (`SHUTTING_DOWN`). */
  GoingAway: 1001,
  /** A message that is not exactly one frame, or a bad frame. */
  ProtocolError: 1002,
  /** A text message (`WS_TEXT_MESSAGE`). */
  UnsupportedData: 1003,
  /** Any other Error frame: a limit, a timeout, a refused login. */
  PolicyViolation: 1008,
  /** A frame above the receiver's `maxFrameLength` (`FRAME_TOO_LARGE`). */
  MessageTooBig: 1009,
  /** The server failed (`INTERNAL_ERROR`). */
  InternalError: 1011,
  /** The server or the host is at a connection limit; try later. */
  TryAgainLater: 1013,
} as const;

const CLOSE_CODES: Readonly<Record<string, number>> = {
  [ErrorCode.ShuttingDown]: WebSocketCloseCode.GoingAway,
  [ErrorCode.WsTextMessage]: WebSocketCloseCode.UnsupportedData,
  [ErrorCode.WsExtraBytes]: WebSocketCloseCode.ProtocolError,
  [ErrorCode.FrameTruncated]: WebSocketCloseCode.ProtocolError,
  [ErrorCode.FrameTypeUnknown]: WebSocketCloseCode.ProtocolError,
  [ErrorCode.ProtocolMismatch]: WebSocketCloseCode.ProtocolError,
  [ErrorCode.FrameTooLarge]: WebSocketCloseCode.MessageTooBig,
  [ErrorCode.InternalError]: WebSocketCloseCode.InternalError,
  [ErrorCode.ServerFull]: WebSocketCloseCode.TryAgainLater,
  [ErrorCode.HostLimit]: WebSocketCloseCode.TryAgainLater,
  [ErrorCode.ConnectionRateLimited]: WebSocketCloseCode.TryAgainLater,
};

/**
 * The WebSocket close code that follows an Error frame with `code`
 * (`undefined`: no Error frame, a normal close).
 *
 * @param code The code of the last Error frame sent, if any.
 * @returns A close code of {@linkcode WebSocketCloseCode}.
 *
 * @example
 * ```ts
 * import { webSocketCloseCodeFor } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * assert.equal(webSocketCloseCodeFor("WS_TEXT_MESSAGE"), 1003);
 * assert.equal(webSocketCloseCodeFor("SESSION_REPLACED"), 1008);
 * assert.equal(webSocketCloseCodeFor(undefined), 1000);
 * ```
 */
export function webSocketCloseCodeFor(code: string | undefined): number {
  if (code === undefined) return WebSocketCloseCode.Normal;
  return CLOSE_CODES[code] ?? WebSocketCloseCode.PolicyViolation;
}

/**
 * A WebSocket message that is not one frame: a text message
 * (`WS_TEXT_MESSAGE`), or a binary one longer than the frame its header
 * declares (`WS_EXTRA_BYTES`: two frames, or trailing bytes). A message
 * shorter than its frame raises `TruncatedFrameError` (`FRAME_TRUNCATED`),
 * as a stream that ends inside a frame does.
 *
 * @example
 * ```ts
 * import { WebSocketMessageError } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const error = new WebSocketMessageError("WS_TEXT_MESSAGE", "Cannot decode frame: a text message");
 * assert.equal(error.code, "WS_TEXT_MESSAGE");
 * ```
 */
export class WebSocketMessageError extends Error {
  /** Stable error code. */
  readonly code: "WS_TEXT_MESSAGE" | "WS_EXTRA_BYTES";

  /**
   * Constructs a new instance.
   *
   * @param code `WS_TEXT_MESSAGE` or `WS_EXTRA_BYTES`.
   * @param message What was wrong.
   */
  constructor(code: "WS_TEXT_MESSAGE" | "WS_EXTRA_BYTES", message: string) {
    super(message);
    this.name = "WebSocketMessageError";
    this.code = code;
  }
}

/** Options for {@linkcode WebSocketConn}: the frame layout, and buffering. */
export interface WebSocketConnOptions extends FrameCodecOptions {
  /**
   * A write waits while the socket holds more than this many bytes not yet
   * sent (`bufferedAmount`), so that a peer that does not read slows the
   * writer down instead of growing memory.
   *
   * @default {1048576}
   */
  maxBufferedBytes?: number;
}

const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
// WebSocket has no "drained" event: while over the limit, look again.
const DRAIN_POLL_MS = 5;

/**
 * A `WebSocket` as a byte stream for {@linkcode FramedConn}: each inbound
 * binary message must hold exactly one whole frame (checked from its
 * header before its bytes are passed on); the frames written are sent one
 * per binary message. `closeWrite()` and `close()` close the socket with
 * the close code that fits the last Error frame sent
 * ({@linkcode webSocketCloseCodeFor}), the code itself as the reason.
 *
 * A message whose header declares more than `maxFrameLength` is passed on
 * by its header alone, so the decoder refuses it (`FRAME_TOO_LARGE`) as it
 * does on TCP.
 *
 * @example A FramedConn over a WebSocket (in a browser, or in Deno)
 * ```ts ignore
 * import { FramedConn, WebSocketConn } from "@framewire/framewire";
 *
 * const socket = new WebSocket("ws://127.0.0.1:8080/ws");
 * const conn = new FramedConn(new WebSocketConn(socket));
 * await conn.send({ type: 2, payload: new Uint8Array([1]) }); // Ping
 * const pong = await conn.receive();
 * ```
 */
export class WebSocketConn implements ByteConn {
  /** The socket. */
  readonly socket: WebSocket;
  #codec: ResolvedFrameCodecOptions;
  #maxBufferedBytes: number;
  // Inbound: checked messages not read yet, the offset into the first.
  #inbox = new Queue<Uint8Array>();
  #offset = 0;
  #failure: Error | undefined;
  #ended = false;
  #wake: (() => void) | undefined;
  // Outbound: a frame whose bytes came in several writes.
  #partial: Uint8Array | undefined;
  #partialFill = 0;
  #head: Uint8Array;
  #headFill = 0;
  #lastErrorCode: string | undefined;
  #closeSent = false;
  #opened: Promise<void>;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  #drainDone: (() => void) | undefined;
  #peerClose: { code: number; reason: string } | undefined;

  /**
   * Wraps a socket, open or still connecting (writes wait for it to open).
   *
   * @param socket The WebSocket; its `binaryType` is set to `arraybuffer`.
   * @param options Frame layout, `maxFrameLength` of what is received, and
   * `maxBufferedBytes`.
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If an option is out of range.
   */
  constructor(socket: WebSocket, options: WebSocketConnOptions = {}) {
    const raw = optionsObject(options, "Cannot wrap WebSocket");
    this.#codec = resolveFrameCodecOptions(raw);
    this.#maxBufferedBytes = numberOption(
      "maxBufferedBytes",
      raw.maxBufferedBytes,
      DEFAULT_MAX_BUFFERED_BYTES,
    );
    this.#head = new Uint8Array(this.#codec.headerLength);
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    this.#opened = socket.readyState === WebSocket.OPEN
      ? Promise.resolve()
      : new Promise((resolve) => {
        socket.addEventListener("open", () => resolve(), { once: true });
        socket.addEventListener("close", () => resolve(), { once: true });
      });
    socket.addEventListener("message", (event) => this.#received(event.data));
    socket.addEventListener("error", (event) => {
      // Deno names what went wrong, such as a peer that broke the WebSocket
      // protocol (reserved bits, an unknown opcode, invalid UTF-8 in a text
      // message). Reads then fail with it, as a TCP read fails on a reset.
      // Browsers say nothing, and a peer that just vanished ("Unexpected
      // EOF") ends the stream like a TCP close.
      const message = (event as ErrorEvent).message;
      if (
        typeof message === "string" && message !== "" &&
        message !== "Unexpected EOF" && this.#failure === undefined
      ) {
        this.#failure = new Error(`WebSocket error: ${message}`);
      }
    });
    socket.addEventListener("close", (event) => {
      this.#peerClose ??= { code: event.code, reason: event.reason };
      this.#end();
    });
    if (socket.readyState >= WebSocket.CLOSING) this.#end();
  }

  /**
   * The close code and reason the socket closed with (the peer's, or ours
   * echoed back), once it has closed; `undefined` before.
   */
  get closeInfo(): { code: number; reason: string } | undefined {
    return this.#peerClose;
  }

  /**
   * Reads the next bytes of the checked messages; `null` once the socket
   * has closed and everything received was read.
   *
   * @throws {WebSocketMessageError} After the frames that came before it,
   * for a text message or one holding more than one frame.
   * @throws {TruncatedFrameError} For a message shorter than its frame.
   */
  read(buffer: Uint8Array): Promise<number | null> {
    if (this.#inbox.length > 0) {
      // As many queued messages as fit: the reader then decodes a batch of
      // frames per read, as it does from a TCP stream.
      let filled = 0;
      let message = this.#inbox.peek();
      while (message !== undefined && filled < buffer.length) {
        const count = Math.min(
          buffer.length - filled,
          message.length - this.#offset,
        );
        buffer.set(
          message.subarray(this.#offset, this.#offset + count),
          filled,
        );
        filled += count;
        this.#offset += count;
        if (this.#offset < message.length) break;
        this.#inbox.shift();
        this.#offset = 0;
        message = this.#inbox.peek();
      }
      return Promise.resolve(filled);
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#ended) return Promise.resolve(null);
    return new Promise<void>((resolve) => this.#wake = resolve)
      .then(() => this.read(buffer));
  }

  /**
   * Sends every complete frame in `bytes` as one binary message; a frame
   * cut across writes is kept until its last byte arrives. Waits while the
   * socket buffers more than `maxBufferedBytes`.
   *
   * @returns `bytes.length`: every byte is taken.
   * @throws {ConnectionClosedError} If the socket is closing or closed.
   */
  async write(bytes: Uint8Array): Promise<number> {
    if (this.socket.readyState === WebSocket.CONNECTING) await this.#opened;
    if (this.#closeSent || this.socket.readyState !== WebSocket.OPEN) {
      throw new ConnectionClosedError("write");
    }
    const headerLength = this.#codec.headerLength;
    let offset = 0;
    while (offset < bytes.length) {
      if (this.#partial === undefined) {
        let declared: number | undefined;
        if (this.#headFill === 0) {
          declared = readFramePayloadLength(bytes, offset, this.#codec);
          if (declared === undefined) {
            // A header cut in two: rare, but a write may end anywhere.
            this.#head.set(bytes.subarray(offset));
            this.#headFill = bytes.length - offset;
            break;
          }
          const end = offset + headerLength + declared;
          if (end <= bytes.length) {
            // The common case: the whole frame lies in this write.
            this.#send(bytes.subarray(offset, end));
            offset = end;
            continue;
          }
        } else {
          const take = Math.min(
            headerLength - this.#headFill,
            bytes.length - offset,
          );
          this.#head.set(bytes.subarray(offset, offset + take), this.#headFill);
          this.#headFill += take;
          offset += take;
          if (this.#headFill < headerLength) break;
          declared = readFramePayloadLength(this.#head, 0, this.#codec)!;
        }
        this.#partial = new Uint8Array(headerLength + declared);
        this.#partialFill = 0;
        if (this.#headFill > 0) {
          this.#partial.set(this.#head);
          this.#partialFill = headerLength;
          this.#headFill = 0;
        }
      }
      const take = Math.min(
        this.#partial.length - this.#partialFill,
        bytes.length - offset,
      );
      this.#partial.set(
        bytes.subarray(offset, offset + take),
        this.#partialFill,
      );
      this.#partialFill += take;
      offset += take;
      if (this.#partialFill === this.#partial.length) {
        this.#send(this.#partial);
        this.#partial = undefined;
      }
    }
    if (this.socket.bufferedAmount > this.#maxBufferedBytes) {
      await this.#drained();
    }
    return bytes.length;
  }

  /** Closes the socket (no half-close in WebSocket); reads go on until the peer's close. */
  closeWrite(): Promise<void> {
    this.#closeSocket();
    return Promise.resolve();
  }

  /** Closes the socket; reads end (`null`), writes fail. */
  close(): void {
    this.#closeSocket();
    this.#end();
  }

  #send(frame: Uint8Array): void {
    if (this.#codec.typeByte && frame[0] === FrameType.Error) {
      const headerLength = this.#codec.headerLength;
      this.#lastErrorCode = parseErrorFrame({
        type: FrameType.Error,
        payload: frame.subarray(headerLength),
      }).code;
    }
    // Both browsers and Deno copy the bytes at send(): the caller may
    // reuse its buffer once the write resolves.
    this.socket.send(frame);
  }

  #received(data: unknown): void {
    if (this.#failure !== undefined || this.#ended) return;
    if (!(data instanceof ArrayBuffer)) {
      this.#failure = new WebSocketMessageError(
        "WS_TEXT_MESSAGE",
        "Cannot decode frame: a text WebSocket message; send each frame as one binary message",
      );
    } else {
      const bytes = new Uint8Array(data);
      const passed = this.#check(bytes);
      if (passed !== undefined) this.#inbox.push(passed);
    }
    this.#wakeReader();
  }

  /** The bytes to pass on, or `undefined` with `#failure` set. */
  #check(bytes: Uint8Array): Uint8Array | undefined {
    const { headerLength, maxFrameLength } = this.#codec;
    const declared = readFramePayloadLength(bytes, 0, this.#codec);
    if (declared === undefined) {
      this.#failure = new TruncatedFrameError(
        bytes.length,
        headerLength - bytes.length,
        true,
      );
      return undefined;
    }
    // The decoder refuses it from the header: FRAME_TOO_LARGE, as on TCP.
    if (declared > maxFrameLength) return bytes.subarray(0, headerLength);
    const whole = headerLength + declared;
    if (bytes.length < whole) {
      this.#failure = new TruncatedFrameError(
        bytes.length,
        whole - bytes.length,
        false,
      );
      return undefined;
    }
    if (bytes.length > whole) {
      this.#failure = new WebSocketMessageError(
        "WS_EXTRA_BYTES",
        `Cannot decode frame: a ${bytes.length}-byte WebSocket message holds a ${whole}-byte frame and ${
          bytes.length - whole
        } more bytes; send one frame per message`,
      );
      return undefined;
    }
    return bytes;
  }

  #closeSocket(): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    const state = this.socket.readyState;
    if (state !== WebSocket.OPEN && state !== WebSocket.CONNECTING) return;
    try {
      this.socket.close(
        webSocketCloseCodeFor(this.#lastErrorCode),
        this.#lastErrorCode ?? "",
      );
    } catch {
      // Closed meanwhile: nothing to say.
    }
  }

  #end(): void {
    this.#ended = true;
    clearTimeout(this.#drainTimer);
    this.#drainDone?.();
    this.#wakeReader();
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Resolves once the socket buffers half the limit or less, or closed. */
  #drained(): Promise<void> {
    return new Promise((resolve) => {
      this.#drainDone = resolve;
      const look = () => {
        if (
          this.#ended ||
          this.socket.bufferedAmount <= this.#maxBufferedBytes / 2
        ) {
          this.#drainDone = undefined;
          resolve();
          return;
        }
        this.#drainTimer = setTimeout(look, DRAIN_POLL_MS);
      };
      look();
    });
  }
}
