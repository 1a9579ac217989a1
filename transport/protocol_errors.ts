// Copyright 2026 the framewire authors. MIT license.
/**
 * Error frames (type 5): the codes a framewire server sends, and helpers to
 * build, parse and throw them.
 *
 * An Error frame carries UTF-8 JSON `{"code": string, "message": string}`.
 * `code` is stable and meant for programs; `message` is for people and may
 * change between versions.
 *
 * @module
 */
import { type Frame, FrameType } from "../codec/frame.ts";

/**
 * The codes a framewire server puts in Error frames, and what happens to the
 * connection after each.
 *
 * | code                 | sent when                                                   | connection after |
 * | -------------------- | ----------------------------------------------------------- | ---------------- |
 * | `FRAME_TOO_LARGE`    | a header declared more than the server's `maxFrameLength`   | closed           |
 * | `FRAME_TYPE_UNKNOWN` | no handler accepts the frame's type                         | closed           |
 * | `FRAME_TRUNCATED`    | the peer half-closed inside a frame                         | closed           |
 * | `PROTOCOL_MISMATCH`  | the first bytes are another protocol (HTTP, TLS, SSH)       | closed           |
 * | `SERVER_FULL`        | `maxConnections` clients are already connected              | closed           |
 * | `IDLE_TIMEOUT`       | nothing arrived for `idleTimeoutMs`                         | closed           |
 * | `SHUTTING_DOWN`      | the server is stopping; requests after this are unanswered  | closed           |
 * | `HEARTBEAT_TIMEOUT`  | no byte arrived for `heartbeatTimeoutMs` after the server's Ping | closed      |
 * | `FRAME_STALLED`      | no byte for `frameStallMs` inside a started frame           | closed           |
 * | `FIRST_FRAME_TIMEOUT`| no complete frame within `firstFrameTimeoutMs` of connecting | closed          |
 * | `EVICTED`            | the server was full and this connection had never completed a frame (oldest first) | closed |
 * | `HOST_LIMIT`         | `maxConnectionsPerHost` clients from this host are connected | closed (never served) |
 * | `CONNECTION_RATE_LIMITED` | this host opened more than `maxConnectionsPerHostPerSecond` | closed (never served) |
 * | `BAD_REQUEST`        | a handler refused a well-formed frame                       | kept open        |
 * | `INTERNAL_ERROR`     | a handler failed; the frame's reply slot holds this error   | kept open        |
 *
 * `SLOW_READER` is never sent (the peer is not reading): it names the close
 * of a peer whose outbound queue overflowed, in logs and in
 * {@linkcode ServerConnection.closeReason}.
 *
 * @example
 * ```ts
 * import { ErrorCode } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ErrorCode.ServerFull, "SERVER_FULL");
 * ```
 */
export const ErrorCode = {
  /** A declared payload length above the receiver's limit. */
  FrameTooLarge: "FRAME_TOO_LARGE",
  /** A frame type that nothing on the receiving side handles. */
  FrameTypeUnknown: "FRAME_TYPE_UNKNOWN",
  /** The stream ended inside a frame. */
  FrameTruncated: "FRAME_TRUNCATED",
  /** The peer speaks another protocol (HTTP, TLS, SSH). */
  ProtocolMismatch: "PROTOCOL_MISMATCH",
  /** The server is at `maxConnections`. */
  ServerFull: "SERVER_FULL",
  /** Nothing arrived from the peer for `idleTimeoutMs`. */
  IdleTimeout: "IDLE_TIMEOUT",
  /** The server is shutting down. */
  ShuttingDown: "SHUTTING_DOWN",
  // --- Liveness and per-host limits (issue 9) ---
  /** The peer did not answer the server's heartbeat Ping in time. */
  HeartbeatTimeout: "HEARTBEAT_TIMEOUT",
  /** A frame had started and no byte of it arrived for `frameStallMs`. */
  FrameStalled: "FRAME_STALLED",
  /** No complete frame within `firstFrameTimeoutMs` of connecting. */
  FirstFrameTimeout: "FIRST_FRAME_TIMEOUT",
  /**
   * The server was full; this connection, the oldest that had never
   * completed a frame, made room for a newcomer.
   */
  Evicted: "EVICTED",
  /** The host already has `maxConnectionsPerHost` connections. */
  HostLimit: "HOST_LIMIT",
  /** The host opens connections faster than `maxConnectionsPerHostPerSecond`. */
  ConnectionRateLimited: "CONNECTION_RATE_LIMITED",
  // --- end of liveness and per-host limits ---
  // --- Frames over WebSocket (issue 15) ---
  /** A text WebSocket message: frames travel in binary messages only. */
  WsTextMessage: "WS_TEXT_MESSAGE",
  /** A WebSocket message longer than its frame: two frames, or trailing bytes. */
  WsExtraBytes: "WS_EXTRA_BYTES",
  // --- end of frames over WebSocket ---
  /** A handler refused a well-formed frame. */
  BadRequest: "BAD_REQUEST",
  /** A handler threw an unexpected error. */
  InternalError: "INTERNAL_ERROR",
  /**
   * The peer did not read fast enough: its outbound queue overflowed, or
   * made no progress for `sendTimeoutMs`. Log only, never sent.
   */
  SlowReader: "SLOW_READER",
} as const;

