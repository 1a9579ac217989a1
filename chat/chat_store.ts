// Copyright 2026 the framewire authors. MIT license.
/**
 * What the chat server needs from its database, as an asynchronous
 * interface: {@linkcode SqliteChatStore} implements it on one machine, and
 * a store shared by several chat nodes (PostgreSQL, say) can implement it
 * too. The server keeps no copy of what a store answers (members, last
 * `seq`, accounts, rooms): every such read is an awaited call, so another
 * node's writes are never hidden behind a stale cache.
 *
 * What every implementation guarantees:
 * - {@linkcode ChatStore.append} numbers a chat's messages 1, 2, 3, … with
 *   no gap and no repeat, and stores a (sender, `clientId`) pair once, both
 *   inside the transaction that stores the message; it resolves only once
 *   the message is durable.
 * - {@linkcode ChatStore.moveCursor} never moves a cursor back, nor past the
 *   chat's last message stored when it was called.
 * - A new member's cursor starts at the chat's end: earlier messages are not
 *   unread for them.
 * - {@linkcode ChatStore.takeResumeToken} is atomic: of concurrent takes
 *   of one token, one succeeds.
 *
 * `tests/chat/_chat_store_contract.ts` checks these for any implementation.
 *
 * @module
 */

/** A stored password: what the database keeps instead of the password. */
export interface PasswordHash {
  /** Random salt, unique per account. */
  readonly salt: Uint8Array;
  /** PBKDF2-HMAC-SHA-256 output, 32 bytes. */
  readonly hash: Uint8Array;
  /** The iteration count it was made with; kept so the default can change. */
  readonly iterations: number;
}

/** A chat row. */
export interface ChatRecord {
  /** Database id. */
  readonly id: number;
  /** `"direct"` for two users, `"room"` for a group. */
  readonly kind: "direct" | "room";
  /** The room name, or the two user names sorted and joined by a comma. */
  readonly name: string;
}

/** A message to store. */
export interface NewMessage {
  /** The chat it belongs to. */
  readonly chatId: number;
  /** Sender's user name. */
  readonly sender: string;
  /** The sender's id for it; a second append with the same sender and id is not stored again. */
  readonly clientId: string;
  /** The text. */
  readonly text: string;
}

/** A message as stored. */
export interface StoredMessage {
  /** Store-wide unique id. */
  readonly mid: number;
  /** The chat it belongs to. */
  readonly chatId: number;
  /** Position in the chat, from 1, without gaps. */
  readonly seq: number;
  /** Sender's user name. */
  readonly sender: string;
  /** The sender's id for it. */
  readonly clientId: string;
  /** The text. */
  readonly text: string;
  /** When it was stored, in milliseconds since the Unix epoch. */
  readonly sentAtMs: number;
  /** Whether an earlier append already stored it (this is that message). */
  readonly duplicate: boolean;
}

/** A chat of one user, with what that user has not read yet. */
export interface UserChatSummary {
  /** The chat. */
  readonly chat: ChatRecord;
  /** Its last `seq` (0 when empty). */
  readonly lastSeq: number;
  /** When its last message was stored, or `undefined` when empty. */
  readonly lastAtMs: number | undefined;
  /** Messages after the user's cursor, not sent by the user. */
  readonly unread: number;
}

/** A chat as the admin lists it. */
export interface ChatSummary {
  /** The chat. */
  readonly chat: ChatRecord;
  /** Number of messages. */
  readonly messages: number;
  /** When its last message was stored, or `undefined` when empty. */
  readonly lastAtMs: number | undefined;
}

/**
 * The chat database: accounts, chats, memberships with delivery cursors,
 * and messages. Every method is asynchronous; a store may batch writes
 * (group commit), but a promise resolves only once what it wrote is
 * committed.
 *
 * @example An in-memory SQLite store behind the interface
 * ```ts
 * import { type ChatStore, SqliteChatStore } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const store: ChatStore = new SqliteChatStore(":memory:");
 * try {
 *   const room = await store.createRoom("general", "alice");
 *   await store.addMember(room.id, "alice");
 *   const stored = await store.append({ chatId: room.id, sender: "alice", clientId: "m1", text: "hi" });
 *   assert.equal(stored.seq, 1);
 *   assert.deepEqual(await store.members(room.id), ["alice"]);
 * } finally {
 *   await store.close();
 * }
 * ```
 */
