// Copyright 2026 the framewire authors. MIT license.
/**
 * The options of a {@linkcode ChatServer}: where it stores, how it
 * delivers, and its limits. Every default is in one place, the private
 * `_chat_options.ts`.
 *
 * @module
 */
import type { Logger } from "../transport/log.ts";
import type { ChatBus } from "./chat_bus.ts";
import type { ChatStore } from "./chat_store.ts";
import type { SqliteChatStoreOptions } from "./sqlite_chat_store.ts";

/** Options for {@linkcode ChatServer}. */
export interface ChatServerOptions extends SqliteChatStoreOptions {
  /**
   * The SQLite file (created if missing): the server opens a
   * {@linkcode SqliteChatStore} (with `synchronous` and `maxBatch`) and
   * closes it. Give this or `store`.
   */
  path?: string;
  /** An open store to use instead of `path`; the server will not close it. */
  store?: ChatStore;
  /**
   * How committed messages and presence reach the sessions: share one bus
   * between the chat servers that share a store. The server does not close
   * a bus it is given.
   *
   * @default {new InProcessChatBus()}
   */
  bus?: ChatBus;
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
   * This node's name in a cluster: shown with each connection in the
   * admin's list (`node`), so that the same connection id on two nodes can
   * be told apart.
   *
   * @default {undefined}
   */
  nodeId?: string;
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
   * How long a resume token lasts, in milliseconds. A login that sends
   * `"remember": true` gets a token in its welcome, and a later login may
   * send it instead of the password (once: that login gets a new token).
   * The web page keeps its token for the tab, to survive a reload. `0`
   * turns tokens off: none is given, and a login with one gets
   * `AUTH_FAILED`. The store keeps only each token's SHA-256 digest.
   *
   * @default {604800000} (7 days)
   */
  resumeTokenTtlMs?: number;
  /**
   * Most resume tokens kept per user (one per remembered login: a page in
   * each of several browsers); the oldest goes first.
   *
   * @default {8}
   */
  maxResumeTokens?: number;
  /**
   * Most members of a room; a `join` beyond it gets `ROOM_FULL`.
   *
   * @default {1000}
   */
  maxRoomMembers?: number;
  /**
   * Messages (`send`) one user may send per second, sustained, counted per
   * user name across connections; a `send` beyond it gets `RATE_LIMITED`
   * with a `retryAfterMs` and is not stored. 0 turns the limit off. The
   * default is far above what a person types, and keeps one flooding user
   * from slowing everyone else's acknowledgements down.
   *
   * @default {50}
   */
  messageRateLimit?: number;
  /**
   * Messages one user may send at once, at full speed, before
   * `messageRateLimit` applies (the size of the token bucket).
   *
   * @default {1000}
   */
  messageBurst?: number;
  /**
   * Milliseconds now, for the login throttle and the message rate limit.
   * Tests pass a fake clock.
   *
   * @default {Date.now}
   */
  clock?: () => number;
  /**
   * Largest JSON answer the server builds for `history` and
   * `admin_watch`, in bytes; older messages are left out beyond it. When
   * served, it may not exceed the server's `maxSendFrameLength` (see
   * {@linkcode ChatServer.prototype.onServe}).
   *
   * @default {524288} (at most half the server's `maxSendFrameLength`)
   */
  maxReplyBytes?: number;
  /**
   * Receives log events (logins, refused logins, failures).
   *
   * @default {undefined} (`warn` and `error` events to `console.error`)
   */
  logger?: Logger | null;
}
