// Copyright 2026 the framewire authors. MIT license.
/**
 * {@linkcode connectWebChat}: a chat client over the server's WebSocket
 * endpoint, for a browser page (it runs in Deno too).
 *
 * @module
 */
import { ChatClient } from "../chat/chat_client.ts";
import type { ChatLoginOptions } from "../chat/chat_client_options.ts";
import type { ChatReconnectOptions } from "../chat/chat_reconnect.ts";
import { optionsObject } from "../internal/options.ts";
import { webSocketUrl } from "../transport/connect_websocket.ts";

/** Options for {@linkcode connectWebChat}. */
export interface WebChatOptions extends ChatLoginOptions {
  /**
   * The server's WebSocket endpoint: `ws://HOST:PORT/ws`, `wss://…/ws`, or
   * the page's own `new URL("/ws", location.href)` (`http:` and `https:`
   * mean `ws:` and `wss:`).
   */
  url: string | URL;
  /**
   * Reconnect after a lost connection, with backoff, and resume: chats are
   * opened again, commands that got no answer are sent again with the same
   * id (a message is stored once), messages already handed out are not
   * handed out again. `false` ends the client with the connection.
   *
   * @default {true}
   */
  reconnect?: boolean | ChatReconnectOptions;
  /**
   * With `reconnect`, keep trying on the first connect too (a page opened
   * while the server restarts), until `maxReconnectMs`.
   *
   * @default {false}
   */
  retry?: boolean;
  /**
   * Give up on one connect if the socket is not open within this many
   * milliseconds (without `reconnect`; with it, `reconnect.connectTimeoutMs`).
   *
   * @default {10000}
   */
  connectTimeoutMs?: number;
}

/**
 * Connects to a framewire chat server over WebSocket and logs in (the first
 * login of a name registers it). The client is the same
 * {@linkcode ChatClient} as over TCP: `send`, `openChat`, `nextEvent`,
 * `list`, rooms, `history`, `close`.
 *
 * @param options The endpoint, user, password and reconnect policy.
 * @returns The logged-in client.
 * @throws {ChatError} A refused login (`AUTH_FAILED`, `WEAK_PASSWORD`,
 * `INVALID_NAME`, …).
 * @throws {ChatUnreachableError} With `reconnect` (the default): the server
 * could not be reached or did not take the login.
 * @throws {TypeError} If the URL is not a `ws:`, `wss:`, `http:` or
 * `https:` URL, or an option has the wrong type.
 *
 * @example In a page served by the chat server
 * ```ts ignore
 * import { connectWebChat } from "@framewire/framewire/web";
 *
 * const chat = await connectWebChat({
 *   url: new URL("/ws", location.href),
 *   user: "alice",
 *   password: "correct horse",
 * });
 * await chat.openChat("@bob"); // delivers what waited, then live messages
 * await chat.send("@bob", "hello from the browser");
 * for await (const event of chat) {
 *   if (event.type === "message") console.log(event.message.from, event.message.text);
 *   if (event.type === "reconnecting") console.log("reconnecting…");
 * }
 * ```
 */
export async function connectWebChat(
  options: WebChatOptions,
): Promise<ChatClient> {
  const given = optionsObject(options, "Cannot connect web chat");
  return await ChatClient.connect({
    ...given,
    // Checked here, before any attempt: a wrong URL is no outage to retry.
    url: webSocketUrl(given.url).href,
    reconnect: given.reconnect ?? true,
  });
}
