// Copyright 2026 the framewire authors. MIT license.
// The chat wire, server side: parsing and validation of what clients send
// (commands, addresses; logins are in _login_wire.ts), and the encoding of
// Chat and Error frames shared with the client side.
import { type Frame, FrameType } from "../codec/frame.ts";
import { ChatError, ChatErrorCode } from "./errors.ts";
import {
  type ChatAddress,
  MAX_HISTORY_LIMIT,
  MAX_ID_CHARS,
  NAME_PATTERN,
} from "./messages.ts";

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
    readonly op: "admin_revoke";
    readonly id: string;
    /** Whose resume tokens to drop. */
    readonly user: string;
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
    readonly op:
      | "chats"
      | "who"
      | "logout"
      | "admin_chats"
      | "admin_connections";
    readonly id: string;
  };

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
  "logout",
  "admin_chats",
  "admin_connections",
]);
const DEFAULT_HISTORY_LIMIT = 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
// Only to find the id of a payload refused for its invalid UTF-8.
export const lenientDecoder = new TextDecoder();

/**
 * Parses a chat address.
 *
 * @param text `"@user"`, `"#room"`, or (with `adminForm`) `"@user1,user2"`.
 * @param adminForm Accept the admin's `"@a,b"` form for direct chats.
 * @returns The parsed address.
 * @throws {ChatError} `INVALID_FIELD` if it starts with neither `@` nor
 * `#`; `INVALID_NAME` if a name breaks {@linkcode NAME_PATTERN}.
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
 */
export function chatErrorFrame(
  code: string,
  message: string,
  id?: string,
  retryAfterMs?: number,
): Frame {
  const body: Record<string, unknown> = { code, message };
  if (id !== undefined) body.id = id;
  if (retryAfterMs !== undefined) body.retryAfterMs = retryAfterMs;
  return {
    type: FrameType.Error,
    payload: encoder.encode(JSON.stringify(body)),
  };
}

/**
 * Decodes what a client sent as a JSON object, refusing text that would
 * not come back as sent: invalid UTF-8 (which a lenient decoder would turn
 * into U+FFFD) and lone surrogates in strings (`"\ud800"`, which SQLite,
 * `TextEncoder` and every terminal turn into U+FFFD).
 *
 * @throws {ChatError} `INVALID_TEXT` (with the command's id when one can be
 * read), or `INVALID_JSON`.
 */
export function decodeClientJson(payload: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = decoder.decode(payload);
  } catch {
    let id: string | undefined;
    try {
      id = safeId(JSON.parse(lenientDecoder.decode(payload)) ?? {});
      // An id whose own bytes were broken would come back altered: none.
      if (id?.includes("\uFFFD")) id = undefined;
    } catch {
      // No id to answer with.
    }
    throw new ChatError(
      ChatErrorCode.InvalidText,
      "Cannot handle message: the payload is not valid UTF-8",
      id,
    );
  }
  const value = parseJsonObject(text);
  for (const [key, field] of Object.entries(value)) {
    if (
      !key.isWellFormed() ||
      (typeof field === "string" && !field.isWellFormed())
    ) {
      throw new ChatError(
        ChatErrorCode.InvalidText,
        `Cannot handle message: field ${
          JSON.stringify(key)
        } holds a lone surrogate, text that is not valid Unicode`,
        safeId(value),
      );
    }
  }
  return value;
}

function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
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
 * Decodes a payload as a JSON object.
 *
 * @param payload UTF-8 JSON bytes.
 * @returns The object.
 * @throws {ChatError} `INVALID_JSON` if it is not UTF-8 JSON or not an
 * object.
 */
export function decodeJsonObject(payload: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = decoder.decode(payload);
  } catch (error) {
    throw new ChatError(
      ChatErrorCode.InvalidJson,
      `Cannot parse message: ${(error as Error).message}`,
    );
  }
  return parseJsonObject(text);
}

/**
 * Validates a Chat (0) payload from a client as a command.
 *
 * @param payload The frame's payload.
 * @param maxMessageBytes Most UTF-8 bytes of a `send` text.
 * @returns The command.
 * @throws {ChatError} `INVALID_TEXT`, `INVALID_JSON`, `MISSING_FIELD`,
 * `INVALID_FIELD`, `UNKNOWN_OP`, `INVALID_NAME` or `MESSAGE_TOO_LONG`,
 * carrying the
 * command's `id` when it had a valid one.
 */
export function parseChatCommand(
  payload: Uint8Array,
  maxMessageBytes: number,
): ChatCommand {
  const value = decodeClientJson(payload);
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
    op === "admin_revoke" || CHAT_OPS.has(op) || PLAIN_OPS.has(op);
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
    if (op === "admin_revoke") {
      const user = requireString(value, "user", action);
      checkName(user, "user");
      return { op, id, user };
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

export function optionalId(
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

export function requireString(
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

export function withId(error: unknown, id: string | undefined): unknown {
  if (
    error instanceof ChatError && error.id === undefined && id !== undefined
  ) {
    return new ChatError(error.code, error.message, id);
  }
  return error;
}