export interface ChatStore {
  /**
   * Number of registered users.
   *
   * @returns The count.
   */
  userCount(): Promise<number>;
  /**
   * The stored password hash of a user.
   *
   * @param name The user name.
   * @returns The hash, or `undefined` if the name is not registered.
   */
  user(name: string): Promise<PasswordHash | undefined>;
  /**
   * Registers a user.
   *
   * @param name The user name.
   * @param hash The password hash.
   * @returns `false` if the name was already taken (nothing changed).
   */
  createUser(name: string, hash: PasswordHash): Promise<boolean>;
  /**
   * Saves a new resume token of a user (a token that logs in once instead
   * of the password), committed before it resolves. Only its digest is
   * stored, so a copy of the database holds no token that logs in. Also
   * drops the user's tokens expired by `nowMs`, and those added earliest
   * beyond the `keep` added last (the new one included, expired ones not
   * counted), so that a user's tokens stay few.
   *
   * @param user The user name.
   * @param digest The SHA-256 digest of the token, 32 bytes.
   * @param expiresAtMs When the token expires, in milliseconds since the
   * Unix epoch.
   * @param nowMs The current time, in milliseconds since the Unix epoch.
   * @param keep Most tokens the user keeps, the new one included.
   * @returns Resolves once committed.
   */
  addResumeToken(
    user: string,
    digest: Uint8Array,
    expiresAtMs: number,
    nowMs: number,
    keep: number,
  ): Promise<void>;
  /**
   * Takes a resume token of a user: deletes it, committed before it
   * resolves, so that a token logs in once. Of concurrent takes of one
   * token (on any node), exactly one resolves to `true`.
   *
   * @param user The user name; a token of another user never matches, and
   * stays.
   * @param digest The SHA-256 digest of the token.
   * @param nowMs The current time, in milliseconds since the Unix epoch.
   * @returns `true` if the token existed for `user` and had not expired by
   * `nowMs` (an expired one is deleted too).
   */
  takeResumeToken(
    user: string,
    digest: Uint8Array,
    nowMs: number,
  ): Promise<boolean>;
  /**
   * Drops every resume token of a user (an operator's answer to a lost
   * device), committed before it resolves.
   *
   * @param user The user name.
   * @returns How many tokens were dropped, expired ones included.
   */
  dropResumeTokens(user: string): Promise<number>;
  /**
   * The room of that name.
   *
   * @param name The room name.
   * @returns The room, or `undefined` if there is none.
   */
  room(name: string): Promise<ChatRecord | undefined>;
  /**
   * Creates a room if it does not exist.
   *
   * @param name The room name.
   * @param creator The user who creates it, counted by
   * {@linkcode ChatStore.roomsCreatedBy}; kept only when this call creates
   * the room.
   * @returns The room.
   */
  createRoom(name: string, creator?: string): Promise<ChatRecord>;
  /**
   * How many rooms a user has created (rooms are never deleted).
   *
   * @param user The user.
   * @returns The number of rooms whose creator is `user`.
   */
  roomsCreatedBy(user: string): Promise<number>;
  /**
   * The direct chat of two users, created (with both as members) on first
   * use.
   *
   * @param a One user.
   * @param b The other user.
   * @returns The chat.
   */
  directChat(a: string, b: string): Promise<ChatRecord>;
  /**
   * The direct chat of two users, if it exists.
   *
   * @param a One user.
   * @param b The other user.
   * @returns The chat, or `undefined`.
   */
  findDirectChat(a: string, b: string): Promise<ChatRecord | undefined>;
  /**
   * A chat by id.
   *
   * @param id The chat id.
   * @returns The chat, or `undefined`.
   */
  chatById(id: number): Promise<ChatRecord | undefined>;
  /**
   * The last `seq` of a chat.
   *
   * @param chatId The chat.
   * @returns Its last committed `seq`, 0 when empty.
   */
  lastSeq(chatId: number): Promise<number>;
  /**
   * The members of a chat.
   *
   * @param chatId The chat.
   * @returns Their user names, sorted.
   */
  members(chatId: number): Promise<string[]>;
  /**
   * Whether a user is a member of a chat: asked for every command on a
   * room, so a store answers it without listing the members.
   *
   * @param chatId The chat.
   * @param user The user.
   * @returns `true` if `user` is a member.
   */
  isMember(chatId: number, user: string): Promise<boolean>;
  /**
   * Adds a member whose cursor starts at the chat's current end, so that
   * earlier messages do not count as unread.
   *
   * @param chatId The chat.
   * @param user The user.
   * @returns `false` if the user was already a member.
   */
  addMember(chatId: number, user: string): Promise<boolean>;
  /**
   * Removes a member.
   *
   * @param chatId The chat.
   * @param user The user.
   * @returns `false` if the user was not a member.
   */
  removeMember(chatId: number, user: string): Promise<boolean>;
  /**
   * A member's delivery cursor: the highest `seq` delivered to that user,
   * including moves not committed yet.
   *
   * @param chatId The chat.
   * @param user The user.
   * @returns The cursor, or `undefined` if the user is not a member.
   */
  cursor(chatId: number, user: string): Promise<number | undefined>;
  /**
   * Moves a delivery cursor forward (never back). A `seq` beyond the chat's
   * last message is clamped to the last message stored when this is
   * called: messages stored later, even in the same commit, stay after the
   * cursor.
   *
   * @param chatId The chat.
   * @param user The member.
   * @param seq The highest `seq` delivered.
   * @returns Resolves once committed.
   */
  moveCursor(chatId: number, user: string, seq: number): Promise<void>;
  /**
   * Stores a message with the chat's next `seq`. A message whose sender and
   * `clientId` are already stored is not stored again: it resolves to the
   * earlier one with `duplicate: true`. Appends of one caller resolve in
   * the order they were made.
   *
   * @param message The message.
   * @returns The stored message, once committed.
   */
  append(message: NewMessage): Promise<StoredMessage>;
  /**
   * Committed messages of a chat after `afterSeq`, oldest first, leaving out
   * those of one sender (the reader's own).
   *
   * @param chatId The chat.
   * @param afterSeq Only messages with a larger `seq`.
   * @param exceptSender Leave out this sender's messages.
   * @param limit Most messages.
   * @returns The messages.
   */
  messagesAfter(
    chatId: number,
    afterSeq: number,
    exceptSender: string,
    limit: number,
  ): Promise<StoredMessage[]>;
  /**
   * The last messages of a chat, oldest first.
   *
   * @param chatId The chat.
   * @param limit Most messages.
   * @param beforeSeq Only messages with a smaller `seq`.
   * @returns The messages.
   */
  lastMessages(
    chatId: number,
    limit: number,
    beforeSeq?: number,
  ): Promise<StoredMessage[]>;
  /**
   * The chats a user is a member of, with unread counts (messages after the
   * cursor that others sent), cursor moves not committed yet included.
   *
   * @param user The user.
   * @returns One summary per chat, oldest chat first.
   */
  userChats(user: string): Promise<UserChatSummary[]>;
  /**
   * Every chat, most recently active first.
   *
   * @param limit Most chats listed.
   * @returns The chats.
   */
  allChats(limit?: number): Promise<ChatSummary[]>;
  /**
   * Checks that the store answers (for a server's readiness).
   *
   * @returns Resolves when it does.
   * @throws {ChatStoreUnavailableError} When it cannot be reached.
   */
  ping(): Promise<void>;
  /**
   * Commits what is pending now.
   *
   * @returns Resolves once committed.
   */
  flush(): Promise<void>;
  /**
   * Commits what is pending and closes the store.
   *
   * @returns Resolves once closed.
   */
  close(): Promise<void>;
}

/**
 * A store operation failed because the store cannot be reached (its
 * database server is down, restarting, or too slow to answer in time).
 * Nothing was changed by the operation; the server answers
 * `STORE_UNAVAILABLE` and serves again once the store is back.
 *
 * @example
 * ```ts
 * import { ChatStoreUnavailableError } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const error = new ChatStoreUnavailableError("connection refused");
 * assert.equal(error.name, "ChatStoreUnavailableError");
 * assert.match(error.message, /Cannot reach the chat store: connection refused/);
 * ```
 */
export class ChatStoreUnavailableError extends Error {
  /**
   * Creates the error.
   *
   * @param reason What failed.
   * @param options The underlying error, as `cause`.
   */
  constructor(reason: string, options?: ErrorOptions) {
    super(`Cannot reach the chat store: ${reason}`, options);
    this.name = "ChatStoreUnavailableError";
  }
}
