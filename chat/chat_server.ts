// Copyright 2026 the framewire authors. MIT license.
/**
 * The chat protocol module for the framewire server: logins on ClientType
 * (3) frames, commands and pushed messages on Chat (0) frames, every
 * message stored in SQLite before it is acknowledged.
 *
 * @module
 */
import type { Frame } from "../codec/frame.ts";
import type {
  HandlerResult,
  ServerProtocol,
} from "../transport/frame_router.ts";
import { ErrorCode } from "../transport/protocol_errors.ts";
import type { ServerConnection } from "../transport/server_connection.ts";
import type { LogEvent, Logger } from "../transport/log.ts";
import type { ChatAdmin } from "./chat_admin.ts";
import { ChatError, ChatErrorCode } from "./errors.ts";
import { HashLimiter } from "./_hash_limiter.ts";
import { LoginThrottle } from "./_login_throttle.ts";
import {
  ADMIN_NAME,
  type ChatAck,
  type ChatAddress,
  type ChatAdminChatInfo,
  type ChatAdminConnectionInfo,
  type ChatCommand,
  chatErrorFrame,
  type ChatLogin,
  type ChatMessage,
  encodeChatFrame,
  parseChatAddress,
  parseChatCommand,
  parseChatLogin,
} from "./messages.ts";
import {
  constantTimeEqual,
  DEFAULT_PASSWORD_ITERATIONS,
  hashPassword,
  MIN_PASSWORD_CHARS,
  verifyPassword,
} from "./passwords.ts";
import {
  type ChatRecord,
  ChatStore,
  type ChatStoreOptions,
  type StoredMessage,
} from "./store.ts";

/** Options for {@linkcode ChatServer}. */
export interface ChatServerOptions extends ChatStoreOptions {
  /** The SQLite file (created if missing). Give this or `store`. */
  path?: string;
  /** An open store to use instead of `path`; the server will not close it. */
  store?: ChatStore;
  /**
   * PBKDF2 iterations for new accounts. Lower it only in tests.
   *
   * @default {210000}
   */
  passwordIterations?: number;
  /**
   * The token an admin client presents (`{"type":"chat-admin","token":…}`).
   * Without one, admin logins are refused; the local console
   * ({@linkcode ChatServer.prototype.admin}) works regardless.
   *
   * @default {undefined}
   */
  adminToken?: string;
  /**
   * Most UTF-8 bytes in a message's text; longer ones get
   * `MESSAGE_TOO_LONG`.
   *
   * @default {4096}
   */
  maxMessageBytes?: number;
  /**
   * Sends per connection that may wait for their acknowledgement at once.
   * Beyond it the connection's next frame is handled only once an ack has
   * been written, so a flooding client is slowed down by TCP.
   *
   * @default {256}
   */
  sendWindow?: number;
  /**
   * Failed logins after which a connection is closed.
   *
   * @default {3}
   */
  maxLoginFailures?: number;
  /**
   * Consecutive failed logins of one user name, from any connections, after
   * which that name is locked: its logins get `LOGIN_THROTTLED` without a
   * password check until the lock ends. A successful login resets the count.
   * The admin login counts as the name `admin`.
   *
   * @default {5}
   */
  loginThrottleFailures?: number;
  /**
   * The first lock of a throttled name, in ms; every further failure after
   * a lock doubles it, up to `loginThrottleMaxMs`.
   *
   * @default {1000}
   */
  loginThrottleMs?: number;
  /**
   * The longest lock of a throttled name, in ms.
   *
   * @default {300000}
   */
  loginThrottleMaxMs?: number;
  /**
   * Most names whose failures are remembered; beyond it the least recently
   * failed name is forgotten, so the table's memory stays bounded.
   *
   * @default {10000}
   */
  loginThrottleMaxNames?: number;
  /**
   * Password hashes (PBKDF2, for a login or a registration) computed at
   * once, server-wide. Further logins wait in a queue.
   *
   * @default {4}
   */
  maxConcurrentHashes?: number;
  /**
   * Logins that may wait for a hash slot; beyond it a login gets
   * `LOGIN_BUSY` at once (the connection stays open). 0 means no queue.
   *
   * @default {64}
   */
  maxQueuedHashes?: number;
  /**
   * Most accounts on the server; a login that would register one more gets
   * `ACCOUNT_LIMIT`.
   *
   * @default {10000}
   */
  maxAccounts?: number;
  /**
   * Most rooms one account may create (a `join` of a missing room); rooms
   * are never deleted, so leaving one does not free the quota. Beyond it:
   * `ROOM_LIMIT`.
   *
   * @default {20}
   */
  maxRoomsPerUser?: number;
  /**
   * Most members of a room; a `join` beyond it gets `ROOM_FULL`.
   *
   * @default {1000}
   */
  maxRoomMembers?: number;
  /**
   * Milliseconds now, for the login throttle. Tests pass a fake clock.
   *
   * @default {Date.now}
   */
  clock?: () => number;
  /**
   * Largest JSON answer the server builds for `history` and
   * `admin_watch`, in bytes; older messages are left out beyond it. Keep it
   * below the server's `maxFrameLength`.
   *
   * @default {524288}
   */
  maxReplyBytes?: number;
  /**
   * Receives log events (logins, refused logins, failures).
   *
   * @default {undefined} (`warn` and `error` events to `console.error`)
   */
  logger?: Logger | null;
}

/** Counters of a chat server's password hashing ({@linkcode ChatServer.prototype.passwordHashStats}). */
export interface ChatPasswordHashStats {
  /** Hashes running now (at most `maxConcurrentHashes`). */
  readonly hashing: number;
  /** Logins waiting for a hash slot now (at most `maxQueuedHashes`). */
  readonly queued: number;
  /** Most hashes ever running at once. */
  readonly peakHashing: number;
  /** Hash slots handed out since the server started. */
  readonly hashes: number;
}

