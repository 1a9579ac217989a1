// Copyright 2026 the framewire authors. MIT license.
/**
 * The chat protocol's JSON messages: what a client sends in ClientType (3)
 * and Chat (0) frames, what the server answers and pushes, and the
 * validation the server applies to every client payload.
 *
 * Chats are addressed by a string: `"@bob"` is the direct chat with user
 * `bob` (from the reader's side: alice sees `"@bob"`, bob sees `"@alice"`),
 * `"#general"` is the room `general`. The admin sees a direct chat as
 * `"@alice,bob"` (the two names in sorted order).
 *
 * @module
 */
import { type Frame, FrameType } from "../codec/frame.ts";
import { ChatError, ChatErrorCode } from "./errors.ts";

/**
 * Names of users and rooms: 1 to 32 characters, lowercase ASCII letters,
 * digits, `_`, `.` and `-`, starting with a letter or digit. Lowercase only,
 * so that `Alice` can never pose as `alice`.
 */
export const NAME_PATTERN: RegExp = /^[a-z0-9][a-z0-9_.-]{0,31}$/;

/** The reserved sender name of messages the admin sends; nobody can register it. */
export const ADMIN_NAME = "admin";

/** Most characters in a command `id`. */
export const MAX_ID_CHARS = 64;

/** Most characters in a password (the hash cost does not depend on it much, but memory does). */
export const MAX_PASSWORD_CHARS = 1024;

/** Most messages one `history` or `admin_watch` reply carries. */
export const MAX_HISTORY_LIMIT = 100;

/** A chat as the protocol addresses it: `"@user"` or `"#room"`. */
export type ChatAddress = string;

/** A parsed chat address. */
export type ParsedChatAddress =
  | {
    /** A direct chat. */
    readonly kind: "direct";
    /** The other user (for the admin form `@a,b`, the first of the two). */
    readonly user: string;
    /** Only in the admin form `@a,b`: the second user. */
    readonly otherUser?: string;
  }
  | {
    /** A room. */
    readonly kind: "room";
    /** The room name. */
    readonly room: string;
  };

/** One stored message, as the server pushes it and `history` lists it. */
export interface ChatMessage {
  /** The chat, from the reader's side (`"@alice"`, `"#general"`). */
  readonly chat: ChatAddress;
  /** Server-wide unique message id. */
  readonly mid: number;
  /** Position in its chat: 1, 2, 3, … with no gaps. */
  readonly seq: number;
  /** The sender's user name (`"admin"` for the operator). */
  readonly from: string;
  /** The text. */
  readonly text: string;
  /** When the server stored it, in milliseconds since the Unix epoch. */
  readonly ts: number;
}

/** A login, the JSON payload of a ClientType (3) frame. */
export type ChatLogin =
  | {
    /** A user login. */
    readonly type: "chat";
    /** The user name; see {@linkcode NAME_PATTERN}. */
    readonly user: string;
    /** The password; registers the name on its first login. */
    readonly password: string;
    /** Echoed in the answer. */
    readonly id?: string;
  }
  | {
    /** An admin login. */
    readonly type: "chat-admin";
    /** The server's admin token. */
    readonly token: string;
    /** Echoed in the answer. */
    readonly id?: string;
  };

/** A command, the JSON payload of a Chat (0) frame from a client. */
export type ChatCommand =
  | {
    readonly op: "send" | "admin_send";
    readonly id: string;
    readonly chat: ChatAddress;
    readonly text: string;
  }
  | {
    readonly op:
      | "open"
      | "close"
      | "join"
      | "leave"
      | "members"
      | "admin_watch"
      | "admin_unwatch";
    readonly id: string;
    readonly chat: ChatAddress;
  }
  | {
    readonly op: "read";
    readonly id?: string;
    readonly chat: ChatAddress;
    readonly seq: number;
  }
  | {
    readonly op: "history";
    readonly id: string;
    readonly chat: ChatAddress;
    readonly limit: number;
    readonly before?: number;
  }
  | {
    readonly op: "chats" | "who" | "admin_chats" | "admin_connections";
    readonly id: string;
  };

