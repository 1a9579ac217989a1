// Copyright 2026 the framewire authors. MIT license.
/**
 * The unit framewire moves: a type number and a payload.
 *
 * @module
 */

/**
 * One message on the wire: a type (0–255) and the payload bytes.
 *
 * With `typeByte: false` (see {@linkcode FrameCodecOptions}) there is no type
 * on the wire: decoded frames carry type `0` and encoding a frame with any
 * other type is refused, so no information is dropped silently.
 *
 * Payloads handed out by the decoder are never overwritten by later reads:
 * a frame stays valid for as long as you keep it.
 *
 * @example Build a frame
 * ```ts
 * import { type Frame, FrameType } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const frame: Frame = {
 *   type: FrameType.Chat,
 *   payload: new TextEncoder().encode("hello!"),
 * };
 * assert.equal(frame.payload.length, 6);
 * ```
 */
export interface Frame {
  /** Frame type, an integer from 0 to 255; see {@linkcode FrameType}. */
  readonly type: number;
  /** Payload bytes; the length field on the wire counts exactly these. */
  readonly payload: Uint8Array;
}

/**
 * The well-known frame types.
 *
 * | number | name       | payload                                      |
 * | ------ | ---------- | -------------------------------------------- |
 * | 0      | Chat       | application message (chat JSON, text)        |
 * | 1      | Debug      | free text for logs                           |
 * | 2      | Ping       | any bytes; answered by a Pong                 |
 * | 3      | ClientType | what kind of client this is (and credentials) |
 * | 4      | Pong       | exactly the payload of the Ping it answers    |
 * | 5      | Error      | JSON `{code, message}`                        |
 *
 * Numbers 0–3 are fixed by the original protocol. 6–127 are reserved for
 * framewire's own protocols ({@linkcode RESERVED_TYPE_MIN}), 128–255 are free
 * for applications ({@linkcode APPLICATION_TYPE_MIN}).
 *
 * @example Look up a type
 * ```ts
 * import { FrameType } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * assert.equal(FrameType.Ping, 2);
 * assert.equal(FrameType.Pong, 4);
 * ```
 */
export const FrameType = {
  /** Application message, JSON or text. */
  Chat: 0,
  /** Free text meant for a log. */
  Debug: 1,
  /** Liveness probe; the peer answers with a Pong carrying the same payload. */
  Ping: 2,
  /** Announces what kind of client is connecting. */
  ClientType: 3,
  /** Answer to a Ping, carrying exactly the Ping's payload. */
  Pong: 4,
  /** An error report, JSON `{code, message}`. */
  Error: 5,
} as const;

/** The name of a well-known frame type, such as `"Ping"`. */
export type FrameTypeName = keyof typeof FrameType;

/**
 * First type number reserved for framewire's own protocols (6–127).
 *
 * @example
 * ```ts
 * import { RESERVED_TYPE_MIN } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * assert.equal(RESERVED_TYPE_MIN, 6);
 * ```
 */
export const RESERVED_TYPE_MIN = 6;

/**
 * First type number free for applications (128–255).
 *
 * @example
 * ```ts
 * import { APPLICATION_TYPE_MIN, encodeFrame } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeFrame({ type: APPLICATION_TYPE_MIN + 1, payload: new Uint8Array() });
 * assert.equal(bytes[0], 129);
 * ```
 */
export const APPLICATION_TYPE_MIN = 128;
