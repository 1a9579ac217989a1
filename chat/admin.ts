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
import type { ChatAdmin } from "./chat_server.ts";
import type { ChatError } from "./errors.ts";
import type {
  AdminChatInfo,
  AdminConnectionInfo,
  ChatAck,
  ChatAddress,
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
 *   chat.close();
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
    const conn = new ChatConnection(framed, (value: JsonObject) => {
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
  async chats(): Promise<AdminChatInfo[]> {
    const answer = await this.#conn.request({ op: "admin_chats" });
    return answer.chats as AdminChatInfo[];
  }

  /**
   * Every connection of the server.
   *
   * @returns The connections, oldest first.
   */
  async connections(): Promise<AdminConnectionInfo[]> {
    const answer = await this.#conn.request({ op: "admin_connections" });
    return answer.connections as AdminConnectionInfo[];
  }

  /**
   * Watches a chat: new messages go to `onMessage`.
   *
   * @param chat `"#room"` or `"@alice,bob"`.
   * @param onMessage Called with each new message.
   * @returns The chat's last messages, oldest first.
   */
  async watch(
    chat: ChatAddress,
    onMessage: (message: ChatMessage) => void,
  ): Promise<ChatMessage[]> {
    const answer = await this.#conn.request({ op: "admin_watch", chat });
    // The server names the chat in its canonical form ("@alice,bob").
    this.#watchers.set(String(answer.chat), onMessage);
    return answer.messages as ChatMessage[];
  }

  /**
   * Stops watching a chat.
   *
   * @param chat The chat.
   */
  async unwatch(chat: ChatAddress): Promise<void> {
    await this.#conn.request({ op: "admin_unwatch", chat });
    this.#watchers.delete(chat);
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