/** The answer to a successful login (`op: "welcome"`). */
export interface ChatWelcome {
  /** The logged-in user (`"admin"` for the admin). */
  readonly user: string;
  /** Whether this login created the account. */
  readonly registered: boolean;
  /** Whether this is an admin session. */
  readonly admin: boolean;
  /** Unread messages per chat, for chats that have some. */
  readonly unread: Readonly<Record<ChatAddress, number>>;
}

/** The acknowledgement of a `send` (`op: "ack"`): the message is stored. */
export interface ChatAck {
  /** The chat, from the sender's side. */
  readonly chat: ChatAddress;
  /** Server-wide message id. */
  readonly mid: number;
  /** Position in the chat. */
  readonly seq: number;
  /** When the server stored it, in milliseconds since the Unix epoch. */
  readonly ts: number;
  /** True when the `id` was already used by this sender: this is the earlier message, not stored again. */
  readonly duplicate: boolean;
}

/** One of the user's chats in a `chats` answer. */
export interface ChatListEntry {
  /** The chat. */
  readonly chat: ChatAddress;
  /** Messages from others not delivered yet. */
  readonly unread: number;
  /** The chat's last `seq`. */
  readonly lastSeq: number;
  /** When its last message was stored, or `null` when empty. */
  readonly lastAt: number | null;
}

/** One member in a `members` answer. */
export interface ChatMemberInfo {
  /** User name. */
  readonly user: string;
  /** Whether the user is logged in now. */
  readonly online: boolean;
}

/** A chat in the admin's list (`admin_chats`). */
export interface ChatAdminChatInfo {
  /** `"#room"` or `"@alice,bob"`. */
  readonly chat: ChatAddress;
  /** `"direct"` or `"room"`. */
  readonly kind: "direct" | "room";
  /** Members, sorted. */
  readonly members: readonly string[];
  /** Members logged in now, sorted. */
  readonly online: readonly string[];
  /** Whether a member is logged in. */
  readonly active: boolean;
  /** Number of messages. */
  readonly messages: number;
  /** When its last message was stored, or `null` when empty. */
  readonly lastAt: number | null;
}

/** A connection in the admin's list (`admin_connections`). */
export interface ChatAdminConnectionInfo {
  /** The server's connection id. */
  readonly id: number;
  /** Peer address. */
  readonly remoteAddress: string;
  /** The declared client type (`"chat"`, `"chat-admin"`, …). */
  readonly clientType: string | null;
  /** The logged-in user, or `null`. */
  readonly user: string | null;
  /** Whether it is an admin session. */
  readonly admin: boolean;
  /** Chats it has open (admin: chats it watches). */
  readonly open: readonly ChatAddress[];
  /** When it connected, in milliseconds since the Unix epoch. */
  readonly connectedAt: number;
  /** Bytes received from it. */
  readonly bytesIn: number;
  /** Bytes sent to it. */
  readonly bytesOut: number;
}

/** The `op` of every command; see {@linkcode ChatCommand}. */
export type ChatCommandOp = ChatCommand["op"];

const CHAT_OPS = new Set<string>([
  "open",
  "close",
  "join",
  "leave",
  "members",
  "admin_watch",
  "admin_unwatch",
]);
const PLAIN_OPS = new Set<string>([
  "chats",
  "who",
  "admin_chats",
  "admin_connections",
]);
const DEFAULT_HISTORY_LIMIT = 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses a chat address.
 *
 * @param text `"@user"`, `"#room"`, or (with `adminForm`) `"@user1,user2"`.
 * @param adminForm Accept the admin's `"@a,b"` form for direct chats.
 * @returns The parsed address.
 * @throws {ChatError} `INVALID_FIELD` if it starts with neither `@` nor
 * `#`; `INVALID_NAME` if a name breaks {@linkcode NAME_PATTERN}.
 *
 * @example
 * ```ts
 * import { parseChatAddress } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseChatAddress("@bob"), { kind: "direct", user: "bob" });
 * assert.deepEqual(parseChatAddress("#general"), { kind: "room", room: "general" });
 * assert.throws(() => parseChatAddress("bob"), { code: "INVALID_FIELD" });
 * assert.throws(() => parseChatAddress("@Bob"), { code: "INVALID_NAME" });
 * ```
 */
