// Copyright 2026 the framewire authors. MIT license.
/**
 * The {@linkcode ChatStore} shared by the nodes of a cluster: accounts,
 * chats, memberships and messages in one PostgreSQL database (15 or newer),
 * through the `postgres` client from npm, which is loaded only when a store
 * connects (a single-node server on SQLite never fetches it).
 *
 * **Schema.** {@linkcode PostgresChatStore.connect} creates the tables if
 * the database is empty and migrates an older schema, by the version number
 * kept in the table `framewire_schema_version`, in one transaction under an
 * advisory lock: nodes that start together migrate once. Give the store a
 * database of its own (it names its tables `users`, `chats`, `members`,
 * `messages`, `resume_tokens`).
 *
 * **Numbering and dedupe across nodes.** A message's `seq` is taken from
 * `chats.last_seq`, updated in the transaction that inserts the message:
 * the chat row's lock serializes the writers of one chat on every node, so
 * `seq` is gap-free and in commit order, while chats do not wait for each
 * other. A unique index on (sender, client id) stores a retried message
 * once, also when two nodes race the same id. Within one store, writes to
 * one chat are queued and sent as one transaction per batch, in call order.
 *
 * **Faults.** Every operation is bounded by `queryTimeoutMs` (client side,
 * and as the server's `statement_timeout`). When the database cannot be
 * reached (refused, reset, shut down, too slow), operations reject with
 * {@linkcode ChatStoreUnavailableError}; the pool reconnects on the next
 * operation, so service resumes by itself. A write that timed out may
 * still commit: a client that resends with the same id gets the stored
 * message back, marked duplicate.
 *
 * @module
 */
import { numberOption, optionsObject } from "../internal/options.ts";
import type {
  ChatRecord,
  ChatStore,
  ChatSummary,
  NewMessage,
  PasswordHash,
  StoredMessage,
  UserChatSummary,
} from "./chat_store.ts";
import {
  addResumeToken,
  allChats,
  checkUrl,
  createDirectChat,
  MESSAGE_COLUMNS,
  openPool,
  plainBytes,
  type Row,
  type SqlPool,
  toChat,
  toStored,
  unavailable,
  userChats,
  within,
} from "./_postgres_chat_schema.ts";
import { ChatWriteQueues, type Write } from "./_postgres_chat_writes.ts";
import { directName } from "./_addresses.ts";

/** Options for {@linkcode PostgresChatStore.connect}. */
export interface PostgresChatStoreOptions {
  /**
   * Most connections the store opens to the database.
   *
   * @default {10}
   */
  maxConnections?: number;
  /**
   * Most time one operation may take, in milliseconds, waiting for a free
   * connection included; past it the operation rejects with
   * {@linkcode ChatStoreUnavailableError}. Also the server's
   * `statement_timeout`.
   *
   * @default {5000}
   */
  queryTimeoutMs?: number;
  /**
   * Most time opening a connection may take, in milliseconds.
   *
   * @default {5000}
   */
  connectTimeoutMs?: number;
  /**
   * Most queued writes (appends, cursor moves) of one chat sent in one
   * transaction.
   *
   * @default {256}
   */
  maxBatch?: number;
}

const DEFAULTS = {
  maxConnections: 10,
  queryTimeoutMs: 5000,
  connectTimeoutMs: 5000,
  maxBatch: 256,
} as const;

type Resolved = { -readonly [K in keyof typeof DEFAULTS]: number };

/**
 * A chat store in PostgreSQL, for several chat nodes sharing one database
 * (see the module doc for the schema and the fault behaviour).
 *
 * @example Connect, store a message, close
 * ```ts ignore
 * import { PostgresChatStore } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const store = await PostgresChatStore.connect(
 *   "postgres://chat@127.0.0.1:5432/chat",
 *   { queryTimeoutMs: 2000 },
 * );
 * try {
 *   const room = await store.createRoom("general", "alice");
 *   await store.addMember(room.id, "alice");
 *   const stored = await store.append({
 *     chatId: room.id, sender: "alice", clientId: "m1", text: "hi",
 *   });
 *   assert.equal(stored.seq, await store.lastSeq(room.id));
 * } finally {
 *   await store.close();
 * }
 * ```
 */
