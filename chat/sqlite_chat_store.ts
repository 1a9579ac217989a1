// Copyright 2026 the framewire authors. MIT license.
/**
 * The {@linkcode ChatStore} of one machine: accounts, chats, memberships
 * with delivery cursors, and every message, in one SQLite file
 * (`node:sqlite`, built into Deno).
 *
 * **Durability.** The database runs in WAL mode. With the default
 * `synchronous: "FULL"` every commit waits for `fsync` of the log, so a
 * message survives a crash of the process *and* of the machine once its
 * commit has returned. `"NORMAL"` skips that `fsync`: a commit is then in the
 * OS page cache when it returns, which survives `kill -9` of the server but
 * not a power cut. The server acknowledges a message only after its commit.
 *
 * **Group commit.** {@linkcode SqliteChatStore.prototype.append} does not commit
 * at once: appends and cursor moves made in the same turn of the event loop
 * (from any number of connections) are written in one transaction, so one
 * `fsync` covers them all. Under load the batches grow by themselves.
 *
 * The store takes an exclusive lock on the file (`locking_mode=EXCLUSIVE`):
 * a second server on the same database fails at start instead of corrupting
 * the caches the first one keeps. The OS releases the lock when the process
 * dies, even on `kill -9`. Those caches (chats, members, last `seq`) are
 * exact because no one else writes the file; the chat server does not rely
 * on them (it awaits every read), so a store shared by several nodes needs
 * none.
 *
 * (Longer than our usual 600 lines: one documented method per
 * {@linkcode ChatStore} operation; the schema and statements live in a
 * private module beside it.)
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { clearImmediate, setImmediate } from "node:timers";
import { choiceOption, numberOption } from "../internal/options.ts";
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
  type ChatSummaryRow,
  INSERT_CHUNKS,
  insertMessagesSql,
  type MessageRow,
  MIGRATE_TO_2,
  SCHEMA,
  SCHEMA_END,
  SQL,
  toStored,
} from "./_sqlite_chat_schema.ts";
import { directName } from "./_addresses.ts";
import { insertedMessage } from "./_stored_message.ts";

/** Options for {@linkcode SqliteChatStore}. */
export interface SqliteChatStoreOptions {
  /**
   * SQLite `synchronous` level in WAL mode: `"FULL"` survives power loss,
   * `"NORMAL"` survives a crash of the process only (see the module doc).
   *
   * @default {"FULL"}
   */
  synchronous?: "FULL" | "NORMAL";
  /**
   * Most appends and cursor moves written in one transaction; a batch that
   * reaches it is committed at once instead of at the end of the turn.
   *
   * @default {1024}
   */
  maxBatch?: number;
}

interface PendingAppend {
  message: NewMessage;
  resolve: (stored: StoredMessage) => void;
  reject: (error: unknown) => void;
}

interface PendingCursor {
  chatId: number;
  user: string;
  seq: number;
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

const DEFAULT_MAX_BATCH = 1024;

/**
 * The chat database in one SQLite file. Reads answer from SQLite's page
 * cache in microseconds (the promises are already settled when returned);
 * writes of messages and cursors are group-committed.
 *
 * @example Store a message and read it back after reopening
 * ```ts
 * import { SqliteChatStore } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * try {
 *   const path = `${dir}/chat.db`;
 *   {
 *     await using store = new SqliteChatStore(path);
 *     const room = await store.createRoom("general");
 *     const stored = await store.append({
 *       chatId: room.id, sender: "alice", clientId: "m1", text: "hello",
 *     });
 *     assert.equal(stored.seq, 1);
 *   }
 *   await using store = new SqliteChatStore(path);
 *   const room = (await store.room("general"))!;
 *   const messages = await store.lastMessages(room.id, 10);
 *   assert.deepEqual(messages.map((m) => m.text), ["hello"]);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export class SqliteChatStore implements ChatStore, AsyncDisposable {
  /** The database file. */
  readonly path: string;
  #db: DatabaseSync;
  #maxBatch: number;
  #chats = new Map<string, ChatRecord>();
  #chatsById = new Map<number, ChatRecord>();
  #members = new Map<number, Set<string>>();
  // The last seq of each chat seen so far. This store is the database's
  // only writer (exclusive lock), so the cache stays exact and numbering a
  // message costs no query.
  #lastSeqs = new Map<number, number>();
  #appends: PendingAppend[] = [];
  #cursors = new Map<string, PendingCursor>();
  #flushTimer: ReturnType<typeof setImmediate> | undefined;
  #closed = false;
  #statements: Record<string, StatementSync>;
  /** The multi-row message INSERTs, by rows (see INSERT_CHUNKS). */
  #insertRows = new Map<number, StatementSync>();
  // The largest message id, cached like #lastSeqs: a batch's rows carry
  // their ids, known before the INSERT. Undefined after a failed or
  // row-by-row batch, and read again.
  #lastMessageId: number | undefined;