export function parseChatAddress(
  text: string,
  adminForm = false,
): ParsedChatAddress {
  const sigil = text[0];
  const name = text.slice(1);
  if (sigil === "#") {
    checkName(name, "room");
    return { kind: "room", room: name };
  }
  if (sigil === "@") {
    const comma = name.indexOf(",");
    if (adminForm && comma !== -1) {
      const first = name.slice(0, comma);
      const second = name.slice(comma + 1);
      checkName(first, "user");
      checkName(second, "user");
      return { kind: "direct", user: first, otherUser: second };
    }
    checkName(name, "user");
    return { kind: "direct", user: name };
  }
  throw new ChatError(
    ChatErrorCode.InvalidField,
    `Cannot use chat "${text}": expected "@user" or "#room"`,
  );
}

/**
 * Throws unless `name` is a valid user or room name.
 *
 * @param name The name.
 * @param what `"user"` or `"room"`, for the message.
 * @throws {ChatError} `INVALID_NAME`.
 *
 * @example
 * ```ts
 * import { checkName } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * checkName("alice", "user");
 * assert.throws(() => checkName("no spaces", "room"), {
 *   message: 'Cannot use room name "no spaces": expected 1 to 32 of a-z 0-9 _ . - starting with a letter or digit',
 * });
 * ```
 */
export function checkName(name: string, what: "user" | "room"): void {
  if (!NAME_PATTERN.test(name)) {
    throw new ChatError(
      ChatErrorCode.InvalidName,
      `Cannot use ${what} name "${name}": expected 1 to 32 of a-z 0-9 _ . - starting with a letter or digit`,
    );
  }
}

/**
 * Number of bytes `text` takes in UTF-8, without encoding it.
 *
 * @param text The text.
 * @returns Its UTF-8 length in bytes (a lone surrogate counts 3, as
 * `TextEncoder` writes U+FFFD for it).
 *
 * @example
 * ```ts
 * import { utf8Length } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * assert.equal(utf8Length("héllo 👋"), new TextEncoder().encode("héllo 👋").length);
 * ```
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (
      unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Encodes a value as a Chat (0) frame of UTF-8 JSON.
 *
 * @param value What to send.
 * @returns The frame.
 *
 * @example
 * ```ts
 * import { encodeChatFrame } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const frame = encodeChatFrame({ op: "chats", id: "1" });
 * assert.equal(frame.type, 0);
 * assert.equal(new TextDecoder().decode(frame.payload), '{"op":"chats","id":"1"}');
 * ```
 */
export function encodeChatFrame(value: unknown): Frame {
  return {
    type: FrameType.Chat,
    payload: encoder.encode(JSON.stringify(value)),
  };
}

/**
 * An Error frame (type 5) `{code, message, id}`: the transport's Error
 * payload plus the id of the command it answers, when known.
 *
 * @param code Stable code; see {@linkcode ChatErrorCode}.
 * @param message What failed.
 * @param id The id of the command it answers.
 * @returns The frame.
 *
 * @example
 * ```ts
 * import { chatErrorFrame } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const frame = chatErrorFrame("UNKNOWN_ROOM", 'Cannot open chat "#x": no such room', "7");
 * assert.equal(frame.type, 5);
 * assert.deepEqual(JSON.parse(new TextDecoder().decode(frame.payload)), {
 *   code: "UNKNOWN_ROOM",
 *   message: 'Cannot open chat "#x": no such room',
 *   id: "7",
 * });
 * ```
 */
export function chatErrorFrame(
  code: string,
  message: string,
  id?: string,
): Frame {
  return {
    type: FrameType.Error,
    payload: encoder.encode(
      JSON.stringify(
        id === undefined ? { code, message } : { code, message, id },
      ),
    ),
  };
}

/**
 * Decodes a payload as a JSON object.
 *
 * @param payload UTF-8 JSON bytes.
 * @returns The object.
 * @throws {ChatError} `INVALID_JSON` if it is not UTF-8 JSON or not an
 * object.
 *
 * @example
 * ```ts
 * import { decodeJsonObject } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(decodeJsonObject(new TextEncoder().encode('{"a":1}')), { a: 1 });
 * assert.throws(() => decodeJsonObject(new TextEncoder().encode("[1]")), {
 *   code: "INVALID_JSON",
 * });
 * ```
 */
