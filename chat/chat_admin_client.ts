// Copyright 2026 the framewire authors. MIT license.
/**
 * The operator's remote console: a client that logs in with the server's
 * admin token and can list every chat and connection, watch a chat live,
 * and send into it as `admin`.
 *
 * @module
 */
import { connect, type ConnectOptions } from "../transport/connect.ts";
import { ChatConnection, type JsonObject, toAck } from "./_chat_connection.ts";
import type { ChatAdmin } from "./chat_admin.ts";
import type { ChatError } from "./errors.ts";
import type {
  ChatAck,
  ChatAddress,
  ChatAdminChatInfo,
  ChatAdminConnectionInfo,
  ChatMessage,
} from "./messages.ts";

/** Options for {@linkcode ChatAdminClient.connect}: where, and the token. */
export type ChatAdminClientOptions = ConnectOptions & {
  /** The server's admin token. */
  token: string;
  /**
   * Called with Error frames that answer no command (the server closing the
   * connection, for instance).
   *
   * @default {undefined}
   */
  onError?: (error: ChatError) => void;
};

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
  #conn: ChatConnection;
  #watchers: Map<ChatAddress, (message: ChatMessage) => void>;

  /**
   * Use {@linkcode ChatAdminClient.connect}.
   *
   * @param conn The logged-in connection.
   * @param watchers Callbacks per watched chat (shared with the push handler).
   */
  private constructor(
    conn: ChatConnection,
    watchers: Map<ChatAddress, (message: ChatMessage) => void>,
  ) {
    this.#conn = conn;
    this.#watchers = watchers;
  }

  /**
   * Connects and logs in with the admin token.
   *
   * @param options Where to connect and the token.
   * @returns The admin session.
   * @throws {ChatError} `AUTH_FAILED` for a wrong token (or none configured
   * on the server).
   */
  static async connect(
    options: ChatAdminClientOptions,
  ): Promise<ChatAdminClient> {
    const watchers = new Map<ChatAddress, (message: ChatMessage) => void>();
    const framed = await connect(options);
    // Its pushes are handled here; only Error frames become events.
    const conn = new ChatConnection<never>(framed, (value: JsonObject) => {
      if (value.op === "message") {
        const message = value as unknown as ChatMessage;
        watchers.get(message.chat)?.(message);
        return undefined;
      }
      return undefined;
    });
    try {
      await conn.login({ type: "chat-admin", token: options.token });
    } catch (error) {
      await conn.close();
      throw error;
    }
    const client = new ChatAdminClient(conn, watchers);
    if (options.onError !== undefined) {
      void client.#forwardErrors(options.onError);
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
    return answer.messages as ChatMessage[];
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
    if (this.#watchers.get(key) === callback) this.#watchers.delete(key);
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

  async #forwardErrors(onError: (error: ChatError) => void): Promise<void> {
    while (true) {
      const event = await this.#conn.nextEvent();
      if (event === undefined) return;
      if (event.type === "error") onError(event.error);
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
