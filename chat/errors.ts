// Copyright 2026 the framewire authors. MIT license.
/**
 * The chat protocol's error codes, and the error a chat client raises when
 * the server refuses a command.
 *
 * @module
 */

/**
 * Codes the chat server sends in Error frames (type 5). Every one of them
 * leaves the connection open, except the third failed login (`AUTH_FAILED`
 * or `LOGIN_THROTTLED`) on one connection, `SESSION_REPLACED` and
 * `SESSION_REVOKED`, which close it (see
 * `docs/PROTOCOL.md`, section 15).
 *
 * @example
 * ```ts
 * import { ChatErrorCode } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ChatErrorCode.UnknownUser, "UNKNOWN_USER");
 * ```
 */
export const ChatErrorCode = {
  /** The payload is not a JSON object. */
  InvalidJson: "INVALID_JSON",
  /** A required field is absent. */
  MissingField: "MISSING_FIELD",
  /** A field has the wrong type or an impossible value. */
  InvalidField: "INVALID_FIELD",
  /** The `op` is not one the server knows. */
  UnknownOp: "UNKNOWN_OP",
  /** A user or room name breaks the naming rule. */
  InvalidName: "INVALID_NAME",
  /** A chat command came before a successful login. */
  NotLoggedIn: "NOT_LOGGED_IN",
  /** A second login on a connection that is already logged in. */
  AlreadyLoggedIn: "ALREADY_LOGGED_IN",
  /** Wrong password, or wrong admin token. The third one closes the connection. */
  AuthFailed: "AUTH_FAILED",
  /** A new account's password is too short. */
  WeakPassword: "WEAK_PASSWORD",
  /** The same user logged in on another connection; this one is closed. */
  SessionReplaced: "SESSION_REPLACED",
  /**
   * The operator revoked this user's sessions and resume tokens (a lost
   * device); this connection is closed. Log in again with the password.
   */
  SessionRevoked: "SESSION_REVOKED",
  /** The recipient of a direct chat has never registered. */
  UnknownUser: "UNKNOWN_USER",
  /** No room has this name. */
  UnknownRoom: "UNKNOWN_ROOM",
  /** The command needs membership of the room. */
  NotAMember: "NOT_A_MEMBER",
  /** The text is longer than the server's `maxMessageBytes`. */
  MessageTooLong: "MESSAGE_TOO_LONG",
  /** An admin command from a connection that did not log in with the admin token. */
  Forbidden: "FORBIDDEN",
  /**
   * Too many consecutive failed logins for this name (from any connection):
   * refused without checking the password until the backoff is over.
   */
  LoginThrottled: "LOGIN_THROTTLED",
  /** The server is hashing `maxConcurrentHashes` passwords and its queue is full; try again later. */
  LoginBusy: "LOGIN_BUSY",
  /** A new account was refused: the server has `maxAccounts` accounts. */
  AccountLimit: "ACCOUNT_LIMIT",
  /** A new room was refused: the user has created `maxRoomsPerUser` rooms. */
  RoomLimit: "ROOM_LIMIT",
  /** A join was refused: the room has `maxRoomMembers` members. */
  RoomFull: "ROOM_FULL",
  /**
   * The payload is not valid UTF-8, or a string in it holds a lone
   * surrogate (such as the JSON escape `"\ud800"`): text that could not be
   * stored or shown as sent is refused, never altered.
   */
  InvalidText: "INVALID_TEXT",
  /**
   * The user sends messages faster than the server's `messageRateLimit`;
   * the Error frame's `retryAfterMs` says when the next one is accepted.
   */
  RateLimited: "RATE_LIMITED",
  /**
   * The server cannot reach its store (a database server down or
   * restarting): nothing was stored; try again later.
   */
  StoreUnavailable: "STORE_UNAVAILABLE",
} as const;

/** One of the {@linkcode ChatErrorCode} values, or a code from the transport. */
export type ChatErrorCodeValue =
  | typeof ChatErrorCode[keyof typeof ChatErrorCode]
  | (string & Record<never, never>);

/**
 * The chat server refused a command (an Error frame answered it), or the
 * connection ended before the answer came (`code` is then
 * `"CONNECTION_CLOSED"`).
 *
 * @example
 * ```ts
 * import { ChatError } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const error = new ChatError("UNKNOWN_USER", 'Cannot send: no user "zed"');
 * assert.equal(error.code, "UNKNOWN_USER");
 * assert.equal(error.message, 'Cannot send: no user "zed"');
 * assert.ok(error instanceof Error);
 * ```
 */
export class ChatError extends Error {
  /** Stable code, such as `"UNKNOWN_USER"`; see {@linkcode ChatErrorCode}. */
  readonly code: ChatErrorCodeValue;
  /** The id of the command it answers, when there was one. */
  readonly id: string | undefined;
  /**
   * For `RATE_LIMITED`: milliseconds after which the server accepts the
   * next message; `undefined` for other codes.
   */
  readonly retryAfterMs: number | undefined;

  /**
   * Constructs a new instance.
   *
   * @param code Stable code.
   * @param message What failed, for people.
   * @param id The id of the command it answers.
   * @param retryAfterMs For `RATE_LIMITED`: when to try again, in ms.
   */
  constructor(
    code: ChatErrorCodeValue,
    message: string,
    id?: string,
    retryAfterMs?: number,
  ) {
    super(message);
    this.name = "ChatError";
    this.code = code;
    this.id = id;
    this.retryAfterMs = retryAfterMs;
  }
}
