// Copyright 2026 the framewire authors. MIT license.
/**
 * The chat protocol module for the framewire server: logins on ClientType
 * (3) frames, commands and pushed messages on Chat (0) frames, every
 * message stored in a {@linkcode ChatStore} before it is acknowledged and
 * delivered through a {@linkcode ChatBus}.
 *
 * @module
 */
import type { Frame } from "../codec/frame.ts";
import type {
  HandlerResult,
  ServerLimits,
  ServerProtocol,
} from "../transport/frame_router.ts";
import type { ServerConnection } from "../transport/server_connection.ts";
import type { MetricsRegistry } from "../transport/metrics.ts";
import type { ChatAdmin } from "./chat_admin.ts";
import type { ChatBus, ChatBusSubscription } from "./chat_bus.ts";
import type { ChatServerOptions } from "./chat_server_options.ts";
import type { ChatStore } from "./chat_store.ts";
import { ChatError, ChatErrorCode } from "./errors.ts";
import { InProcessChatBus } from "./in_process_chat_bus.ts";
import { ADMIN_NAME } from "./messages.ts";
import { SqliteChatStore } from "./sqlite_chat_store.ts";
import { adminConnections, localChatAdmin } from "./_admin.ts";
import { ChatAuth } from "./_auth.ts";
import {
  CHAT_DEFAULTS,
  resolveChatServerOptions,
  type ResolvedChatOptions,
} from "./_chat_options.ts";
import { dispatch } from "./_commands.ts";
import type { ChatContext } from "./_context.ts";
import { ChatDelivery } from "./_delivery.ts";
import { MessageRateLimiter } from "./_message_rate.ts";
import { createSession, internalErrorFrame } from "./_session.ts";
import { type ChatCommand, chatErrorFrame, parseChatCommand } from "./_wire.ts";
import { type ChatLogin, parseChatLogin } from "./_login_wire.ts";

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

// --- operations: health and metrics (issue 11) ---

/** Options of {@linkcode ChatServer.prototype.health}. */
export interface ChatHealthOptions {
  /**
   * Longest wait for the store's `ping()`, in milliseconds: a load balancer
   * asking whether to send traffic here needs an answer, not a hang.
   *
   * @default {1000}
   */
  timeoutMs?: number;
}

/** Whether a chat server can serve; {@linkcode ChatServer.prototype.health}. */
export interface ChatHealth {
  /** `true` when every check passed. */
  readonly ready: boolean;
  /**
   * One short line per check: `store` (its `ping()`) and `bus` (its
   * `connected`), each `"ok"` or why not.
   */
  readonly checks: Readonly<Record<string, string>>;
}

const HEALTH_TIMEOUT_MS = 1000;