export function decodeJsonObject(payload: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(payload));
  } catch (error) {
    throw new ChatError(
      ChatErrorCode.InvalidJson,
      `Cannot parse message: ${(error as Error).message}`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ChatError(
      ChatErrorCode.InvalidJson,
      "Cannot parse message: expected a JSON object",
    );
  }
  return value as Record<string, unknown>;
}

/**
 * Reads a ClientType payload as a chat login. Payloads that are not a JSON
 * object whose `type` is `"chat"` or `"chat-admin"` are not logins (other
 * protocols may use ClientType frames) and give `undefined`.
 *
 * @param payload The ClientType frame's payload.
 * @returns The login, or `undefined` if the frame is not a chat login.
 * @throws {ChatError} `MISSING_FIELD`, `INVALID_FIELD` or `INVALID_NAME` for
 * a chat login with bad fields (carrying its `id` when it had one).
 *
 * @example
 * ```ts
 * import { parseChatLogin } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const login = parseChatLogin(new TextEncoder().encode(
 *   '{"type":"chat","user":"alice","password":"correct horse"}',
 * ));
 * assert.deepEqual(login, { type: "chat", user: "alice", password: "correct horse", id: undefined });
 * assert.equal(parseChatLogin(new TextEncoder().encode("pinger")), undefined);
 * assert.throws(
 *   () => parseChatLogin(new TextEncoder().encode('{"type":"chat","user":"alice"}')),
 *   { code: "MISSING_FIELD", message: 'Cannot log in: missing field "password"' },
 * );
 * ```
 */
export function parseChatLogin(payload: Uint8Array): ChatLogin | undefined {
  let value: Record<string, unknown>;
  try {
    value = decodeJsonObject(payload);
  } catch {
    return undefined;
  }
  if (value.type !== "chat" && value.type !== "chat-admin") return undefined;
  const id = optionalId(value, "log in");
  try {
    if (value.type === "chat-admin") {
      const token = requireString(value, "token", "log in");
      return { type: "chat-admin", token, id };
    }
    const user = requireString(value, "user", "log in");
    checkName(user, "user");
    const password = requireString(value, "password", "log in");
    if (password.length > MAX_PASSWORD_CHARS) {
      throw new ChatError(
        ChatErrorCode.InvalidField,
        `Cannot log in: password longer than ${MAX_PASSWORD_CHARS} characters`,
      );
    }
    return { type: "chat", user, password, id };
  } catch (error) {
    throw withId(error, id);
  }
}

/**
 * Validates a Chat (0) payload from a client as a command.
 *
 * @param payload The frame's payload.
 * @param maxMessageBytes Most UTF-8 bytes of a `send` text.
 * @returns The command.
 * @throws {ChatError} `INVALID_JSON`, `MISSING_FIELD`, `INVALID_FIELD`,
 * `UNKNOWN_OP`, `INVALID_NAME` or `MESSAGE_TOO_LONG`, carrying the
 * command's `id` when it had a valid one.
 *
 * @example
 * ```ts
 * import { parseChatCommand } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * assert.deepEqual(
 *   parseChatCommand(bytes('{"op":"send","id":"m1","chat":"@bob","text":"hi"}'), 4096),
 *   { op: "send", id: "m1", chat: "@bob", text: "hi" },
 * );
 * assert.throws(() => parseChatCommand(bytes("{oops"), 4096), { code: "INVALID_JSON" });
 * assert.throws(
 *   () => parseChatCommand(bytes('{"op":"send","id":"m2","chat":"@bob","text":"hello"}'), 4),
 *   { code: "MESSAGE_TOO_LONG", id: "m2" },
 * );
 * ```
 */