interface OpenChat {
  /** Live messages are pushed only once the stored backlog has been sent. */
  caughtUp: boolean;
}

interface Session {
  readonly conn: ServerConnection;
  user: string | undefined;
  admin: boolean;
  failures: number;
  /** Chats this session has open, by chat id. */
  readonly open: Map<number, OpenChat>;
  /** Unread counts of chats not open, by chat id. */
  readonly unread: Map<number, number>;
  /** Admin: chats watched, by chat id. */
  readonly watching: Set<number>;
  /** Sends whose ack has not been written yet. */
  inflight: number;
  windowWaiters: (() => void)[];
}

type Watcher = Session | ((message: StoredMessage, chat: ChatRecord) => void);

const DEFAULT_MAX_MESSAGE_BYTES = 4096;
const DEFAULT_SEND_WINDOW = 256;
const DEFAULT_MAX_LOGIN_FAILURES = 3;
const DEFAULT_MAX_REPLY_BYTES = 512 * 1024;
const DEFAULT_LOGIN_THROTTLE_FAILURES = 5;
const DEFAULT_LOGIN_THROTTLE_MS = 1000;
const DEFAULT_LOGIN_THROTTLE_MAX_MS = 300_000;
const DEFAULT_LOGIN_THROTTLE_MAX_NAMES = 10_000;
const DEFAULT_MAX_CONCURRENT_HASHES = 4;
const DEFAULT_MAX_QUEUED_HASHES = 64;
const DEFAULT_MAX_ACCOUNTS = 10_000;
const DEFAULT_MAX_ROOMS_PER_USER = 20;
const DEFAULT_MAX_ROOM_MEMBERS = 1000;
const WATCH_BACKLOG = 20;
// The stored backlog of an opened chat goes out in pages, each awaited, so
// a long backlog never overflows the connection's outbound queue.
const PAGE_MESSAGES = 100;
const PAGE_BYTES = 256 * 1024;