export class PostgresChatStore implements ChatStore, AsyncDisposable {
  #sql: SqlPool;
  #options: Resolved;
  #writes: ChatWriteQueues;
  #closed = false;

  private constructor(sql: SqlPool, options: Resolved) {
    this.#sql = sql;
    this.#options = options;
    this.#writes = new ChatWriteQueues(
      sql,
      options.maxBatch,
      (work) => this.#query(work),
    );
  }

  /**
   * Connects to a database, creating or migrating its schema.
   *
   * @example
   * ```ts ignore
   * import { PostgresChatStore } from "@framewire/framewire/chat";
   *
   * await using store = await PostgresChatStore.connect(
   *   "postgres://chat@127.0.0.1:5432/chat",
   * );
   * await store.ping();
   * ```
   *
   * @param url `postgres://USER[:PASSWORD]@HOST:PORT/DATABASE`.
   * @param options Pool size and timeouts.
   * @returns The store, with its schema at the current version.
   * @throws {TypeError} If `url` is not a `postgres://` URL or an option has
   * the wrong type.
   * @throws {RangeError} If an option is out of range.
   * @throws {ChatStoreUnavailableError} If the database cannot be reached.
   * @throws {Error} If the schema is newer than this code, or the database
   * refuses (authentication, missing database).
   */
  static async connect(
    url: string,
    options?: PostgresChatStoreOptions,
  ): Promise<PostgresChatStore> {
    const given = optionsObject(options, "Cannot connect chat store");
    checkUrl(url);
    const number = (name: keyof Resolved, max?: number) =>
      numberOption(name, given[name], DEFAULTS[name], { min: 1, max });
    const resolved: Resolved = {
      maxConnections: number("maxConnections", 10000),
      queryTimeoutMs: number("queryTimeoutMs"),
      connectTimeoutMs: number("connectTimeoutMs"),
      maxBatch: number("maxBatch"),
    };
    const sql = await openPool(url, resolved);
    return new PostgresChatStore(sql, resolved);
  }

  /**
   * Number of registered users.
   *
   * @returns The count.
   */
  async userCount(): Promise<number> {
    const rows = await this.#query((sql) =>
      sql`SELECT COUNT(*) AS n FROM users`
    );
    return rows[0].n as number;
  }

  /**
   * The stored password hash of a user.
   *
   * @param name The user name.
   * @returns The hash, or `undefined` if the name is not registered.
   */
  async user(name: string): Promise<PasswordHash | undefined> {
    const rows = await this.#query((sql) =>
      sql`SELECT salt, hash, iterations FROM users WHERE name = ${name}`
    );
    if (rows.length === 0) return undefined;
    return {
      salt: plainBytes(rows[0].salt),
      hash: plainBytes(rows[0].hash),
      iterations: rows[0].iterations as number,
    };
  }

  /**
   * Registers a user (committed before it resolves).
   *
   * @param name The user name.
   * @param hash The password hash.
   * @returns `false` if the name was already taken (nothing changed).
   */
  async createUser(name: string, hash: PasswordHash): Promise<boolean> {
    const rows = await this.#query((sql) =>
      sql`INSERT INTO users (name, salt, hash, iterations, created_at)
        VALUES (${name}, ${hash.salt}, ${hash.hash}, ${hash.iterations},
          ${Date.now()})
        ON CONFLICT (name) DO NOTHING RETURNING 1`
    );
    return rows.length === 1;
  }

  /**
   * Saves a new resume token of a user by its digest, and drops the user's
   * tokens expired by `nowMs` and those added earliest beyond the `keep`
   * added last, in one transaction (committed before it resolves).
   *
   * @param user The user name.
   * @param digest The SHA-256 digest of the token, 32 bytes.
   * @param expiresAtMs When the token expires, in milliseconds since the
   * Unix epoch.
   * @param nowMs The current time, in milliseconds since the Unix epoch.
   * @param keep Most tokens the user keeps, the new one included.
   * @returns Resolves once committed.
   */
  async addResumeToken(
    user: string,
    digest: Uint8Array,
    expiresAtMs: number,
    nowMs: number,
    keep: number,
  ): Promise<void> {
    await this.#query((sql) =>
      addResumeToken(sql, user, digest, expiresAtMs, nowMs, keep)
    );
  }

  /**
   * Takes (deletes) a resume token of a user, committed before it resolves.
   * Of concurrent takes of one token, on any node, only one deletes its
   * row: the others wait for its row lock and then find it gone.
   *
   * @param user The user name; a token of another user never matches.
   * @param digest The SHA-256 digest of the token.
   * @param nowMs The current time, in milliseconds since the Unix epoch.
   * @returns `true` if the token existed for `user` and had not expired by
   * `nowMs`.
   */
  async takeResumeToken(
    user: string,
    digest: Uint8Array,
    nowMs: number,
  ): Promise<boolean> {
    const rows = await this.#query((sql) =>
      sql`DELETE FROM resume_tokens
        WHERE digest = ${digest} AND user_name = ${user}
        RETURNING expires_at`
    );
    return rows.length === 1 && (rows[0].expires_at as number) > nowMs;
  }

  /**
   * Drops every resume token of a user, committed before it resolves.
   *
   * @param user The user name.
   * @returns How many tokens were dropped, expired ones included.
   */
  async dropResumeTokens(user: string): Promise<number> {
    const rows = await this.#query((sql) =>
      sql`DELETE FROM resume_tokens WHERE user_name = ${user} RETURNING id`
    );
    return rows.length;
  }

  /**
   * The room of that name.
   *
   * @param name The room name.
   * @returns The room, or `undefined` if there is none.
   */
  room(name: string): Promise<ChatRecord | undefined> {
    return this.#chat("room", name);
  }

  /**
   * Creates a room if it does not exist (committed before it resolves).
   *
   * @param name The room name.
   * @param creator The user who creates it, counted by
   * {@linkcode PostgresChatStore.prototype.roomsCreatedBy}; kept only when
   * this call creates the room.
   * @returns The room.
   */
  async createRoom(name: string, creator?: string): Promise<ChatRecord> {
    const rows = await this.#query((sql) =>
      sql`INSERT INTO chats (kind, name, created_at, created_by)
        VALUES ('room', ${name}, ${Date.now()}, ${creator ?? null})
        ON CONFLICT (kind, name) DO NOTHING RETURNING id, kind, name`
    );
    // On a conflict the room was committed by someone else: a new
    // statement (a new snapshot) sees it.
    return rows.length === 1
      ? toChat(rows[0])
      : (await this.#chat("room", name))!;
  }

  /**
   * How many rooms a user has created (rooms are never deleted).
   *
   * @param user The user.
   * @returns The number of rooms whose creator is `user`.
   */
  async roomsCreatedBy(user: string): Promise<number> {
    const rows = await this.#query((sql) =>
      sql`SELECT COUNT(*) AS n FROM chats
        WHERE kind = 'room' AND created_by = ${user}`
    );
    return rows[0].n as number;
  }

  /**
   * The direct chat of two users, created (with both as members, in one
   * transaction) on first use.
   *
   * @param a One user.
   * @param b The other user.
   * @returns The chat.
   */
  async directChat(a: string, b: string): Promise<ChatRecord> {
    const name = directName(a, b);
    const found = await this.#chat("direct", name);
    if (found !== undefined) return found;
    const created = await this.#query((sql) =>
      createDirectChat(sql, name, a, b)
    );
    // Undefined: another node created it meanwhile, members included.
    return created ?? (await this.#chat("direct", name))!;
  }

  /**
   * The direct chat of two users, if it exists.
   *
   * @param a One user.
   * @param b The other user.
   * @returns The chat, or `undefined`.
   */
  findDirectChat(a: string, b: string): Promise<ChatRecord | undefined> {
    return this.#chat("direct", directName(a, b));
  }

  /**
   * A chat by id.
   *
   * @param id The chat id.
   * @returns The chat, or `undefined`.
   */
  async chatById(id: number): Promise<ChatRecord | undefined> {
    const rows = await this.#query((sql) =>
      sql`SELECT id, kind, name FROM chats WHERE id = ${id}`
    );
    return rows.length === 0 ? undefined : toChat(rows[0]);
  }

  /**
   * The last `seq` of a chat.
   *
   * @param chatId The chat.
   * @returns Its last committed `seq`, 0 when empty.
   */
  async lastSeq(chatId: number): Promise<number> {
    const rows = await this.#query((sql) =>
      sql`SELECT last_seq FROM chats WHERE id = ${chatId}`
    );
    return rows.length === 0 ? 0 : rows[0].last_seq as number;
  }

  /**
   * The members of a chat.
   *
   * @param chatId The chat.
   * @returns Their user names, sorted (by UTF-16 code units, whatever the
   * database's collation).
   */
  async members(chatId: number): Promise<string[]> {
    const rows = await this.#query((sql) =>
      sql`SELECT user_name FROM members WHERE chat_id = ${chatId}`
    );
    return rows.map((row) => row.user_name as string).sort();
  }

  /**
   * Whether a user is a member of a chat.
   *
   * @param chatId The chat.
   * @param user The user.
   * @returns `true` if `user` is a member.
   */
  async isMember(chatId: number, user: string): Promise<boolean> {
    const rows = await this.#query((sql) =>
      sql`SELECT 1 FROM members WHERE chat_id = ${chatId}
        AND user_name = ${user}`
    );
    return rows.length === 1;
  }

  /**
   * Adds a member whose cursor starts at the chat's current end, so that
   * earlier messages do not count as unread (committed before it resolves).
   *
   * @param chatId The chat.
   * @param user The user.
   * @returns `false` if the user was already a member (or there is no such chat).
   */
  async addMember(chatId: number, user: string): Promise<boolean> {
    const rows = await this.#query((sql) =>
      sql`INSERT INTO members (chat_id, user_name, cursor)
        SELECT id, ${user}, last_seq FROM chats WHERE id = ${chatId}
        ON CONFLICT DO NOTHING RETURNING 1`
    );
    return rows.length === 1;
  }

  /**
   * Removes a member (committed before it resolves).
   *
   * @param chatId The chat.
   * @param user The user.
   * @returns `false` if the user was not a member.
   */
  async removeMember(chatId: number, user: string): Promise<boolean> {
    const rows = await this.#query((sql) =>
      sql`DELETE FROM members WHERE chat_id = ${chatId}
        AND user_name = ${user} RETURNING 1`
    );
    return rows.length === 1;
  }

  /**
   * A member's delivery cursor, after this store's queued writes to the
   * chat are committed.
   *
   * @param chatId The chat.
   * @param user The user.
   * @returns The cursor, or `undefined` if the user is not a member.
   */
  async cursor(chatId: number, user: string): Promise<number | undefined> {
    await this.#writes.settled(chatId);
    const rows = await this.#query((sql) =>
      sql`SELECT cursor FROM members WHERE chat_id = ${chatId}
        AND user_name = ${user}`
    );
    return rows.length === 0 ? undefined : rows[0].cursor as number;
  }

  /**
   * Moves a delivery cursor forward (never back), queued behind this
   * store's earlier writes to the chat. A `seq` beyond the chat's end is
   * clamped to the last message stored when the move runs, which is before
   * any append made after this call.
   *
   * @param chatId The chat.
   * @param user The member.
   * @param seq The highest `seq` delivered.
   * @returns Resolves once committed.
   */
  moveCursor(chatId: number, user: string, seq: number): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#enqueue(chatId, { kind: "cursor", user, seq, resolve, reject });
    return promise;
  }

  /**
   * Stores a message with the chat's next `seq`; a message whose sender
   * and `clientId` are already stored (by any node) is not stored again
   * and resolves to the earlier one with `duplicate: true`. Appends to one
   * chat resolve in the order they were made.
   *
   * @param message The message.
   * @returns The stored message, once committed.
   */
  append(message: NewMessage): Promise<StoredMessage> {
    const { promise, resolve, reject } = Promise.withResolvers<
      StoredMessage
    >();
    this.#enqueue(message.chatId, {
      kind: "append",
      message,
      resolve,
      reject,
    });
    return promise;
  }

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
  async messagesAfter(
    chatId: number,
    afterSeq: number,
    exceptSender: string,
    limit: number,
  ): Promise<StoredMessage[]> {
    const rows = await this.#query((sql) =>
      sql`SELECT ${sql.unsafe(MESSAGE_COLUMNS)} FROM messages
        WHERE chat_id = ${chatId} AND seq > ${afterSeq}
          AND sender <> ${exceptSender}
        ORDER BY seq LIMIT ${limit}`
    );
    return rows.map((row) => toStored(row, false));
  }

  /**
   * The last messages of a chat, oldest first.
   *
   * @param chatId The chat.
   * @param limit Most messages.
   * @param beforeSeq Only messages with a smaller `seq`.
   * @returns The messages.
   */
  async lastMessages(
    chatId: number,
    limit: number,
    beforeSeq: number = Number.MAX_SAFE_INTEGER,
  ): Promise<StoredMessage[]> {
    const rows = await this.#query((sql) =>
      sql`SELECT ${sql.unsafe(MESSAGE_COLUMNS)} FROM messages
        WHERE chat_id = ${chatId} AND seq < ${beforeSeq}
        ORDER BY seq DESC LIMIT ${limit}`
    );
    return rows.map((row) => toStored(row, false)).reverse();
  }

  /**
   * The chats a user is a member of, with unread counts (messages after the
   * cursor that others sent), after this store's queued writes commit.
   *
   * @param user The user.
   * @returns One summary per chat, oldest chat first.
   */
  async userChats(user: string): Promise<UserChatSummary[]> {
    await this.flush();
    return await this.#query((sql) => userChats(sql, user));
  }

  /**
   * Every chat, most recently active first (this store's queued writes
   * committed first).
   *
   * @param limit Most chats listed.
   * @returns The chats.
   */
  async allChats(limit = 1000): Promise<ChatSummary[]> {
    await this.flush();
    return await this.#query((sql) => allChats(sql, limit));
  }

  /**
   * Checks that the database answers, within `queryTimeoutMs`.
   *
   * @returns Resolves when it does.
   * @throws {ChatStoreUnavailableError} When it cannot be reached.
   */
  async ping(): Promise<void> {
    await this.#query((sql) => sql`SELECT 1`);
  }

  /**
   * Waits until every write queued now is committed (or failed).
   *
   * @returns Resolves then.
   */
  flush(): Promise<void> {
    return this.#writes.flush();
  }

  /**
   * Lets queued writes finish (each bounded by `queryTimeoutMs`), then
   * closes every connection. Later calls reject.
   *
   * @returns Resolves once the pool is closed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    // Nothing of ours is running; a query that timed out and still waits
    // on a dead socket is cut at once.
    await this.#sql.end({ timeout: 0 });
  }

  /**
   * Closes; see {@linkcode PostgresChatStore.prototype.close}.
   *
   * @returns Resolves once closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #chat(
    kind: "direct" | "room",
    name: string,
  ): Promise<ChatRecord | undefined> {
    const rows = await this.#query((sql) =>
      sql`SELECT id, kind, name FROM chats
        WHERE kind = ${kind} AND name = ${name}`
    );
    return rows.length === 0 ? undefined : toChat(rows[0]);
  }

  /** Runs a query under the timeout, with unreachability mapped. */
  #query<T = Row[]>(run: (sql: SqlPool) => Promise<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(
        new Error("Cannot use the PostgreSQL chat store: closed"),
      );
    }
    return within(this.#options.queryTimeoutMs, run(this.#sql)).catch(
      (error) => {
        throw unavailable(error);
      },
    );
  }

  #enqueue(chatId: number, write: Write): void {
    if (this.#closed) {
      write.reject(new Error("Cannot use the PostgreSQL chat store: closed"));
    } else {
      this.#writes.add(chatId, write);
    }
  }
}
