// Copyright 2026 the framewire authors. MIT license.
/**
 * A chat client for programs: log in, send, open chats, and read incoming
 * messages as events, each exactly once and in order per chat.
 *
 * @module
 */
import { numberOption, optionsObject } from "../internal/options.ts";
import {
  type ChatChannel,
  type JsonObject,
  toAck,
} from "./_chat_connection.ts";
import { openChatChannel } from "./_reconnect.ts";
import type { ChatError } from "./errors.ts";
import type { ChatReconnectEvent } from "./chat_reconnect.ts";
import type {
  ChatClientOptions,
  ChatHistoryOptions,
  ChatHistoryPage,
  ChatSendOptions,
} from "./chat_client_options.ts";
import type {
  ChatAck,
  ChatAddress,
  ChatListEntry,
  ChatMemberInfo,
  ChatMessage,
  ChatWelcome,
} from "./messages.ts";

/** What a {@linkcode ChatClient} receives besides answers. */
export type ChatEvent =
  | {
    /** A message of an open chat (never one seen before). */
    readonly type: "message";
    /** The message. */
    readonly message: ChatMessage;
  }
  | {
    /** A chat that is not open got a message. */
    readonly type: "unread";
    /** The chat. */
    readonly chat: ChatAddress;
    /** Its unread messages now. */
    readonly count: number;
  }
  | {
    /**
     * An Error frame that answers no command (such as `SESSION_REPLACED`),
     * or the reconnect giving up (`UNREACHABLE`), just before the end.
     */
    readonly type: "error";
    /** The error. */
    readonly error: ChatError;
  }
  // Only with `reconnect` (or `addresses`).
  | ChatReconnectEvent;

const DEFAULT_CLOSE_TIMEOUT_MS = 2000;