  /**
   * Opens (and creates if needed) the database.
   *
   * @param path The SQLite file; its directory must exist.
   * @param options Durability and batching.
   * @throws {TypeError} If `synchronous` is neither `"FULL"` nor `"NORMAL"`.
   * @throws {RangeError} If `maxBatch` is not an integer of at least 1.
   * @throws {Error} If the file cannot be opened, or another process holds it.
   */
  constructor(path: string, options: SqliteChatStoreOptions = {}) {
    const synchronous = choiceOption(
      "synchronous",
      options.synchronous,
      ["FULL", "NORMAL"],
      "FULL",
    );
    this.#maxBatch = numberOption(
      "maxBatch",
      options.maxBatch,
      DEFAULT_MAX_BATCH,
      { min: 1 },
    );
    this.path = path;
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path);
    } catch (error) {
      throw new Error(
        `Cannot open chat database "${path}": ${(error as Error).message}`,
        { cause: error },
      );
    }
    try {
      // A short busy timeout: the only other user of the file would be a
      // second server, and that must fail rather than wait.
      db.exec(`PRAGMA busy_timeout = 200;
        PRAGMA locking_mode = EXCLUSIVE;
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = ${synchronous};
        PRAGMA foreign_keys = ON;`);
      db.exec(SCHEMA);
      const columns = db.prepare("PRAGMA table_info(chats)").all() as {
        name: string;
      }[];
      if (!columns.some((column) => column.name === "created_by")) {
        db.exec(MIGRATE_TO_2);
      }
      db.exec(SCHEMA_END);
    } catch (error) {
      db.close();
      throw new Error(
        `Cannot open chat database "${path}": ${
          (error as Error).message
        } (is another server using it?)`,
        { cause: error },
      );
    }
    this.#db = db;
    this.#statements = {};
    for (const [name, text] of Object.entries(SQL)) {
      this.#statements[name] = db.prepare(text);
    }
  }

  // --- tests (issue 14): read back the durability level in force ---
  /**
   * The `synchronous` level SQLite is running with, read back from the
   * database (not from the options), so a test or an operator can check
   * that a commit really waits for `fsync`.
   *
   * @returns `"FULL"` or `"NORMAL"` as configured; `"OFF"` or `"EXTRA"`
   * would mean the store was set up wrongly.
   */
  get synchronous(): "OFF" | "NORMAL" | "FULL" | "EXTRA" {
    const row = this.#db.prepare("PRAGMA synchronous").get() as {
      synchronous: number;
    };
    return (["OFF", "NORMAL", "FULL", "EXTRA"] as const)[row.synchronous];
  }
  // --- end tests (issue 14) ---

  /** Appends and cursor moves waiting for the next commit. */
  get pendingWrites(): number {
    return this.#appends.length + this.#cursors.size;
  }

  /**
   * Number of registered users.
   *
   * @returns The count.
   */
  userCount(): Promise<number> {
    return this.#read(() =>
      (this.#statements.userCount.get() as { n: number }).n
    );
  }

  /**
   * The stored password hash of a user.
   *
   * @param name The user name.
   * @returns The hash, or `undefined` if the name is not registered.
   */
  user(name: string): Promise<PasswordHash | undefined> {
    return this.#read(() => {
      const row = this.#statements.user.get(name) as
        | { salt: Uint8Array; hash: Uint8Array; iterations: number }
        | undefined;
      return row === undefined
        ? undefined
        : { salt: row.salt, hash: row.hash, iterations: row.iterations };
    });
  }

  /**
   * Registers a user (committed before it resolves).
   *
   * @param name The user name.
   * @param hash The password hash.
   * @returns `false` if the name was already taken (nothing changed).
   */
  createUser(name: string, hash: PasswordHash): Promise<boolean> {
    return this.#write(() => {
      const result = this.#statements.createUser.run(
        name,
        hash.salt,
        hash.hash,
        hash.iterations,
        Date.now(),
      );
      return Number(result.changes) === 1;
    });
  }

  /**
   * Saves a new resume token of a user by its digest, and drops the user's
   * tokens expired by `nowMs` and those added earliest beyond the `keep`
   * added last (committed before it resolves).
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
  ): Promise<void> {
    return this.#write(() => {
      // One transaction: one fsync, and no crash leaves the new token
      // stored beside those it should have replaced.
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        this.#statements.addResumeToken.run(digest, user, expiresAtMs, nowMs);
        this.#statements.dropResumeTokens.run(user, digest, nowMs, keep);
        this.#db.exec("COMMIT");
      } catch (error) {
        this.#db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  /**
   * Takes (deletes) a resume token of a user, committed before it resolves.
   * One statement on the database's only connection, run synchronously: a
   * second take of the token finds it gone.
   *
   * @param user The user name; a token of another user never matches.
   * @param digest The SHA-256 digest of the token.
   * @param nowMs The current time, in milliseconds since the Unix epoch.
   * @returns `true` if the token existed for `user` and had not expired by
   * `nowMs`.
   */
  takeResumeToken(
    user: string,
    digest: Uint8Array,
    nowMs: number,
  ): Promise<boolean> {
    return this.#write(() => {
      // all(), not get(): stepped to the end, so the DELETE has completed
      // (and autocommitted) when it returns.
      const rows = this.#statements.takeResumeToken.all(digest, user) as {
        expires_at: number;
      }[];
      return rows.length === 1 && rows[0].expires_at > nowMs;
    });
  }

  /**
   * Drops every resume token of a user, committed before it resolves.
   *
   * @param user The user name.
   * @returns How many tokens were dropped, expired ones included.
   */
  dropResumeTokens(user: string): Promise<number> {
    return this.#write(() =>
      Number(this.#statements.dropAllResumeTokens.run(user).changes)
    );
  }

  /**
   * The room of that name.
   *
   * @param name The room name.
   * @returns The room, or `undefined` if there is none.
   */
  room(name: string): Promise<ChatRecord | undefined> {
    return this.#read(() => this.#chat("room", name));
  }

  /**
   * Creates a room if it does not exist (committed before it resolves).
   *
   * @param name The room name.
   * @param creator The user who creates it, counted by
   * {@linkcode SqliteChatStore.prototype.roomsCreatedBy}; kept only when
   * this call creates the room.
   * @returns The room.
   */
  createRoom(name: string, creator?: string): Promise<ChatRecord> {
    return this.#write(() => this.#createChat("room", name, creator));
  }

  /**
   * How many rooms a user has created (rooms are never deleted).
   *
   * @param user The user.
   * @returns The number of rooms whose creator is `user`.
   */
  roomsCreatedBy(user: string): Promise<number> {
    return this.#read(() =>
      (this.#statements.roomsCreatedBy.get(user) as { n: number }).n
    );
  }

  /**
   * The direct chat of two users, created (with both as members) on first
   * use.
   *
   * @param a One user.
   * @param b The other user.
   * @returns The chat.
   */
  directChat(a: string, b: string): Promise<ChatRecord> {
    return this.#write(() => {
      const name = directName(a, b);
      const existing = this.#chat("direct", name);
      if (existing !== undefined) return existing;
      const chat = this.#createChat("direct", name);
      this.#addMember(chat.id, a);
      this.#addMember(chat.id, b);
      return chat;
    });
  }

  /**
   * The direct chat of two users, if it exists.
   *
   * @param a One user.
   * @param b The other user.
   * @returns The chat, or `undefined`.
   */
  findDirectChat(a: string, b: string): Promise<ChatRecord | undefined> {
    return this.#read(() => this.#chat("direct", directName(a, b)));
  }

  /**
   * A chat by id.
   *
   * @param id The chat id.
   * @returns The chat, or `undefined`.
   */
  chatById(id: number): Promise<ChatRecord | undefined> {
    return this.#read(() => {
      const cached = this.#chatsById.get(id);
      if (cached !== undefined) return cached;
      const row = this.#statements.chatById.get(id) as
        | { id: number; kind: "direct" | "room"; name: string }
        | undefined;
      return row === undefined ? undefined : this.#remember(row);
    });
  }

  /**
   * The last `seq` of a chat.
   *
   * @param chatId The chat.
   * @returns Its last committed `seq`, 0 when empty.
   */
  lastSeq(chatId: number): Promise<number> {
    return this.#read(() => this.#lastSeq(chatId));
  }

  /**
   * The members of a chat.
   *
   * @param chatId The chat.
   * @returns Their user names, sorted.
   */
  members(chatId: number): Promise<string[]> {
    return this.#read(() => [...this.#memberSet(chatId)].sort());
  }

  /**
   * Whether a user is a member of a chat (from the cached member set).
   *
   * @param chatId The chat.
   * @param user The user.
   * @returns `true` if `user` is a member.
   */
  isMember(chatId: number, user: string): Promise<boolean> {
    return this.#read(() => this.#memberSet(chatId).has(user));
  }

  /**
   * Adds a member whose cursor starts at the chat's current end, so that
   * earlier messages do not count as unread (committed before it resolves).
   *
   * @param chatId The chat.
   * @param user The user.
   * @returns `false` if the user was already a member.
   */
  addMember(chatId: number, user: string): Promise<boolean> {
    return this.#write(() => this.#addMember(chatId, user));
  }

  /**
   * Removes a member (committed before it resolves).
   *
   * @param chatId The chat.
   * @param user The user.
   * @returns `false` if the user was not a member.
   */
  removeMember(chatId: number, user: string): Promise<boolean> {
    return this.#write(() => {
      const result = this.#statements.removeMember.run(chatId, user);
      this.#memberSet(chatId).delete(user);
      return Number(result.changes) === 1;
    });
  }

  /**
   * A member's delivery cursor: the highest `seq` delivered to that user,
   * including moves not committed yet.
   *
   * @param chatId The chat.
   * @param user The user.
   * @returns The cursor, or `undefined` if the user is not a member.
   */
  cursor(chatId: number, user: string): Promise<number | undefined> {
    return this.#read(() => {
      const row = this.#statements.cursor.get(chatId, user) as
        | { cursor: number }
        | undefined;
      if (row === undefined) return undefined;
      const pending = this.#cursors.get(`${chatId}\u0000${user}`);
      return pending === undefined
        ? row.cursor
        : Math.max(row.cursor, pending.seq);
    });
  }

  /**
   * Moves a delivery cursor forward (never back), in the next group commit.
   * A `seq` beyond the chat's last committed message is clamped to it now,
   * not at the commit: messages appended meanwhile (even in the same batch)
   * were not delivered, so they stay after the cursor.
   *
   * @param chatId The chat.
   * @param user The member.
   * @param seq The highest `seq` delivered.
   * @returns Resolves once committed.
   */
  moveCursor(chatId: number, user: string, seq: number): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError());
    seq = Math.min(seq, this.#lastSeq(chatId));
    const key = `${chatId}\u0000${user}`;
    let pending = this.#cursors.get(key);
    if (pending === undefined) {
      pending = { chatId, user, seq, waiters: [] };
      this.#cursors.set(key, pending);
    } else {
      pending.seq = Math.max(pending.seq, seq);
    }
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    pending.waiters.push({ resolve, reject });
    this.#schedule();
    return promise;
  }

  /**
   * Stores a message in the next group commit. Its `seq` is the chat's
   * next; a message whose sender and `clientId` are already stored is not
   * stored again and resolves to the earlier one with `duplicate: true`.
   * Promises resolve in append order, after the commit.
   *
   * @param message The message.
   * @returns The stored message.
   */
  append(message: NewMessage): Promise<StoredMessage> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const { promise, resolve, reject } = Promise.withResolvers<StoredMessage>();
    this.#appends.push({ message, resolve, reject });
    if (this.#appends.length >= this.#maxBatch) this.#commit();
    else this.#schedule();
    return promise;
  }

  /**
   * A local file is always reachable once open.
   *
   * @returns A settled promise.
   */
  ping(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Commits what is pending now, instead of at the end of the turn.
   *
   * @returns Resolves once committed (the commit itself is synchronous).
   */
  flush(): Promise<void> {
    this.#commit();
    return Promise.resolve();
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
  messagesAfter(
    chatId: number,
    afterSeq: number,
    exceptSender: string,
    limit: number,
  ): Promise<StoredMessage[]> {
    return this.#read(() =>
      this.#statements.after.all(chatId, afterSeq, exceptSender, limit)
        .map((row) => toStored(row as unknown as MessageRow, false))
    );
  }

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
    beforeSeq: number = Number.MAX_SAFE_INTEGER,
  ): Promise<StoredMessage[]> {
    return this.#read(() =>
      this.#statements.last.all(chatId, beforeSeq, limit)
        .map((row) => toStored(row as unknown as MessageRow, false)).reverse()
    );
  }

  /**
   * The chats a user is a member of, with unread counts (messages after the
   * cursor that others sent). Commits pending writes first, so that cursor
   * moves not committed yet count.
   *
   * @param user The user.
   * @returns One summary per chat, oldest chat first.
   */
  userChats(user: string): Promise<UserChatSummary[]> {
    return this.#read(() => {
      this.#commit();
      return this.#statements.userChats.all(user).map((value) => {
        const row = value as unknown as ChatSummaryRow & { unread: number };
        return {
          chat: this.#remember(row),
          lastSeq: row.last_seq,
          lastAtMs: row.last_at ?? undefined,
          unread: row.unread,
        };
      });
    });
  }

  /**
   * Every chat, most recently active first (pending writes committed first).
   *
   * @param limit Most chats listed.
   * @returns The chats.
   */
  allChats(limit = 1000): Promise<ChatSummary[]> {
    return this.#read(() => {
      this.#commit();
      return this.#statements.allChats.all(limit).map((value) => {
        const row = value as unknown as ChatSummaryRow;
        return {
          chat: this.#remember(row),
          messages: row.last_seq,
          lastAtMs: row.last_at ?? undefined,
        };
      });
    });
  }

  /**
   * Commits what is pending and closes the database. The work is done
   * before this returns, so a caller that cannot await (a signal handler
   * on its way out) still loses nothing.
   *
   * @returns A settled promise.
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#commit();
    this.#closed = true;
    clearImmediate(this.#flushTimer);
    this.#db.close();
    return Promise.resolve();
  }

  /**
   * Closes; see {@linkcode SqliteChatStore.prototype.close}.
   *
   * @returns A settled promise.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #commit(): void {
    clearImmediate(this.#flushTimer);
    this.#flushTimer = undefined;
    const appends = this.#appends;
    const cursors = this.#cursors;
    if (appends.length === 0 && cursors.size === 0) return;
    this.#appends = [];
    this.#cursors = new Map();
    const stored: StoredMessage[] = [];
    const s = this.#statements;
    // Chats numbered in this batch, with their last seq before it, to undo
    // the cache if the transaction fails.
    const before = new Map<number, number>();
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        const now = Date.now();
        if (!this.#insertChunks(appends, now, stored, before)) {
          // A retry (a `clientId` stored already, or twice in the batch):
          // its seq would be a gap. Undone, and stored row by row below.
          this.#db.exec("ROLLBACK");
          this.#db.exec("BEGIN IMMEDIATE");
          for (const [chatId, seq] of before) this.#lastSeqs.set(chatId, seq);
          before.clear();
          stored.length = 0;
          this.#lastMessageId = undefined;
        }
        for (let i = stored.length; i < appends.length; i++) {
          const { message } = appends[i];
          const last = this.#lastSeq(message.chatId);
          const seq = last + 1;
          const result = s.insertMessage.run(
            message.chatId,
            seq,
            message.sender,
            message.clientId,
            message.text,
            now,
          );
          if (Number(result.changes) === 0) {
            const earlier = s.byClientId.get(
              message.sender,
              message.clientId,
            ) as unknown as MessageRow;
            stored.push(toStored(earlier, true));
            continue;
          }
          if (!before.has(message.chatId)) before.set(message.chatId, last);
          this.#lastSeqs.set(message.chatId, seq);
          stored.push(
            insertedMessage(message, Number(result.lastInsertRowid), seq, now),
          );
        }
        for (const chatId of before.keys()) {
          s.setLastSeq.run(this.#lastSeqs.get(chatId)!, chatId);
        }
        for (const cursor of cursors.values()) {
          s.setCursor.run(
            cursor.seq,
            cursor.chatId,
            cursor.chatId,
            cursor.user,
          );
        }
        this.#db.exec("COMMIT");
      } catch (error) {
        this.#db.exec("ROLLBACK");
        throw error;
      }
    } catch (error) {
      for (const [chatId, seq] of before) this.#lastSeqs.set(chatId, seq);
      this.#lastMessageId = undefined;
      for (const append of appends) append.reject(error);
      for (const cursor of cursors.values()) {
        for (const waiter of cursor.waiters) waiter.reject(error);
      }
      return;
    }
    for (let i = 0; i < appends.length; i++) appends[i].resolve(stored[i]);
    for (const cursor of cursors.values()) {
      for (const waiter of cursor.waiters) waiter.resolve();
    }
  }

  /**
   * Stores a batch's messages with multi-row INSERTs, numbering them (ids
   * and seqs) from the caches. `false` as soon as a row is skipped as a
   * retry: the caller rolls back and stores the batch row by row, which
   * finds the earlier copy.
   */
  #insertChunks(
    appends: PendingAppend[],
    now: number,
    stored: StoredMessage[],
    before: Map<number, number>,
  ): boolean {
    let id = this.#lastMessageId ??=
      (this.#statements.lastMessageId.get() as { id: number }).id;
    const params: (string | number)[] = [];
    let done = 0;
    while (done < appends.length) {
      const rows = INSERT_CHUNKS.find((n) => n <= appends.length - done)!;
      params.length = 0;
      for (let i = done; i < done + rows; i++) {
        const message = appends[i].message;
        const { chatId, sender, clientId, text } = message;
        const last = this.#lastSeq(chatId);
        if (!before.has(chatId)) before.set(chatId, last);
        const seq = last + 1;
        this.#lastSeqs.set(chatId, seq);
        params.push(++id, chatId, seq, sender, clientId, text, now);
        stored.push(insertedMessage(message, id, seq, now));
      }
      let statement = this.#insertRows.get(rows);
      if (statement === undefined) {
        statement = this.#db.prepare(insertMessagesSql(rows));
        this.#insertRows.set(rows, statement);
      }
      if (Number(statement.run(...params).changes) !== rows) return false;
      done += rows;
    }
    this.#lastMessageId = id;
    return true;
  }

  /** Runs a query now; a closed store or a failed query rejects. */
  #read<T>(query: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError());
    try {
      return Promise.resolve(query());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Writes outside the group commit: autocommitted before it resolves. */
  #write<T>(write: () => T): Promise<T> {
    return this.#read(write);
  }

  #closedError(): Error {
    return new Error(`Cannot use chat database "${this.path}": closed`);
  }

  #schedule(): void {
    // A macrotask, not a microtask: reads from every connection that the
    // event loop completes in this turn land in the same transaction. An
    // immediate, not setTimeout(0), which waits at least a millisecond
    // (two at the median here): the server sat idle that long per commit.
    this.#flushTimer ??= setImmediate(() => this.#commit());
  }

  #lastSeq(chatId: number): number {
    const cached = this.#lastSeqs.get(chatId);
    if (cached !== undefined) return cached;
    const row = this.#statements.lastSeq.get(chatId) as
      | { last_seq: number }
      | undefined;
    const seq = row?.last_seq ?? 0;
    if (row !== undefined) this.#lastSeqs.set(chatId, seq);
    return seq;
  }

  #memberSet(chatId: number): Set<string> {
    let members = this.#members.get(chatId);
    if (members === undefined) {
      members = new Set();
      for (const row of this.#statements.members.all(chatId)) {
        members.add((row as { user: string }).user);
      }
      this.#members.set(chatId, members);
    }
    return members;
  }

  #addMember(chatId: number, user: string): boolean {
    const cursor = this.#lastSeq(chatId);
    const result = this.#statements.addMember.run(chatId, user, cursor);
    const added = Number(result.changes) === 1;
    if (added) this.#memberSet(chatId).add(user);
    return added;
  }

  #chat(kind: "direct" | "room", name: string): ChatRecord | undefined {
    const cached = this.#chats.get(`${kind}:${name}`);
    if (cached !== undefined) return cached;
    const row = this.#statements.chat.get(kind, name) as
      | { id: number; kind: "direct" | "room"; name: string }
      | undefined;
    return row === undefined ? undefined : this.#remember(row);
  }

  #createChat(
    kind: "direct" | "room",
    name: string,
    creator?: string,
  ): ChatRecord {
    this.#statements.createChat.run(kind, name, Date.now(), creator ?? null);
    return this.#chat(kind, name)!;
  }

  #remember(
    row: { id: number; kind: "direct" | "room"; name: string },
  ): ChatRecord {
    const key = `${row.kind}:${row.name}`;
    let chat = this.#chats.get(key);
    if (chat === undefined) {
      chat = { id: row.id, kind: row.kind, name: row.name };
      this.#chats.set(key, chat);
      this.#chatsById.set(chat.id, chat);
    }
    return chat;
  }
}
