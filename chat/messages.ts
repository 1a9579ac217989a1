// Copyright 2026 the framewire authors. MIT license.
/**
 * The chat protocol's public vocabulary: the names, limits and JSON
 * shapes a client reads in the server's answers and pushes (the parsing
 * and validation of what clients send is the server's own business).
 *
 * Chats are addressed by a string: `"@bob"` is the direct chat with user
 * `bob` (from the reader's side: alice sees `"@bob"`, bob sees `"@alice"`),
 * `"#general"` is the room `general`. The admin sees a direct chat as
 * `"@alice,bob"` (the two names in sorted order).
 *
 * @module
 */

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
  /**
   * A resume token, when the login asked for one (`remember`) or used one:
   * log in with it once instead of the password (`resume`).
   */
  readonly resume?: string;
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
  /** The node it is connected to, when the server has a `nodeId`. */
  readonly node?: string;
}
