// Copyright 2026 the framewire authors. MIT license.
/**
 * The operator's remote console: a client that logs in with the server's
 * admin token and can list every chat and connection, watch a chat live,
 * and send into it as `admin`.
 *
 * @module
 */
import type { ConnectOptions } from "../transport/connect.ts";
import type { WebSocketConnectOptions } from "../transport/connect_websocket.ts";
import {
  type ChatChannel,
  type JsonObject,
  toAck,
} from "./_chat_connection.ts";
import { openChatChannel } from "./_reconnect.ts";
import type { ChatAdmin } from "./chat_admin.ts";
import type { ChatError } from "./errors.ts";
import type {
  ChatAddressesOptions,
  ChatFailoverOptions,
  ChatReconnectEvent,
  ChatTimeoutOptions,
} from "./chat_reconnect.ts";
import type {
  ChatAck,
  ChatAddress,
  ChatAdminChatInfo,
  ChatAdminConnectionInfo,
  ChatMessage,
} from "./messages.ts";

/** What {@linkcode ChatAdminClient.connect} needs besides where. */
export interface ChatAdminLoginOptions {
  /** The server's admin token. */
  token: string;
  /**
   * Called with Error frames that answer no command (the server closing the
   * connection, for instance), and with the reconnect giving up
   * (`UNREACHABLE`).
   *
   * @default {undefined}
   */
  onError?: (error: ChatError) => void;
  /**
   * With `reconnect`: called when the client fails over (a `reconnecting`
   * event before each attempt, `reconnected` once logged in again; the
   * watches are then re-established, and the messages of a watched chat
   * that arrived meanwhile, among its last 20, reach its callback).
   *
   * @default {undefined}
   */
  onReconnect?: (event: ChatReconnectEvent) => void;
}

/**
 * Options for {@linkcode ChatAdminClient.connect}: where (one server,
 * several `addresses`, or a WebSocket `url` such as `ws://HOST:PORT/ws`),
 * the token, and whether to reconnect.
 */
export type ChatAdminClientOptions =
  & (ConnectOptions | ChatAddressesOptions | WebSocketConnectOptions)
  & ChatAdminLoginOptions
  & ChatFailoverOptions
  & ChatTimeoutOptions;