export function parseChatCommand(
  payload: Uint8Array,
  maxMessageBytes: number,
): ChatCommand {
  const value = decodeJsonObject(payload);
  const op = value.op;
  if (op === undefined) {
    throw new ChatError(
      ChatErrorCode.MissingField,
      'Cannot handle message: missing field "op"',
      safeId(value),
    );
  }
  if (typeof op !== "string") {
    throw new ChatError(
      ChatErrorCode.InvalidField,
      'Cannot handle message: field "op" must be a string',
      safeId(value),
    );
  }
  const action = `handle "${op}"`;
  if (op === "read") {
    const id = optionalId(value, action);
    try {
      const chat = requireChat(value, action);
      const seq = requireInteger(value, "seq", action, 0);
      return id === undefined ? { op, chat, seq } : { op, id, chat, seq };
    } catch (error) {
      throw withId(error, id);
    }
  }
  const known = op === "send" || op === "admin_send" || op === "history" ||
    CHAT_OPS.has(op) || PLAIN_OPS.has(op);
  if (!known) {
    throw new ChatError(
      ChatErrorCode.UnknownOp,
      `Cannot handle message: unknown op "${op}"`,
      safeId(value),
    );
  }
  const id = requireId(value, action);
  try {
    if (PLAIN_OPS.has(op)) {
      return { op: op as "chats", id };
    }
    const chat = requireChat(value, action);
    if (op === "send" || op === "admin_send") {
      const text = requireString(value, "text", action);
      if (text === "") {
        throw new ChatError(
          ChatErrorCode.InvalidField,
          `Cannot ${action}: field "text" is empty`,
        );
      }
      // Cheap bound first: a UTF-8 byte is at most one UTF-16 unit, and a
      // unit at most 3 bytes.
      if (text.length * 3 > maxMessageBytes) {
        const bytes = utf8Length(text);
        if (bytes > maxMessageBytes) {
          throw new ChatError(
            ChatErrorCode.MessageTooLong,
            `Cannot send: text is ${bytes} bytes, more than the limit of ${maxMessageBytes}`,
          );
        }
      }
      return { op, id, chat, text };
    }
    if (op === "history") {
      const limit = value.limit === undefined
        ? DEFAULT_HISTORY_LIMIT
        : requireInteger(value, "limit", action, 1, MAX_HISTORY_LIMIT);
      const before = value.before === undefined
        ? undefined
        : requireInteger(value, "before", action, 1);
      return before === undefined
        ? { op, id, chat, limit }
        : { op, id, chat, limit, before };
    }
    return { op: op as "open", id, chat };
  } catch (error) {
    throw withId(error, id);
  }
}

function requireId(value: Record<string, unknown>, action: string): string {
  const id = optionalId(value, action);
  if (id === undefined) {
    throw new ChatError(
      ChatErrorCode.MissingField,
      `Cannot ${action}: missing field "id"`,
    );
  }
  return id;
}

function optionalId(
  value: Record<string, unknown>,
  action: string,
): string | undefined {
  const id = value.id;
  if (id === undefined) return undefined;
  if (typeof id !== "string" || id === "" || id.length > MAX_ID_CHARS) {
    throw new ChatError(
      ChatErrorCode.InvalidField,
      `Cannot ${action}: field "id" must be a string of 1 to ${MAX_ID_CHARS} characters`,
    );
  }
  return id;
}

/** The id to put in an Error frame, when the message has a usable one. */
function safeId(value: Record<string, unknown>): string | undefined {
  const id = value.id;
  return typeof id === "string" && id !== "" && id.length <= MAX_ID_CHARS
    ? id
    : undefined;
}

function requireString(
  value: Record<string, unknown>,
  field: string,
  action: string,
): string {
  const text = value[field];
  if (text === undefined) {
    throw new ChatError(
      ChatErrorCode.MissingField,
      `Cannot ${action}: missing field "${field}"`,
    );
  }
  if (typeof text !== "string") {
    throw new ChatError(
      ChatErrorCode.InvalidField,
      `Cannot ${action}: field "${field}" must be a string`,
    );
  }
  return text;
}

function requireChat(
  value: Record<string, unknown>,
  action: string,
): ChatAddress {
  return requireString(value, "chat", action);
}

function requireInteger(
  value: Record<string, unknown>,
  field: string,
  action: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const number = value[field];
  if (number === undefined) {
    throw new ChatError(
      ChatErrorCode.MissingField,
      `Cannot ${action}: missing field "${field}"`,
    );
  }
  if (
    typeof number !== "number" || !Number.isInteger(number) || number < min ||
    number > max
  ) {
    throw new ChatError(
      ChatErrorCode.InvalidField,
      `Cannot ${action}: field "${field}" must be an integer from ${min} to ${max}`,
    );
  }
  return number;
}

function withId(error: unknown, id: string | undefined): unknown {
  if (
    error instanceof ChatError && error.id === undefined && id !== undefined
  ) {
    return new ChatError(error.code, error.message, id);
  }
  return error;
}