/**
 * The chat protocol module: plug it into a `FrameRouter` (or the
 * `PROTOCOLS` of `cli/server.ts`).
 *
 * - Login: a ClientType frame `{"type":"chat","user","password","id"}`;
 *   the first login of a name registers it (PBKDF2 hash), later ones must
 *   match. One session per user: a new login closes the older one with
 *   `SESSION_REPLACED`.
 * - Every command on a Chat frame carries a client-chosen `id` that its
 *   answer (or Error frame) echoes; pushes (`message`, `unread`) carry
 *   none, so answers and pushes can interleave freely.
 * - A message is stored (and committed) before anyone sees it; then the
 *   sender gets `ack`, members with the chat open get `message`, the others
 *   get `unread`. Opening a chat sends what is after the member's delivery
 *   cursor; the client moves the cursor with `read`.
 *
 * @example A login and a message through a real server
 * ```ts
 * import { FrameRouter, serve } from "@framewire/framewire";
 * import { ChatClient, ChatServer } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const chat = new ChatServer({ path: `${dir}/chat.db`, passwordIterations: 1000, logger: null });
 * const server = serve({ port: 0, logger: null }, new FrameRouter().use(chat));
 * try {
 *   const login = { port: server.port!, password: "password1" };
 *   await using bob = await ChatClient.connect({ ...login, user: "bob" });
 *   await bob.openChat("@alice").catch((error) => assert.equal(error.code, "UNKNOWN_USER"));
 *   await using alice = await ChatClient.connect({ ...login, user: "alice" });
 *   assert.equal(alice.welcome.registered, true);
 *   const ack = await alice.send("@bob", "hi bob"); // stored before the ack
 *   assert.equal(ack.seq, 1);
 *   // bob is online but has not opened the chat: he is told, not given it.
 *   assert.deepEqual(await bob.nextEvent(), { type: "unread", chat: "@alice", count: 1 });
 *   assert.equal(await bob.openChat("@alice"), 1);
 *   const event = await bob.nextEvent();
 *   assert.equal(event?.type === "message" && event.message.text, "hi bob");
 * } finally {
 *   await server.shutdown();
 *   chat.close();
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export class ChatServer implements ServerProtocol, Disposable {
  /** Protocol name, for the router. */
  readonly name = "chat";
  /** Chat (0) frames carry commands. */
  readonly routes: Readonly<
    Record<
      number,
      (
        frame: Frame,
        conn: ServerConnection,
      ) => HandlerResult | Promise<HandlerResult>
    >
  >;
  /** The database. */
  readonly store: ChatStore;
  #ownsStore: boolean;
  #iterations: number;
  #adminTokenDigest: Promise<Uint8Array> | undefined;
  #maxMessageBytes: number;
  #sendWindow: number;
  #maxLoginFailures: number;
  #maxReplyBytes: number;
  #maxAccounts: number;
  #maxRoomsPerUser: number;
  #maxRoomMembers: number;
  #throttle: LoginThrottle;
  #hashes: HashLimiter;
  #log: Logger;
  #sessions = new Map<ServerConnection, Session>();
  #users = new Map<string, Session>();
  #watchers = new Map<number, Set<Watcher>>();
  #closed = false;

  /**
   * Opens the database and prepares the protocol.
   *
   * @param options The database and limits.
   * @throws {TypeError} If neither `path` nor `store` is given, or an option
   * has the wrong type.
   * @throws {RangeError} If a limit is out of range.
   * @throws {Error} If the database cannot be opened.
   */
  constructor(options: ChatServerOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        "Cannot create chat server: expected an options object",
      );
    }
    this.#iterations = positiveInteger(
      "passwordIterations",
      options.passwordIterations ?? DEFAULT_PASSWORD_ITERATIONS,
    );
    this.#maxMessageBytes = positiveInteger(
      "maxMessageBytes",
      options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    );
    this.#sendWindow = positiveInteger(
      "sendWindow",
      options.sendWindow ?? DEFAULT_SEND_WINDOW,
    );
    this.#maxLoginFailures = positiveInteger(
      "maxLoginFailures",
      options.maxLoginFailures ?? DEFAULT_MAX_LOGIN_FAILURES,
    );
    this.#maxReplyBytes = positiveInteger(
      "maxReplyBytes",
      options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES,
    );
    this.#maxAccounts = positiveInteger(
      "maxAccounts",
      options.maxAccounts ?? DEFAULT_MAX_ACCOUNTS,
    );
    this.#maxRoomsPerUser = positiveInteger(
      "maxRoomsPerUser",
      options.maxRoomsPerUser ?? DEFAULT_MAX_ROOMS_PER_USER,
    );
    this.#maxRoomMembers = positiveInteger(
      "maxRoomMembers",
      options.maxRoomMembers ?? DEFAULT_MAX_ROOM_MEMBERS,
    );
    const clock = options.clock ?? Date.now;
    if (typeof clock !== "function") {
      throw new TypeError("Cannot use clock: expected a function");
    }
    this.#throttle = new LoginThrottle({
      failures: positiveInteger(
        "loginThrottleFailures",
        options.loginThrottleFailures ?? DEFAULT_LOGIN_THROTTLE_FAILURES,
      ),
      baseMs: positiveInteger(
        "loginThrottleMs",
        options.loginThrottleMs ?? DEFAULT_LOGIN_THROTTLE_MS,
      ),
      maxMs: positiveInteger(
        "loginThrottleMaxMs",
        options.loginThrottleMaxMs ?? DEFAULT_LOGIN_THROTTLE_MAX_MS,
      ),
      maxNames: positiveInteger(
        "loginThrottleMaxNames",
        options.loginThrottleMaxNames ?? DEFAULT_LOGIN_THROTTLE_MAX_NAMES,
      ),
      clock,
    });
    this.#hashes = new HashLimiter(
      positiveInteger(
        "maxConcurrentHashes",
        options.maxConcurrentHashes ?? DEFAULT_MAX_CONCURRENT_HASHES,
      ),
      nonNegativeInteger(
        "maxQueuedHashes",
        options.maxQueuedHashes ?? DEFAULT_MAX_QUEUED_HASHES,
      ),
    );
    const token = options.adminToken;
    if (token !== undefined) {
      if (typeof token !== "string" || token === "") {
        throw new TypeError(
          "Cannot use adminToken: expected a non-empty string",
        );
      }
      this.#adminTokenDigest = sha256(token);
    }
    this.#log = options.logger === null
      ? () => {}
      : options.logger ?? ((event) => {
        if (event.level !== "info") {
          console.error(`${event.level} ${event.event}: ${event.message}`);
        }
      });
    if (options.store !== undefined) {
      this.store = options.store;
      this.#ownsStore = false;
    } else if (typeof options.path === "string" && options.path !== "") {
      this.store = new ChatStore(options.path, options);
      this.#ownsStore = true;
    } else {
      throw new TypeError(
        "Cannot create chat server: give path (the database file) or store",
      );
    }
    this.routes = { 0: (frame, conn) => this.#onChat(frame, conn) };
  }

  /** Users logged in now, sorted. */
  get onlineUsers(): string[] {
    return [...this.#users.keys()].sort();
  }

  /**
   * Counters of the password hashing, for monitoring: hashes running and
   * queued now, the most ever running at once, and the total since start.
   */
  get passwordHashStats(): ChatPasswordHashStats {
    return this.#hashes.stats;
  }

  /**
   * Registers a new connection.
   *
   * @param conn The connection.
   */
  onConnect(conn: ServerConnection): void {
    this.#sessions.set(conn, {
      conn,
      user: undefined,
      admin: false,
      failures: 0,
      open: new Map(),
      unread: new Map(),
      watching: new Set(),
      inflight: 0,
      windowWaiters: [],
    });
  }

  /**
   * Forgets a closed connection: its user goes offline (new messages are
   * stored as unread), its watches end.
   *
   * @param conn The connection.
   */
  onClose(conn: ServerConnection): void {
    const session = this.#sessions.get(conn);
    if (session === undefined) return;
    this.#sessions.delete(conn);
    if (
      session.user !== undefined && this.#users.get(session.user) === session
    ) {
      this.#users.delete(session.user);
    }
    for (const chatId of session.watching) {
      this.#watchers.get(chatId)?.delete(session);
    }
    for (const wake of session.windowWaiters.splice(0)) wake();
  }

  /**
   * Handles a ClientType frame: a chat login, or nothing if the frame is
   * meant for another protocol.
   *
   * @param frame The ClientType frame.
   * @param conn Its connection.
   * @returns `welcome`, an Error frame, or nothing.
   */
  onClientType(
    frame: Frame,
    conn: ServerConnection,
  ): Promise<HandlerResult> | HandlerResult {
    const session = this.#sessions.get(conn);
    if (session === undefined) return undefined;
    let login: ChatLogin | undefined;
    try {
      login = parseChatLogin(frame.payload);
    } catch (error) {
      return this.#errorReply(error, undefined);
    }
    if (login === undefined) return undefined;
    if (session.user !== undefined || session.admin) {
      return chatErrorFrame(
        ChatErrorCode.AlreadyLoggedIn,
        `Cannot log in: this connection is already logged in as "${
          session.user ?? ADMIN_NAME
        }"`,
        login.id,
      );
    }
    return login.type === "chat-admin"
      ? this.#adminLogin(session, login.token, login.id)
      : this.#userLogin(session, login.user, login.password, login.id);
  }

  /**
   * The operator's view, for a console on the server's own terminal. It
   * needs no token: whoever runs the server process is the operator.
   *
   * @returns The admin operations.
   */
  admin(): ChatAdmin {
    const listeners = new Map<number, Watcher>();
    return {
      chats: () => Promise.resolve(this.#adminChats()),
      connections: () => Promise.resolve(this.#adminConnections()),
      watch: (chat, onMessage) => {
        try {
          const record = this.#resolveAdminChat(chat, "watch");
          const previous = listeners.get(record.id);
          if (previous !== undefined) {
            this.#watchers.get(record.id)?.delete(previous);
          }
          const watcher: Watcher = (message, chatRecord) =>
            onMessage(this.#toMessage(message, adminAddress(chatRecord)));
          listeners.set(record.id, watcher);
          this.#watcherSet(record.id).add(watcher);
          return Promise.resolve(
            this.store.lastMessages(record.id, WATCH_BACKLOG).map((message) =>
              this.#toMessage(message, adminAddress(record))
            ),
          );
        } catch (error) {
          return Promise.reject(error);
        }
      },
      unwatch: (chat) => {
        try {
          const record = this.#resolveAdminChat(chat, "unwatch");
          const watcher = listeners.get(record.id);
          if (watcher !== undefined) {
            this.#watchers.get(record.id)?.delete(watcher);
            listeners.delete(record.id);
          }
          return Promise.resolve();
        } catch (error) {
          return Promise.reject(error);
        }
      },
      send: async (chat, text) => {
        const record = this.#resolveAdminChat(chat, "send");
        const stored = await this.#append(
          record,
          ADMIN_NAME,
          crypto.randomUUID(),
          text,
        );
        return ackOf(stored, adminAddress(record));
      },
    };
  }

  /** Commits pending writes and closes the database (if this server opened it). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsStore) this.store.close();
    else this.store.flush();
  }

  /** Closes; see {@linkcode ChatServer.prototype.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  // ---------------------------------------------------------------- logins

  async #userLogin(
    session: Session,
    user: string,
    password: string,
    id: string | undefined,
  ): Promise<HandlerResult> {
    if (user === ADMIN_NAME) {
      return chatErrorFrame(
        ChatErrorCode.InvalidName,
        `Cannot log in: the name "${ADMIN_NAME}" is reserved`,
        id,
      );
    }
    // Refused before any hashing: a locked name costs the server nothing.
    if (this.#throttle.retryAfterMs(user) > 0) {
      return this.#throttled(session, user, id);
    }
    if (this.store.user(user) === undefined) {
      if (password.length < MIN_PASSWORD_CHARS) {
        return chatErrorFrame(
          ChatErrorCode.WeakPassword,
          `Cannot register "${user}": the password needs at least ${MIN_PASSWORD_CHARS} characters`,
          id,
        );
      }
      if (this.store.userCount >= this.#maxAccounts) {
        return this.#accountLimit(user, id);
      }
    }
    const slot = this.#hashes.acquire();
    if (slot === undefined) {
      this.#emit(
        "warn",
        "chat_login_busy",
        `Login of "${user}" refused: ${this.#hashes.stats.hashing} password hashes running and the queue is full`,
        session,
        ChatErrorCode.LoginBusy,
      );
      return chatErrorFrame(
        ChatErrorCode.LoginBusy,
        `Cannot log in as "${user}": the server is busy with other logins, try again later`,
        id,
      );
    }
    const release = await slot;
    let registered = false;
    try {
      if (session.conn.closed) return undefined;
      // Failures of other attempts may have locked the name while this
      // one waited for its slot.
      if (this.#throttle.retryAfterMs(user) > 0) {
        return this.#throttled(session, user, id);
      }
      let stored = this.store.user(user);
      if (stored === undefined) {
        const hash = await hashPassword(password, {
          iterations: this.#iterations,
        });
        // Checked again after the hash: other registrations ran meanwhile.
        if (this.store.userCount >= this.#maxAccounts) {
          return this.#accountLimit(user, id);
        }
        if (this.store.createUser(user, hash)) {
          registered = true;
        } else {
          // Someone registered the name while we hashed: check against theirs.
          stored = this.store.user(user);
        }
      }
      if (!registered && !(await verifyPassword(password, stored!))) {
        this.#throttle.fail(user);
        return this.#loginFailed(session, user, id);
      }
    } finally {
      release();
    }
    this.#throttle.succeed(user);
    if (session.conn.closed) return undefined;
    const previous = this.#users.get(user);
    if (previous !== undefined && previous !== session) {
      this.#users.delete(user);
      void previous.conn.close(
        ChatErrorCode.SessionReplaced,
        `Closing: "${user}" logged in on another connection`,
      );
    }
    session.user = user;
    this.#users.set(user, session);
    this.#emit(
      "info",
      "chat_login",
      `User "${user}" logged in${registered ? " (new account)" : ""}`,
      session,
    );
    // Unread counts must include cursor moves not committed yet.
    this.store.flush();
    const unread: Record<string, number> = {};
    for (const summary of this.store.userChats(user)) {
      if (summary.unread === 0) continue;
      unread[userAddress(summary.chat, user)] = summary.unread;
      session.unread.set(summary.chat.id, summary.unread);
    }
    return encodeChatFrame({
      op: "welcome",
      ...(id === undefined ? {} : { id }),
      user,
      registered,
      admin: false,
      unread,
    });
  }

  async #adminLogin(
    session: Session,
    token: string,
    id: string | undefined,
  ): Promise<HandlerResult> {
    if (this.#adminTokenDigest === undefined) {
      this.#emit(
        "warn",
        "chat_login_failed",
        "Admin login refused: no admin token is configured",
        session,
        ChatErrorCode.AuthFailed,
      );
      return this.#loginFailed(
        session,
        ADMIN_NAME,
        id,
        "admin logins are disabled on this server",
      );
    }
    if (this.#throttle.retryAfterMs(ADMIN_NAME) > 0) {
      return this.#throttled(session, ADMIN_NAME, id);
    }
    // Compare digests: equal length, and no early exit on the first
    // differing byte of the token itself.
    const [expected, offered] = await Promise.all([
      this.#adminTokenDigest,
      sha256(token),
    ]);
    if (!constantTimeEqual(expected, offered)) {
      this.#throttle.fail(ADMIN_NAME);
      return this.#loginFailed(session, ADMIN_NAME, id);
    }
    this.#throttle.succeed(ADMIN_NAME);
    session.admin = true;
    this.#emit("info", "chat_admin_login", "Admin logged in", session);
    return encodeChatFrame({
      op: "welcome",
      ...(id === undefined ? {} : { id }),
      user: ADMIN_NAME,
      registered: false,
      admin: true,
      unread: {},
    });
  }

  /** A login of a locked name: a failure of the connection too. */
  #throttled(
    session: Session,
    user: string,
    id: string | undefined,
  ): HandlerResult {
    const seconds = Math.ceil(this.#throttle.retryAfterMs(user) / 1000);
    return this.#loginFailed(
      session,
      user,
      id,
      `too many failed logins, retry in ${seconds} s`,
      ChatErrorCode.LoginThrottled,
    );
  }

  #accountLimit(user: string, id: string | undefined): Frame {
    return chatErrorFrame(
      ChatErrorCode.AccountLimit,
      `Cannot register "${user}": the server has its ${this.#maxAccounts} accounts`,
      id,
    );
  }

  #loginFailed(
    session: Session,
    user: string,
    id: string | undefined,
    reason = "wrong credentials",
    code: string = ChatErrorCode.AuthFailed,
  ): HandlerResult {
    session.failures++;
    const last = session.failures >= this.#maxLoginFailures;
    const message = `Cannot log in as "${user}": ${reason}${
      last ? ` (${session.failures} failures, closing)` : ""
    }`;
    this.#emit("warn", "chat_login_failed", message, session, code);
    const frame = chatErrorFrame(code, message, id);
    if (!last) return frame;
    // Queue the Error frame first: closing drops replies not yet queued,
    // but the write side is shut only after the queue has drained.
    session.conn.send(frame).catch(() => {});
    void session.conn.close();
    return undefined;
  }

  // -------------------------------------------------------------- commands

  #onChat(
    frame: Frame,
    conn: ServerConnection,
  ): HandlerResult | Promise<HandlerResult> {
    const session = this.#sessions.get(conn);
    if (session === undefined) return undefined;
    let command: ChatCommand;
    try {
      command = parseChatCommand(frame.payload, this.#maxMessageBytes);
    } catch (error) {
      return this.#errorReply(error, undefined);
    }
    const id = command.id;
    try {
      const result = this.#dispatch(session, command);
      if (result instanceof Promise) {
        return result.catch((error) => this.#errorReply(error, id));
      }
      return result;
    } catch (error) {
      return this.#errorReply(error, id);
    }
  }

  #dispatch(
    session: Session,
    command: ChatCommand,
  ): HandlerResult | Promise<HandlerResult> {
    const { op } = command;
    const isAdminOp = op.startsWith("admin_");
    // Not logged in comes first: FORBIDDEN is for who the connection is,
    // and an anonymous one is no one yet.
    if (session.user === undefined && !session.admin) {
      throw new ChatError(
        ChatErrorCode.NotLoggedIn,
        `Cannot ${op}: log in first (ClientType frame)`,
      );
    }
    if (session.admin) {
      if (isAdminOp) return this.#dispatchAdmin(session, command);
      if (op !== "who") {
        throw new ChatError(
          ChatErrorCode.Forbidden,
          `Cannot ${op} as admin: use admin_watch and admin_send`,
        );
      }
    } else if (isAdminOp) {
      throw new ChatError(
        ChatErrorCode.Forbidden,
        `Cannot ${op}: log in with the admin token first`,
      );
    }
    const user = session.user!;
    switch (command.op) {
      case "send": {
        const chat = this.#resolveUserChat(user, command.chat, "send", true);
        return this.#acceptSend(
          session,
          chat,
          user,
          command.id,
          command.text,
          command.chat,
        );
      }
      case "open":
        return this.#open(session, user, command.id, command.chat);
      case "close": {
        const chat = this.#resolveUserChat(user, command.chat, "close", false);
        session.open.delete(chat.id);
        return ok(command.id);
      }
      case "read": {
        const chat = this.#resolveUserChat(user, command.chat, "read", true);
        // Clamped now to the last committed message (as the store does), so
        // a read beyond the end never covers messages stored after it.
        const seq = Math.min(command.seq, this.store.lastSeq(chat.id));
        const moved = this.store.moveCursor(chat.id, user, seq);
        const unread = session.unread.get(chat.id);
        if (unread !== undefined) {
          const left = this.store.lastSeq(chat.id) - seq;
          if (left <= 0) session.unread.delete(chat.id);
          else session.unread.set(chat.id, Math.min(unread, left));
        }
        if (command.id === undefined) {
          moved.catch((error) => this.#internal(error, session));
          return undefined;
        }
        const id = command.id;
        return moved.then(() => ok(id));
      }
      case "join": {
        const room = this.#roomName(command.chat, "join");
        let chat = this.store.room(room);
        const created = chat === undefined;
        if (chat === undefined) {
          const count = this.store.roomsCreatedBy(user);
          if (count >= this.#maxRoomsPerUser) {
            throw new ChatError(
              ChatErrorCode.RoomLimit,
              `Cannot create "${command.chat}": you have created ${count} rooms, the most allowed`,
            );
          }
          chat = this.store.createRoom(room, user);
        } else {
          const members = this.store.members(chat.id);
          if (!members.has(user) && members.size >= this.#maxRoomMembers) {
            throw new ChatError(
              ChatErrorCode.RoomFull,
              `Cannot join "${command.chat}": it has its ${this.#maxRoomMembers} members`,
            );
          }
        }
        this.store.addMember(chat.id, user);
        return encodeChatFrame({
          op: "joined",
          id: command.id,
          chat: command.chat,
          created,
          members: [...this.store.members(chat.id)].sort(),
        });
      }
      case "leave": {
        const room = this.#roomName(command.chat, "leave");
        const chat = this.#existingRoom(room, "leave");
        if (!this.store.removeMember(chat.id, user)) {
          throw new ChatError(
            ChatErrorCode.NotAMember,
            `Cannot leave "${command.chat}": not a member`,
          );
        }
        session.open.delete(chat.id);
        session.unread.delete(chat.id);
        return ok(command.id);
      }
      case "members": {
        const room = this.#roomName(command.chat, "list members of");
        const chat = this.#existingRoom(room, "list members of");
        return encodeChatFrame({
          op: "members",
          id: command.id,
          chat: command.chat,
          members: [...this.store.members(chat.id)].sort().map((name) => ({
            user: name,
            online: this.#users.has(name),
          })),
        });
      }
      case "chats": {
        this.store.flush();
        return encodeChatFrame({
          op: "chats",
          id: command.id,
          chats: this.store.userChats(user).map((summary) => ({
            chat: userAddress(summary.chat, user),
            unread: summary.unread,
            lastSeq: summary.lastSeq,
            lastAt: summary.lastAtMs ?? null,
          })),
        });
      }
      case "who":
        return encodeChatFrame({
          op: "who",
          id: command.id,
          users: this.onlineUsers,
        });
      case "history": {
        const chat = this.#resolveUserChat(
          user,
          command.chat,
          "read history of",
          true,
        );
        const messages = this.store.lastMessages(
          chat.id,
          command.limit,
          command.before,
        )
          .map((message) => this.#toMessage(message, command.chat));
        return this.#historyReply(
          "history",
          command.id,
          command.chat,
          messages,
        );
      }
      default:
        throw new ChatError(
          ChatErrorCode.UnknownOp,
          `Cannot handle message: unknown op "${op}"`,
        );
    }
  }

  #dispatchAdmin(
    session: Session,
    command: ChatCommand,
  ): HandlerResult | Promise<HandlerResult> {
    switch (command.op) {
      case "admin_chats":
        return encodeChatFrame({
          op: "admin_chats",
          id: command.id,
          chats: this.#adminChats(),
        });
      case "admin_connections":
        return encodeChatFrame({
          op: "admin_connections",
          id: command.id,
          connections: this.#adminConnections(),
        });
      case "admin_watch": {
        const chat = this.#resolveAdminChat(command.chat, "watch");
        const address = adminAddress(chat);
        const messages = this.store.lastMessages(chat.id, WATCH_BACKLOG)
          .map((message) => this.#toMessage(message, address));
        // Pushed, not returned: queued now, so that no live message of the
        // chat can overtake the backlog.
        const reply = this.#historyReply(
          "watching",
          command.id,
          address,
          messages,
        );
        session.conn.send(reply).catch(() => {});
        session.watching.add(chat.id);
        this.#watcherSet(chat.id).add(session);
        return undefined;
      }
      case "admin_unwatch": {
        const chat = this.#resolveAdminChat(command.chat, "unwatch");
        session.watching.delete(chat.id);
        this.#watchers.get(chat.id)?.delete(session);
        return ok(command.id);
      }
      case "admin_send": {
        const chat = this.#resolveAdminChat(command.chat, "send");
        return this.#acceptSend(
          session,
          chat,
          ADMIN_NAME,
          command.id,
          command.text,
          adminAddress(chat),
        );
      }
      default:
        throw new ChatError(
          ChatErrorCode.UnknownOp,
          `Cannot handle message: unknown op "${command.op}"`,
        );
    }
  }

  /**
   * Queues a message for the next group commit and returns at once, so the
   * connection's next frames join the same commit; the ack is pushed after
   * the commit. Past `sendWindow` unacknowledged sends, waits.
   */
  #acceptSend(
    session: Session,
    chat: ChatRecord,
    sender: string,
    id: string,
    text: string,
    address: ChatAddress,
  ): HandlerResult | Promise<HandlerResult> {
    session.inflight++;
    const release = () => {
      session.inflight--;
      const wake = session.windowWaiters.shift();
      if (wake !== undefined) wake();
    };
    this.#append(chat, sender, id, text).then(
      (stored) => {
        const ack = ackOf(stored, address);
        session.conn.send(encodeChatFrame({ op: "ack", id, ...ack }))
          .catch(() => {}).finally(release);
      },
      (error) => {
        this.#internal(error, session);
        session.conn.send(
          chatErrorFrame(
            ErrorCode.InternalError,
            "Cannot send: the server could not store the message",
            id,
          ),
        ).catch(() => {}).finally(release);
      },
    );
    if (session.inflight < this.#sendWindow) return undefined;
    return new Promise<HandlerResult>((resolve) => {
      session.windowWaiters.push(() => resolve(undefined));
    });
  }

  /** Stores a message, then delivers it (before the caller's ack). */
  #append(
    chat: ChatRecord,
    sender: string,
    clientId: string,
    text: string,
  ): Promise<StoredMessage> {
    return this.store.append({ chatId: chat.id, sender, clientId, text }).then(
      (stored) => {
        if (!stored.duplicate) this.#fanOut(stored, chat);
        return stored;
      },
    );
  }

  /**
   * Delivers a committed message: pushed to members who have the chat open
   * (and caught up), an `unread` notice to the other online members; the
   * offline ones find it in the database.
   */
  #fanOut(stored: StoredMessage, chat: ChatRecord): void {
    let roomFrame: Frame | undefined;
    for (const member of this.store.members(chat.id)) {
      if (member === stored.sender) continue;
      const session = this.#users.get(member);
      if (session === undefined) continue;
      const open = session.open.get(chat.id);
      if (open !== undefined) {
        // Still sending the backlog: that loop reads this message from
        // the database, in order.
        if (!open.caughtUp) continue;
        let frame: Frame;
        if (chat.kind === "room") {
          roomFrame ??= this.#messageFrame(stored, `#${chat.name}`);
          frame = roomFrame;
        } else {
          // Named from the member's side: "@alice" for bob. The other
          // member, not the sender: the admin may write into the chat.
          frame = this.#messageFrame(stored, userAddress(chat, member));
        }
        session.conn.send(frame).catch(() => {});
        continue;
      }
      const count = (session.unread.get(chat.id) ?? 0) + 1;
      session.unread.set(chat.id, count);
      session.conn.send(
        encodeChatFrame({
          op: "unread",
          chat: userAddress(chat, member),
          count,
        }),
      ).catch(() => {});
    }
    const watchers = this.#watchers.get(chat.id);
    if (watchers === undefined || watchers.size === 0) return;
    let adminFrame: Frame | undefined;
    for (const watcher of watchers) {
      if (typeof watcher === "function") {
        try {
          watcher(stored, chat);
        } catch (error) {
          this.#internal(error, undefined);
        }
        continue;
      }
      adminFrame ??= this.#messageFrame(stored, adminAddress(chat));
      watcher.conn.send(adminFrame).catch(() => {});
    }
  }

  /**
   * Opens a chat: sends the stored messages after the member's cursor (not
   * the member's own), page by page, then marks it caught up so that new
   * messages are pushed live. The switch happens in the same synchronous
   * step as the last read, so no message falls between the two.
   */
  async #open(
    session: Session,
    user: string,
    id: string,
    address: ChatAddress,
  ): Promise<HandlerResult> {
    const chat = this.#resolveUserChat(user, address, "open", true);
    let delivered = 0;
    if (!session.open.has(chat.id)) {
      const state: OpenChat = { caughtUp: false };
      session.open.set(chat.id, state);
      session.unread.delete(chat.id);
      let after = this.store.cursor(chat.id, user) ?? 0;
      while (true) {
        const page = this.store.messagesAfter(
          chat.id,
          after,
          user,
          PAGE_MESSAGES,
        );
        const frames: Frame[] = [];
        let bytes = 0;
        for (const message of page) {
          const frame = this.#messageFrame(message, address);
          frames.push(frame);
          bytes += frame.payload.length;
          after = message.seq;
          if (bytes >= PAGE_BYTES) break;
        }
        if (frames.length === page.length && page.length < PAGE_MESSAGES) {
          state.caughtUp = true;
        }
        delivered += frames.length;
        if (frames.length > 0) {
          const sent = session.conn.sendMany(frames);
          if (state.caughtUp) {
            sent.catch(() => {});
            break;
          }
          try {
            await sent;
          } catch {
            return undefined; // The connection is gone.
          }
          if (session.open.get(chat.id) !== state) return undefined;
        } else {
          break;
        }
      }
    }
    return encodeChatFrame({ op: "opened", id, chat: address, delivered });
  }

  // ------------------------------------------------------------- resolving

  /**
   * The chat a user addresses: `@peer` (a registered user; the direct chat
   * is created on first use) or `#room` (must exist; with `member`, the
   * user must have joined it).
   */
  #resolveUserChat(
    user: string,
    address: ChatAddress,
    action: string,
    member: boolean,
  ): ChatRecord {
    const parsed = parseChatAddress(address);
    if (parsed.kind === "room") {
      const chat = this.#existingRoom(parsed.room, action);
      if (member && !this.store.members(chat.id).has(user)) {
        throw new ChatError(
          ChatErrorCode.NotAMember,
          `Cannot ${action} "${address}": join the room first`,
        );
      }
      return chat;
    }
    const peer = parsed.user;
    if (peer === user) {
      throw new ChatError(
        ChatErrorCode.InvalidField,
        `Cannot ${action} "${address}": that is you`,
      );
    }
    // An existing direct chat proves both users exist: no account lookup.
    const existing = this.store.findDirectChat(user, peer);
    if (existing !== undefined) return existing;
    if (this.store.user(peer) === undefined) {
      throw new ChatError(
        ChatErrorCode.UnknownUser,
        `Cannot ${action} "${address}": no user "${peer}"`,
      );
    }
    return this.store.directChat(user, peer);
  }

  /** `#room`, or `@a,b` whose two users exist. */
  #resolveAdminChat(address: ChatAddress, action: string): ChatRecord {
    const parsed = parseChatAddress(address, true);
    if (parsed.kind === "room") return this.#existingRoom(parsed.room, action);
    if (parsed.otherUser === undefined) {
      throw new ChatError(
        ChatErrorCode.InvalidField,
        `Cannot ${action} "${address}": the admin names a direct chat "@user1,user2"`,
      );
    }
    for (const name of [parsed.user, parsed.otherUser]) {
      if (this.store.user(name) === undefined) {
        throw new ChatError(
          ChatErrorCode.UnknownUser,
          `Cannot ${action} "${address}": no user "${name}"`,
        );
      }
    }
    if (parsed.user === parsed.otherUser) {
      throw new ChatError(
        ChatErrorCode.InvalidField,
        `Cannot ${action} "${address}": two different users are needed`,
      );
    }
    return this.store.directChat(parsed.user, parsed.otherUser);
  }

  #roomName(address: ChatAddress, action: string): string {
    const parsed = parseChatAddress(address);
    if (parsed.kind !== "room") {
      throw new ChatError(
        ChatErrorCode.InvalidField,
        `Cannot ${action} "${address}": expected a room ("#name")`,
      );
    }
    return parsed.room;
  }

  #existingRoom(room: string, action: string): ChatRecord {
    const chat = this.store.room(room);
    if (chat === undefined) {
      throw new ChatError(
        ChatErrorCode.UnknownRoom,
        `Cannot ${action} "#${room}": no such room`,
      );
    }
    return chat;
  }

  // ---------------------------------------------------------------- output

  #adminChats(): ChatAdminChatInfo[] {
    this.store.flush();
    return this.store.allChats().map((summary) => {
      const members = [...this.store.members(summary.chat.id)].sort();
      const online = members.filter((member) => this.#users.has(member));
      return {
        chat: adminAddress(summary.chat),
        kind: summary.chat.kind,
        members,
        online,
        active: online.length > 0,
        messages: summary.messages,
        lastAt: summary.lastAtMs ?? null,
      };
    });
  }

  #adminConnections(): ChatAdminConnectionInfo[] {
    const list: ChatAdminConnectionInfo[] = [];
    for (const session of this.#sessions.values()) {
      const info = session.conn.info();
      const chats = session.admin ? session.watching : session.open.keys();
      const open: string[] = [];
      for (const chatId of chats) {
        const chat = this.store.chatById(chatId);
        if (chat === undefined) continue;
        open.push(
          session.admin || session.user === undefined
            ? adminAddress(chat)
            : userAddress(chat, session.user),
        );
      }
      list.push({
        id: info.id,
        remoteAddress: info.remoteAddress,
        clientType: info.clientType ?? null,
        user: session.admin ? ADMIN_NAME : session.user ?? null,
        admin: session.admin,
        open,
        connectedAt: info.connectedAt.getTime(),
        bytesIn: info.bytesIn,
        bytesOut: info.bytesOut,
      });
    }
    return list.sort((a, b) => a.id - b.id);
  }

  /** A `history` / `watching` answer, dropping the oldest messages beyond `maxReplyBytes`. */
  #historyReply(
    op: "history" | "watching",
    id: string,
    chat: ChatAddress,
    messages: ChatMessage[],
  ): Frame {
    let truncated = false;
    while (true) {
      const frame = encodeChatFrame({ op, id, chat, messages, truncated });
      if (
        frame.payload.length <= this.#maxReplyBytes || messages.length === 0
      ) {
        return frame;
      }
      truncated = true;
      messages = messages.slice(Math.max(1, messages.length >> 1));
    }
  }

  #messageFrame(message: StoredMessage, address: ChatAddress): Frame {
    return encodeChatFrame({
      op: "message",
      ...this.#toMessage(message, address),
    });
  }

  #toMessage(message: StoredMessage, address: ChatAddress): ChatMessage {
    return {
      chat: address,
      mid: message.mid,
      seq: message.seq,
      from: message.sender,
      text: message.text,
      ts: message.sentAtMs,
    };
  }

  #watcherSet(chatId: number): Set<Watcher> {
    let set = this.#watchers.get(chatId);
    if (set === undefined) {
      set = new Set();
      this.#watchers.set(chatId, set);
    }
    return set;
  }

  #errorReply(error: unknown, id: string | undefined): Frame {
    if (error instanceof ChatError) {
      return chatErrorFrame(error.code, error.message, error.id ?? id);
    }
    this.#internal(error, undefined);
    return chatErrorFrame(
      ErrorCode.InternalError,
      "Cannot handle message: the server failed",
      id,
    );
  }

  #internal(error: unknown, session: Session | undefined): void {
    this.#emit(
      "error",
      "chat_error",
      `Chat failure: ${error instanceof Error ? error.message : String(error)}`,
      session,
      ErrorCode.InternalError,
    );
  }

  #emit(
    level: LogEvent["level"],
    event: string,
    message: string,
    session: Session | undefined,
    code?: string,
  ): void {
    try {
      this.#log({
        level,
        event,
        message,
        code,
        connectionId: session?.conn.id,
        remoteAddress: session?.conn.remoteAddress,
      });
    } catch {
      // A failing logger must not break the protocol.
    }
  }
}

function ok(id: string): Frame {
  return encodeChatFrame({ op: "ok", id });
}

function ackOf(stored: StoredMessage, address: ChatAddress): ChatAck {
  return {
    chat: address,
    mid: stored.mid,
    seq: stored.seq,
    ts: stored.sentAtMs,
    duplicate: stored.duplicate,
  };
}

/** The chat from a member's side: `#room`, or `@` and the other user. */
function userAddress(chat: ChatRecord, user: string): ChatAddress {
  if (chat.kind === "room") return `#${chat.name}`;
  const [a, b] = chat.name.split(",");
  return `@${a === user ? b : a}`;
}

/** The chat from the admin's side: `#room` or `@alice,bob`. */
function adminAddress(chat: ChatRecord): ChatAddress {
  return chat.kind === "room" ? `#${chat.name}` : `@${chat.name}`;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `Cannot use ${name} ${String(value)}: expected an integer of at least 0`,
    );
  }
  return value;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot use ${name} ${String(value)}: expected an integer of at least 1`,
    );
  }
  return value;
}
