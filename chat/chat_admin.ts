// Copyright 2026 the framewire authors. MIT license.
/**
 * The operator's view of a chat server, the same whether it is reached on
 * the server's own terminal ({@linkcode ChatServer.prototype.admin}) or over
 * the network with the admin token ({@linkcode ChatAdminClient}).
 *
 * @module
 */
import type {
  ChatAck,
  ChatAddress,
  ChatAdminChatInfo,
  ChatAdminConnectionInfo,
  ChatMessage,
} from "./messages.ts";

/**
 * What the operator can do, on the server's own terminal (from
 * {@linkcode ChatServer.prototype.admin}) or remotely with the admin token
 * (`ChatAdminClient`).
 */
export interface ChatAdmin {
  /**
   * Every chat, most recently active first.
   *
   * @returns The chats.
   */
  chats(): Promise<ChatAdminChatInfo[]>;
  /**
   * Every connection of the server that the chat protocol has seen.
   *
   * @returns The connections, oldest first.
   */
  connections(): Promise<ChatAdminConnectionInfo[]>;
  /**
   * Starts watching a chat: its new messages go to `onMessage`.
   *
   * @param chat `"#room"` or `"@alice,bob"`.
   * @param onMessage Called with every new message of the chat.
   * @returns Its last messages, oldest first.
   */
  watch(
    chat: ChatAddress,
    onMessage: (message: ChatMessage) => void,
  ): Promise<ChatMessage[]>;
  /**
   * Stops watching a chat.
   *
   * @param chat The chat.
   */
  unwatch(chat: ChatAddress): Promise<void>;
  /**
   * Revokes a user (a lost device): drops every resume token, so no page
   * of theirs logs in again by reload, and closes the user's session, on
   * any node, with `SESSION_REVOKED`.
   *
   * @param user The user.
   * @returns How many tokens were dropped.
   * @throws {ChatError} `UNKNOWN_USER`, `INVALID_NAME`.
   */
  revoke(user: string): Promise<number>;
  /**
   * Sends a message into a chat as `admin`.
   *
   * @param chat `"#room"` or `"@alice,bob"`.
   * @param text The text.
   * @returns The acknowledgement.
   */
  send(chat: ChatAddress, text: string): Promise<ChatAck>;
}