/**
 * An admin session over the network; implements {@linkcode ChatAdmin}, the
 * same interface the server offers its own terminal.
 *
 * @example List the chats
 * ```ts
 * import { FrameRouter, serve } from "@framewire/framewire";
 * import { ChatAdminClient, ChatClient, ChatServer } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const chat = new ChatServer({
 *   path: `${dir}/chat.db`, passwordIterations: 1000, adminToken: "t0ken", logger: null,
 * });
 * const server = serve({ port: 0, logger: null }, new FrameRouter().use(chat));
 * try {
 *   await using alice = await ChatClient.connect({ port: server.port!, user: "alice", password: "password1" });
 *   await alice.join("#general");
 *   await using admin = await ChatAdminClient.connect({ port: server.port!, token: "t0ken" });
 *   const [general] = await admin.chats();
 *   assert.deepEqual([general.chat, general.members], ["#general", ["alice"]]);
 * } finally {
 *   await server.shutdown();
 *   await chat.close();
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export class ChatAdminClient implements ChatAdmin, AsyncDisposable {
  #conn: ChatChannel<ChatReconnectEvent>;
  #watchers: Map<ChatAddress, (message: ChatMessage) => void>;
  /** The last `seq` passed to each watcher: a re-watch skips up to it. */
  #shown: Map<ChatAddress, number>;

  /**
   * Use {@linkcode ChatAdminClient.connect}.
   *
   * @param conn The logged-in connection.
   * @param watchers Callbacks per watched chat (shared with the push handler).
   */
  private constructor(
    conn: ChatChannel<ChatReconnectEvent>,
    watchers: Map<ChatAddress, (message: ChatMessage) => void>,
    shown: Map<ChatAddress, number>,
  ) {
    this.#conn = conn;
    this.#watchers = watchers;
    this.#shown = shown;
  }

  /**
   * Connects and logs in with the admin token.
   *
   * @param options Where to connect and the token.
   * @returns The admin session.
   * @throws {ChatError} `AUTH_FAILED` for a wrong token (or none configured
   * on the server); `TIMED_OUT` if the login gets no answer within
   * `loginTimeoutMs`.
   */
  static async connect(
    options: ChatAdminClientOptions,
  ): Promise<ChatAdminClient> {
    const watchers = new Map<ChatAddress, (message: ChatMessage) => void>();
    const shown = new Map<ChatAddress, number>();
    // Pushes are handled here; only Error frames become events.
    const onPush = (value: JsonObject) => {
      if (value.op === "message") {
        const message = value as unknown as ChatMessage;
        if (message.seq > (shown.get(message.chat) ?? 0)) {
          shown.set(message.chat, message.seq);
          watchers.get(message.chat)?.(message);
        }
      }
      return undefined;
    };
    // On a new node: watch again, and pass on what was missed.
    const restore = (request: (body: JsonObject) => Promise<JsonObject>) => {
      for (const chat of watchers.keys()) {
        request({ op: "admin_watch", chat }).then((answer) => {
          for (const message of answer.messages as ChatMessage[]) {
            onPush({ op: "message", ...message });
          }
        }, () => {});
      }
    };
    const { channel: conn } = await openChatChannel<never>(
      options,
      options.reconnect,
      { login: { type: "chat-admin", token: options.token }, onPush, restore },
    );
    const client = new ChatAdminClient(conn, watchers, shown);
    const { onError, onReconnect } = options;
    if (onError !== undefined || onReconnect !== undefined) {
      void client.#forwardEvents(onError, onReconnect);
    }
    return client;
  }

  /** Resolves when the connection has ended. */
  get finished(): Promise<void> {
    return this.#conn.finished;
  }

  /**
   * Every chat, most recently active first.
   *
   * @returns The chats.
   */
  async chats(): Promise<ChatAdminChatInfo[]> {
    const answer = await this.#conn.request({ op: "admin_chats" });
    return answer.chats as ChatAdminChatInfo[];
  }

  /**
   * Revokes a user (a lost device): drops every resume token, so no page
   * of theirs logs in again by reload, and closes the user's session, on
   * any node, with `SESSION_REVOKED`.
   *
   * @param user The user.
   * @returns How many tokens were dropped.
   * @throws {ChatError} `UNKNOWN_USER`, `INVALID_NAME`.
   */
  async revoke(user: string): Promise<number> {
    const answer = await this.#conn.request({ op: "admin_revoke", user });
    return answer.tokens as number;
  }

  /**
   * Every connection of the server.
   *
   * @returns The connections, oldest first.
   */
  async connections(): Promise<ChatAdminConnectionInfo[]> {
    const answer = await this.#conn.request({ op: "admin_connections" });
    return answer.connections as ChatAdminConnectionInfo[];
  }

  /**
   * Watches a chat: new messages go to `onMessage`. The callback is in place
   * before the command leaves, so no message the server pushes with or
   * after its answer is lost; watching a chat again replaces its callback.
   *
   * @param chat `"#room"` or `"@alice,bob"` (either order).
   * @param onMessage Called with each new message.
   * @returns The chat's last messages, oldest first.
   * @throws {ChatError} `UNKNOWN_ROOM`, `UNKNOWN_USER`, `INVALID_FIELD`,
   * `INVALID_NAME`; the previous callback of the chat, if any, is kept then.
   */
  async watch(
    chat: ChatAddress,
    onMessage: (message: ChatMessage) => void,
  ): Promise<ChatMessage[]> {
    // Pushes name the chat in the server's canonical form ("@alice,bob").
    const key = canonicalAdminChat(chat);
    const previous = this.#watchers.get(key);
    this.#watchers.set(key, onMessage);
    let answer: JsonObject;
    try {
      answer = await this.#conn.request({ op: "admin_watch", chat });
    } catch (error) {
      if (this.#watchers.get(key) === onMessage) {
        if (previous === undefined) this.#watchers.delete(key);
        else this.#watchers.set(key, previous);
      }
      throw error;
    }
    const named = String(answer.chat);
    if (named !== key && this.#watchers.get(key) === onMessage) {
      // A server that canonicalises differently: follow its name.
      this.#watchers.delete(key);
      this.#watchers.set(named, onMessage);
    }
    const messages = answer.messages as ChatMessage[];
    const last = messages.at(-1)?.seq ?? 0;
    if (last > (this.#shown.get(named) ?? 0)) this.#shown.set(named, last);
    return messages;
  }

  /**
   * Stops watching a chat.
   *
   * @param chat The chat, named as for {@linkcode ChatAdminClient.prototype.watch}
   * (a direct chat in either order).
   */
  async unwatch(chat: ChatAddress): Promise<void> {
    const key = canonicalAdminChat(chat);
    const callback = this.#watchers.get(key);
    await this.#conn.request({ op: "admin_unwatch", chat });
    // A `watch` of the same chat issued meanwhile keeps its new callback.
    if (this.#watchers.get(key) === callback) {
      this.#watchers.delete(key);
      this.#shown.delete(key);
    }
  }

  /**
   * Sends into a chat as `admin`.
   *
   * @param chat `"#room"` or `"@alice,bob"`.
   * @param text The text.
   * @returns The acknowledgement.
   */
  async send(chat: ChatAddress, text: string): Promise<ChatAck> {
    const answer = await this.#conn.request(
      { op: "admin_send", chat, text },
      crypto.randomUUID(),
    );
    return toAck(answer);
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.#conn.close();
  }

  /** Closes; see {@linkcode ChatAdminClient.prototype.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #forwardEvents(
    onError: ((error: ChatError) => void) | undefined,
    onReconnect: ((event: ChatReconnectEvent) => void) | undefined,
  ): Promise<void> {
    while (true) {
      const event = await this.#conn.nextEvent();
      if (event === undefined) return;
      if (event.type === "error") onError?.(event.error);
      else onReconnect?.(event);
    }
  }
}

/**
 * The name the server gives a chat in admin answers and pushes: a direct
 * chat's two users sorted (`"@bob,alice"` is `"@alice,bob"`), anything else
 * unchanged. Names are not lowercased: the server refuses uppercase ones
 * (`INVALID_NAME`), so such a chat is never watched.
 */
function canonicalAdminChat(chat: ChatAddress): ChatAddress {
  if (!chat.startsWith("@")) return chat;
  const names = chat.slice(1).split(",");
  if (names.length !== 2) return chat;
  const [a, b] = names;
  return a < b ? `@${a},${b}` : `@${b},${a}`;
}