/**
 * A logged-in chat session.
 *
 * Delivery: the server pushes messages of open chats (and the stored ones
 * when a chat is opened). The client drops any it has seen (same chat, `seq`
 * not above the last one), hands the rest out by
 * {@linkcode ChatClient.prototype.nextEvent}, and tells the server with
 * `read` once a message has been handed out, so it is not delivered again.
 *
 * @example Two users, one message
 * ```ts
 * import { FrameRouter, serve } from "@framewire/framewire";
 * import { ChatClient, ChatServer } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const chat = new ChatServer({ path: `${dir}/chat.db`, passwordIterations: 1000, logger: null });
 * const server = serve({ port: 0, logger: null }, new FrameRouter().use(chat));
 * try {
 *   await using bob = await ChatClient.connect({ port: server.port!, user: "bob", password: "password1" });
 *   await using alice = await ChatClient.connect({ port: server.port!, user: "alice", password: "password2" });
 *   await bob.openChat("@alice");
 *   await alice.send("@bob", "hello");
 *   const event = await bob.nextEvent();
 *   assert.equal(event?.type, "message");
 *   if (event?.type === "message") assert.equal(event.message.from, "alice");
 * } finally {
 *   await server.shutdown();
 *   await chat.close();
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export class ChatClient implements AsyncDisposable, AsyncIterable<ChatEvent> {
  /** The server's answer to the login. */
  readonly welcome: ChatWelcome;
  #conn: ChatChannel<ChatEvent>;
  /** Chats opened and not closed: a reconnect opens them again. */
  #openChats = new Set<ChatAddress>();
  #delivery: DeliveryState;
  #seen: Map<ChatAddress, number>;
  #sentRead = new Map<ChatAddress, number>();
  #confirmedRead = new Map<ChatAddress, number>();
  #readTimer: ReturnType<typeof setTimeout> | undefined;
  // --- chat fan-out (issue 12): ordered message ids ---
  // A message id is this client's random prefix and a counter, not a fresh
  // UUID: one client's ids then sort in sending order, so the server's
  // (sender, id) index grows at one end instead of touching a random page
  // per message (a commit of 256 messages wrote ~1 MiB of index pages).
  #idPrefix = crypto.randomUUID();
  #idCount = 0;
  // --- end of chat fan-out ---
  #closeTimeoutMs: number;
  // The newest resume token, set by every login's welcome.
  #tokens: { readonly resume?: string } | undefined;
  #closing: Promise<void> | undefined;

  /**
   * Use {@linkcode ChatClient.connect}.
   *
   * @param conn The logged-in connection.
   * @param welcome The login answer.
   * @param delivery What the push handler has received (shared with it).
   * @param closeTimeoutMs Wait for the last `read`s on close.
   */
  private constructor(
    conn: ChatChannel<ChatEvent>,
    welcome: ChatWelcome,
    delivery: DeliveryState,
    closeTimeoutMs: number,
  ) {
    this.#conn = conn;
    this.welcome = welcome;
    this.#delivery = delivery;
    this.#seen = new Map(delivery.received);
    this.#closeTimeoutMs = closeTimeoutMs;
  }

  /**
   * Connects and logs in (registering the name on its first login).
   *
   * @param options Where to connect (as for `connect`), user and password.
   * @returns The logged-in client.
   * @throws {ChatError} `AUTH_FAILED` for a wrong password, `WEAK_PASSWORD`,
   * `INVALID_NAME`; the connection is closed then.
   * @throws {Deno.errors.ConnectionRefused} If no server listens (one
   * server, no `reconnect`).
   * @throws {ChatUnreachableError} With `addresses` or `reconnect`: no
   * server took the login (one pass over them; until `maxReconnectMs` with
   * `retry`). With them the client also survives the loss of its node: it
   * logs in elsewhere, re-opens its chats and sends again, with the same id,
   * what got no `ack` (see `ChatReconnectOptions`).
   * @throws {ChatError} `TIMED_OUT` if the login gets no answer within
   * `loginTimeoutMs`; the code of an Error frame that answers the login
   * without an id (`INTERNAL_ERROR`, `SHUTTING_DOWN`…).
   * @throws {Deno.errors.TimedOut} If the connect takes over
   * `connectTimeoutMs` (one server, no `retry`).
   * @throws {RangeError} If `closeTimeoutMs` or a timeout option is negative
   * (before connecting).
   */
  static async connect(options: ChatClientOptions): Promise<ChatClient> {
    options = optionsObject(options, "Cannot connect chat client");
    const closeTimeoutMs = numberOption(
      "closeTimeoutMs",
      options.closeTimeoutMs,
      DEFAULT_CLOSE_TIMEOUT_MS,
      { fractional: true },
    );
    const delivery: DeliveryState = {
      received: new Map(Object.entries(options.seen ?? {})),
      duplicates: 0,
    };
    // The client exists only after the first login; a reconnect needs it.
    const made: { client?: ChatClient; resume?: string } = {};
    const login: JsonObject = {
      type: "chat",
      user: options.user,
      ...(options.resume === undefined
        ? { password: options.password }
        : { resume: options.resume }),
      ...(options.register === false ? { register: false } : {}),
      ...(options.remember === true ? { remember: true } : {}),
    };
    const { channel, welcome } = await openChatChannel<ChatEvent>(
      options,
      options.reconnect,
      {
        login,
        onWelcome: (welcome) => {
          if (typeof welcome.resume !== "string") return;
          made.resume = welcome.resume;
          // The token just sent is spent.
          if (login.resume !== undefined) login.resume = welcome.resume;
        },
        onPush: (value) => toEvent(value, delivery),
        restore: (...args) => {
          if (made.client !== undefined) made.client.#restore(...args);
        },
      },
    );
    made.client = new ChatClient(
      channel,
      toWelcome(welcome),
      delivery,
      closeTimeoutMs,
    );
    made.client.#tokens = made;
    return made.client;
  }

  /**
   * The newest resume token: from the last login (a reconnect's included)
   * when it asked for one (`remember`) or used one (`resume`). Pass it as
   * `resume` to log in again without the password, once.
   */
  get resume(): string | undefined {
    return this.#tokens?.resume;
  }

  /** The logged-in user. */
  get user(): string {
    return this.welcome.user;
  }

  /** Messages received again and dropped (at-least-once delivery at work). */
  get duplicatesDropped(): number {
    return this.#delivery.duplicates;
  }

  /** The last `seq` handed out per chat; save it to pass as `seen` next time. */
  get seen(): Record<ChatAddress, number> {
    return Object.fromEntries(this.#seen);
  }

  /** Whether the connection has ended. */
  get closed(): boolean {
    return this.#conn.ended;
  }

  /**
   * Sends a message; resolves once the server has stored it.
   *
   * @param chat `"@user"` or `"#room"`.
   * @param text The text.
   * @param options The message id, for a retry.
   * @returns The acknowledgement, with the message's `seq`.
   * @throws {ChatError} `UNKNOWN_USER`, `UNKNOWN_ROOM`, `NOT_A_MEMBER`,
   * `MESSAGE_TOO_LONG`, …, or `CONNECTION_CLOSED` (then it may or may not
   * be stored: send again with the same `id`).
   */
  async send(
    chat: ChatAddress,
    text: string,
    options: ChatSendOptions = {},
  ): Promise<ChatAck> {
    const answer = await this.#conn.request(
      { op: "send", chat, text },
      options.id ??
        `${this.#idPrefix}-${(++this.#idCount).toString(36).padStart(8, "0")}`,
    );
    return toAck(answer);
  }

  /**
   * Opens a chat: the stored messages not delivered yet arrive as events,
   * then new ones as they come. Other chats' messages arrive as `unread`
   * events until they are opened.
   *
   * @param chat `"@user"` or `"#room"` (joined).
   * @returns How many stored messages the server sent.
   * @throws {ChatError} `UNKNOWN_USER`, `UNKNOWN_ROOM`, `NOT_A_MEMBER`.
   */
  async openChat(chat: ChatAddress): Promise<number> {
    const answer = await this.#conn.request({ op: "open", chat });
    this.#openChats.add(chat);
    return Number(answer.delivered);
  }

  /**
   * Closes a chat: its new messages arrive as `unread` events again.
   *
   * @param chat The chat.
   */
  async closeChat(chat: ChatAddress): Promise<void> {
    this.#openChats.delete(chat);
    await this.#conn.request({ op: "close", chat });
  }

  /**
   * Joins a room, creating it if it does not exist.
   *
   * @param room `"#name"`.
   * @returns Whether it was created, and its members.
   */
  async join(
    room: ChatAddress,
  ): Promise<{ created: boolean; members: string[] }> {
    const answer = await this.#conn.request({ op: "join", chat: room });
    return {
      created: answer.created === true,
      members: answer.members as string[],
    };
  }

  /**
   * Leaves a room.
   *
   * @param room `"#name"`.
   * @throws {ChatError} `UNKNOWN_ROOM`, `NOT_A_MEMBER`.
   */
  async leave(room: ChatAddress): Promise<void> {
    this.#openChats.delete(room);
    // Not sent again after a lost connection: a second `leave` would fail
    // with NOT_A_MEMBER although the first one may have worked.
    await this.#conn.request({ op: "leave", chat: room }, undefined, {
      retry: false,
    });
  }

  /**
   * A room's members and whether they are online.
   *
   * @param room `"#name"`.
   * @returns The members, sorted by name.
   */
  async members(room: ChatAddress): Promise<ChatMemberInfo[]> {
    const answer = await this.#conn.request({ op: "members", chat: room });
    return answer.members as ChatMemberInfo[];
  }

  /**
   * This user's chats with their unread counts.
   *
   * @returns One entry per chat.
   */
  async chats(): Promise<ChatListEntry[]> {
    const answer = await this.#conn.request({ op: "chats" });
    return answer.chats as ChatListEntry[];
  }

  /**
   * The users logged in now.
   *
   * @returns Their names, sorted.
   */
  async who(): Promise<string[]> {
    const answer = await this.#conn.request({ op: "who" });
    return answer.users as string[];
  }

  /**
   * The last messages of a chat (the user's own included). History does
   * not count as delivery and is not deduplicated.
   *
   * @param chat The chat.
   * @param options How many, and before which `seq`.
   * @returns The messages, oldest first.
   */
  async history(
    chat: ChatAddress,
    options: ChatHistoryOptions = {},
  ): Promise<ChatHistoryPage> {
    const answer = await this.#conn.request({
      op: "history",
      chat,
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(options.before === undefined ? {} : { before: options.before }),
    });
    return {
      messages: answer.messages as ChatMessage[],
      truncated: answer.truncated === true,
    };
  }

  /**
   * The next event: a message of an open chat, an unread notice, or an
   * unsolicited error. Handing out a message marks it read on the server
   * (in the background).
   *
   * @returns The event, or `undefined` once the connection has ended.
   */
  async nextEvent(): Promise<ChatEvent | undefined> {
    const event = await this.#conn.nextEvent();
    if (event?.type === "message") {
      const { chat, seq } = event.message;
      if (seq > (this.#seen.get(chat) ?? 0)) this.#seen.set(chat, seq);
      // --- chat fan-out (issue 12): one `read` per turn ---
      // One `read` for everything handed out in this turn of the event
      // loop, at its end: the messages of a burst arrive one frame at a
      // time (so "caught up" was true after each), and a `read` per message
      // cost the server more than the message. A crash within the turn
      // redelivers, which the client drops by seq.
      this.#readTimer ??= setTimeout(() => this.#sendReads(), 0);
      // --- end of chat fan-out ---
    }
    return event;
  }

  /**
   * Iterates over events until the connection ends.
   *
   * @returns The iterator.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<ChatEvent> {
    while (true) {
      const event = await this.nextEvent();
      if (event === undefined) return;
      yield event;
    }
  }

  /**
   * Logs out: the server forgets the resume token this login was handed
   * ({@linkcode ChatClient.prototype.resume}; a copy of it logs in no
   * more), then the client closes as {@linkcode ChatClient.prototype.close}
   * does. Without a token it just closes.
   */
  async logout(): Promise<void> {
    try {
      if (!this.#conn.ended) await this.#conn.request({ op: "logout" });
    } finally {
      await this.close();
    }
  }

  /**
   * Tells the server every message handed out so far was delivered, waits
   * (up to `closeTimeoutMs`) for it to commit that, and closes. A clean
   * close means no message is delivered twice across sessions.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Closes; see {@linkcode ChatClient.prototype.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    clearTimeout(this.#readTimer);
    this.#readTimer = undefined;
    if (!this.#conn.ended) {
      const confirmations: Promise<unknown>[] = [];
      for (const [chat, seq] of this.#seen) {
        if ((this.#confirmedRead.get(chat) ?? 0) >= seq) continue;
        confirmations.push(
          this.#conn.request({ op: "read", chat, seq }).then(() =>
            this.#confirmedRead.set(chat, seq)
          ),
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled(confirmations),
        new Promise((resolve) => {
          timer = setTimeout(resolve, this.#closeTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    await this.#conn.close();
  }

  /**
   * On a new connection after a failover: the cursors first (a `read` lost
   * with the old node would leave them behind), then the open chats, whose
   * `open` pushes what arrived meanwhile; duplicates are dropped by `seq`.
   */
  #restore(
    request: (body: JsonObject) => Promise<JsonObject>,
    post: (body: JsonObject) => Promise<void>,
  ): void {
    this.#sentRead = new Map(this.#seen);
    for (const [chat, seq] of this.#seen) void post({ op: "read", chat, seq });
    for (const chat of this.#openChats) {
      request({ op: "open", chat }).catch(() => {});
    }
  }

  #sendReads(): void {
    clearTimeout(this.#readTimer);
    this.#readTimer = undefined;
    if (this.#conn.ended || this.#closing !== undefined) return;
    for (const [chat, seq] of this.#seen) {
      if ((this.#sentRead.get(chat) ?? 0) >= seq) continue;
      this.#sentRead.set(chat, seq);
      this.#conn.post({ op: "read", chat, seq }).catch(() => {});
    }
  }
}

function toWelcome(answer: JsonObject): ChatWelcome {
  return {
    user: String(answer.user),
    registered: answer.registered === true,
    admin: answer.admin === true,
    unread: (answer.unread ?? {}) as Record<string, number>,
    ...(typeof answer.resume === "string" ? { resume: answer.resume } : {}),
  };
}

/** What the push handler has let through, per chat. */
interface DeliveryState {
  /** The last `seq` received per chat. */
  received: Map<ChatAddress, number>;
  /** Messages dropped because they were received before. */
  duplicates: number;
}

/** Turns a push into an event, dropping messages already received. */
function toEvent(
  value: JsonObject,
  delivery: DeliveryState,
): ChatEvent | undefined {
  if (value.op === "message") {
    const message = value as unknown as ChatMessage;
    const last = delivery.received.get(message.chat) ?? 0;
    if (message.seq <= last) {
      delivery.duplicates++;
      return undefined;
    }
    delivery.received.set(message.chat, message.seq);
    return {
      type: "message",
      message: {
        chat: message.chat,
        mid: message.mid,
        seq: message.seq,
        from: message.from,
        text: message.text,
        ts: message.ts,
      },
    };
  }
  if (value.op === "unread") {
    return {
      type: "unread",
      chat: String(value.chat),
      count: Number(value.count),
    };
  }
  return undefined;
}