// --- end of operations: health and metrics ---

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
 * - A message is stored (and committed) before anyone sees it; then it is
 *   published on the {@linkcode ChatBus}, from which every server sharing
 *   the bus pushes `message` to members with the chat open and `unread` to
 *   the other members online; then the sender gets `ack`. Opening a chat sends what is after the member's delivery
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
 *   await chat.close();
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export class ChatServer implements ServerProtocol, AsyncDisposable {
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
  /** How committed messages and presence reach the sessions. */
  readonly bus: ChatBus;
  #ownsStore: boolean;
  #ownsBus: boolean;
  #options: ResolvedChatOptions;
  #context: ChatContext;
  #delivery: ChatDelivery;
  #auth: ChatAuth;
  #subscription: Promise<ChatBusSubscription>;
  #closing: Promise<void> | undefined;

  /**
   * Opens the database and prepares the protocol.
   *
   * @param options The database, the bus and the limits.
   * @throws {TypeError} If neither `path` nor `store` is given, or an option
   * has the wrong type.
   * @throws {RangeError} If a limit is out of range.
   * @throws {Error} If the database cannot be opened.
   */
  constructor(options: ChatServerOptions) {
    if (options === undefined) {
      throw new TypeError(
        "Cannot create chat server: expected an options object",
      );
    }
    this.#options = resolveChatServerOptions(options);
    if (options.store !== undefined) {
      this.store = options.store;
      this.#ownsStore = false;
    } else if (typeof options.path === "string" && options.path !== "") {
      this.store = new SqliteChatStore(options.path, options);
      this.#ownsStore = true;
    } else {
      throw new TypeError(
        "Cannot create chat server: give path (the database file) or store",
      );
    }
    this.#ownsBus = options.bus === undefined;
    this.bus = options.bus ?? new InProcessChatBus();
    this.#delivery = new ChatDelivery(this.store, this.bus, this.#options);
    this.#context = {
      store: this.store,
      bus: this.bus,
      delivery: this.#delivery,
      options: this.#options,
      messageRate: new MessageRateLimiter({
        perSecond: this.#options.messageRateLimit,
        burst: this.#options.messageBurst,
        clock: this.#options.clock,
      }),
    };
    const auth = this.#auth = new ChatAuth(
      this.store,
      this.bus,
      this.#delivery,
      this.#options,
    );
    const delivery = this.#delivery;
    const context = this.#context;
    this.#subscription = this.bus.subscribe(
      (event) =>
        event.type === "login"
          ? auth.onLoginEvent(event)
          : delivery.onEvent(event),
      { connections: () => adminConnections(context) },
    );
    // Logins wait for it (see #onLogin); a failed subscription is logged there.
    this.#subscription.catch(() => {});
    this.routes = { 0: (frame, conn) => this.#onChat(frame, conn) };
  }

  /** Users logged in on this server now, sorted (the bus knows all nodes'). */
  get onlineUsers(): string[] {
    return [...this.#delivery.users.keys()].sort();
  }

  /**
   * How many times an open chat's live delivery was repaired from the store
   * since start: a message event lost or reordered on the bus (a `seq`
   * gap), or a bus reconnect (`resync`).
   */
  get gapsRepaired(): number {
    return this.#delivery.metrics.gapsRepaired;
  }

  /**
   * Counters of the password hashing, for monitoring: hashes running and
   * queued now, the most ever running at once, and the total since start.
   */
  get passwordHashStats(): ChatPasswordHashStats {
    return this.#auth.stats;
  }

  // --- operations: health and metrics (issue 11) ---

  /**
   * Whether this server can serve chat, for a load balancer's health check
   * (`/healthz` of `cli/server.ts --http-port`): the store answers `ping()`
   * within `timeoutMs`, and the bus is connected. Never rejects.
   *
   * @param options The timeout.
   * @returns `ready` and one line per check.
   * @throws {TypeError} If `timeoutMs` is not a number.
   * @throws {RangeError} If `timeoutMs` is not positive.
   *
   * @example
   * ```ts
   * import { ChatServer } from "@framewire/framewire/chat";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * const chat = new ChatServer({ path: `${dir}/chat.db`, logger: null });
   * try {
   *   assert.deepEqual(await chat.health(), {
   *     ready: true,
   *     checks: { store: "ok", bus: "ok" },
   *   });
   * } finally {
   *   await chat.close();
   *   await Deno.remove(dir, { recursive: true });
   * }
   * ```
   */
  async health(options: ChatHealthOptions = {}): Promise<ChatHealth> {
    const timeoutMs = options.timeoutMs ?? HEALTH_TIMEOUT_MS;
    if (typeof timeoutMs !== "number") {
      throw new TypeError(
        `Cannot use timeoutMs ${String(timeoutMs)}: expected a number`,
      );
    }
    if (!(timeoutMs > 0)) {
      throw new RangeError(
        `Cannot use timeoutMs ${timeoutMs}: expected a number above 0`,
      );
    }
    const checks: Record<string, string> = {};
    if (this.#closing !== undefined) {
      return { ready: false, checks: { chat: "closed" } };
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const ping = Promise.resolve().then(() => this.store.ping());
      await Promise.race([
        ping,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer in ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
      checks.store = "ok";
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // One line: a reason is read by people and parsed by load balancers.
      checks.store = message.replace(/\s+/g, " ").slice(0, 200);
    } finally {
      clearTimeout(timer);
    }
    checks.bus = this.bus.connected ? "ok" : "not connected";
    return {
      ready: checks.store === "ok" && checks.bus === "ok",
      checks,
    };
  }

  /**
   * Registers the chat metrics in a registry: messages stored and
   * delivered, store append latency, bus lag, gaps repaired (counted since
   * the server started), users online and chat sessions on this node (read
   * when rendered). See the README's metric table.
   *
   * @param registry Where to register; a registry holds one chat server's.
   * @throws {TypeError} If the registry already has one of the names.
   *
   * @example
   * ```ts
   * import { MetricsRegistry } from "@framewire/framewire";
   * import { ChatServer } from "@framewire/framewire/chat";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * const chat = new ChatServer({ path: `${dir}/chat.db`, logger: null });
   * try {
   *   const metrics = new MetricsRegistry();
   *   chat.registerMetrics(metrics);
   *   assert.match(metrics.render(), /^framewire_chat_messages_stored_total 0$/m);
   * } finally {
   *   await chat.close();
   *   await Deno.remove(dir, { recursive: true });
   * }
   * ```
   */
  registerMetrics(registry: MetricsRegistry): void {
    const delivery = this.#delivery;
    delivery.metrics.register(registry, {
      users: () => delivery.users.size,
      sessions: () => delivery.sessions.size,
    });
  }

  // --- end of operations: health and metrics ---

  /**
   * Sizes the replies to what the server may send: without a
   * `maxReplyBytes` option, `history` and `admin_watch` answers are kept to
   * half the server's `maxSendFrameLength` (at most 512 KiB).
   *
   * @param limits The server's frame limits.
   * @throws {RangeError} If the `maxReplyBytes` option exceeds
   * `limits.maxSendFrameLength`.
   */
  onServe(limits: ServerLimits): void {
    const max = limits.maxSendFrameLength;
    if (!this.#options.maxReplyBytesSet) {
      this.#options.maxReplyBytes = Math.max(
        1,
        Math.min(CHAT_DEFAULTS.maxReplyBytes, Math.floor(max / 2)),
      );
    } else if (this.#options.maxReplyBytes > max) {
      throw new RangeError(
        `Cannot use maxReplyBytes ${this.#options.maxReplyBytes}: expected at most the server's maxSendFrameLength ${max}`,
      );
    }
  }

  /**
   * Registers a new connection.
   *
   * @param conn The connection.
   */
  onConnect(conn: ServerConnection): void {
    this.#delivery.sessions.set(conn, createSession(conn));
  }

  /**
   * Forgets a closed connection: its user goes offline (new messages are
   * stored as unread), its watches end.
   *
   * @param conn The connection.
   */
  onClose(conn: ServerConnection): void {
    const session = this.#delivery.sessions.get(conn);
    if (session !== undefined) this.#delivery.close(session);
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
    const session = this.#delivery.sessions.get(conn);
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
    const id = login.id;
    return this.#subscription
      .then(() => this.#auth.login(session, login))
      .catch((error) => this.#errorReply(error, id));
  }

  /**
   * The operator's view, for a console on the server's own terminal. It
   * needs no token: whoever runs the server process is the operator.
   *
   * @returns The admin operations.
   */
  admin(): ChatAdmin {
    return localChatAdmin(this.#context);
  }

  /**
   * Commits pending writes and closes the store (if this server opened it)
   * and the bus (if it made it). A {@linkcode SqliteChatStore} is closed
   * before this returns, even if the promise is not awaited.
   *
   * @returns Resolves once closed.
   */
  close(): Promise<void> {
    this.#closing ??= Promise.all([
      this.#ownsStore ? this.store.close() : this.store.flush(),
      this.#subscription.then((subscription) => subscription.unsubscribe()),
      this.#ownsBus ? this.bus.close() : undefined,
    ]).then(() => {});
    return this.#closing;
  }

  /**
   * Closes; see {@linkcode ChatServer.prototype.close}.
   *
   * @returns Resolves once closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #onChat(
    frame: Frame,
    conn: ServerConnection,
  ): HandlerResult | Promise<HandlerResult> {
    const session = this.#delivery.sessions.get(conn);
    if (session === undefined) return undefined;
    let command: ChatCommand;
    try {
      command = parseChatCommand(frame.payload, this.#options.maxMessageBytes);
    } catch (error) {
      return this.#errorReply(error, undefined);
    }
    const id = command.id;
    // An answer follows what was pushed to the connection before it: the
    // pushes of this turn (in the session's outbox) are written first.
    const answer = (result: HandlerResult): HandlerResult => {
      if (result != null) this.#delivery.flush(session);
      return result;
    };
    try {
      const result = dispatch(this.#context, session, command);
      if (result instanceof Promise) {
        return result.then(
          answer,
          (error) => answer(this.#errorReply(error, id)),
        );
      }
      return answer(result);
    } catch (error) {
      return answer(this.#errorReply(error, id));
    }
  }

  #errorReply(error: unknown, id: string | undefined): Frame {
    if (error instanceof ChatError) {
      return chatErrorFrame(
        error.code,
        error.message,
        error.id ?? id,
        error.retryAfterMs,
      );
    }
    return internalErrorFrame(this.#options.log, error, id);
  }
}