/** One of the {@linkcode ErrorCode} values, or an application's own code. */
export type ErrorCodeValue =
  | typeof ErrorCode[keyof typeof ErrorCode]
  | (string & Record<never, never>);

/** The JSON body of an Error frame. */
export interface ErrorPayload {
  /** Stable, machine-readable code such as `"SERVER_FULL"`. */
  code: ErrorCodeValue;
  /** Human-readable explanation. */
  message: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Builds an Error frame (type 5) with a JSON `{code, message}` payload.
 *
 * @param code Stable error code; see {@linkcode ErrorCode}.
 * @param message Human-readable explanation.
 * @returns The frame, ready to send.
 *
 * @example
 * ```ts
 * import { errorFrame, FrameType } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const frame = errorFrame("SERVER_FULL", "Cannot accept: 2 of 2 connections in use");
 * assert.equal(frame.type, FrameType.Error);
 * assert.equal(
 *   new TextDecoder().decode(frame.payload),
 *   '{"code":"SERVER_FULL","message":"Cannot accept: 2 of 2 connections in use"}',
 * );
 * ```
 */
export function errorFrame(code: ErrorCodeValue, message: string): Frame {
  return {
    type: FrameType.Error,
    payload: encoder.encode(JSON.stringify({ code, message })),
  };
}

/**
 * Reads the `{code, message}` of an Error frame. A payload that is not the
 * expected JSON is still reported, as code `"UNKNOWN"` with the raw text as
 * message, so a peer's malformed report is never lost.
 *
 * @param frame A frame of type 5.
 * @returns The code and message.
 * @throws {TypeError} If the frame is not an Error frame.
 *
 * @example
 * ```ts
 * import { errorFrame, parseErrorFrame } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const { code, message } = parseErrorFrame(errorFrame("IDLE_TIMEOUT", "Closing: idle"));
 * assert.equal(code, "IDLE_TIMEOUT");
 * assert.equal(message, "Closing: idle");
 * ```
 */
export function parseErrorFrame(frame: Frame): ErrorPayload {
  if (frame.type !== FrameType.Error) {
    throw new TypeError(
      `Cannot parse error frame: type ${frame.type} is not ${FrameType.Error}`,
    );
  }
  const text = decoder.decode(frame.payload);
  try {
    const value = JSON.parse(text);
    if (
      value !== null && typeof value === "object" &&
      typeof value.code === "string"
    ) {
      return {
        code: value.code,
        message: typeof value.message === "string" ? value.message : "",
      };
    }
  } catch {
    // Not JSON: fall through and report the raw text.
  }
  return { code: "UNKNOWN", message: text };
}

/** Options for {@linkcode ProtocolError}. */
export interface ProtocolErrorOptions extends ErrorOptions {
  /**
   * Whether the server closes the connection after sending the Error frame.
   * Keeping it open is safe: the offending frame was read whole, so the
   * stream is still in sync.
   *
   * @default {false}
   */
  close?: boolean;
}

/**
 * Thrown by a server handler to refuse a frame: the server answers with an
 * Error frame carrying `code` and `message` in place of the reply, and closes
 * the connection if `close` is set. Any other error thrown by a handler is
 * answered with `INTERNAL_ERROR` (its message is logged, not sent).
 *
 * @example Refuse a request
 * ```ts
 * import { ProtocolError } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const error = new ProtocolError("BAD_REQUEST", "Cannot join: room name is empty");
 * assert.equal(error.code, "BAD_REQUEST");
 * assert.equal(error.close, false);
 * ```
 */
export class ProtocolError extends Error {
  /** The code sent in the Error frame. */
  readonly code: ErrorCodeValue;
  /** Whether the connection is closed after the Error frame. */
  readonly close: boolean;

  /**
   * Constructs a new instance.
   *
   * @param code Stable code for the Error frame.
   * @param message Text for the Error frame.
   * @param options Whether to close, and the cause.
   */
  constructor(
    code: ErrorCodeValue,
    message: string,
    options: ProtocolErrorOptions = {},
  ) {
    super(message, options);
    this.name = "ProtocolError";
    this.code = code;
    this.close = options.close ?? false;
  }
}

/**
 * The peer answered with an Error frame. Raised by
 * {@linkcode FramedConn.prototype.request} when the reply to a request is an
 * Error frame; `remoteCode` is the peer's code.
 *
 * @example
 * ```ts
 * import { RemoteError } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const error = new RemoteError({ code: "SERVER_FULL", message: "Cannot accept" });
 * assert.equal(error.code, "REMOTE_ERROR");
 * assert.equal(error.remoteCode, "SERVER_FULL");
 * ```
 */
export class RemoteError extends Error {
  /** Stable error code. */
  readonly code = "REMOTE_ERROR" as const;
  /** The code the peer sent. */
  readonly remoteCode: ErrorCodeValue;
  /** The message the peer sent. */
  readonly remoteMessage: string;

  /**
   * Constructs a new instance.
   *
   * @param payload The peer's `{code, message}`.
   */
  constructor(payload: ErrorPayload) {
    super(`Peer reported ${payload.code}: ${payload.message}`);
    this.name = "RemoteError";
    this.remoteCode = payload.code;
    this.remoteMessage = payload.message;
  }
}
