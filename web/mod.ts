// Copyright 2026 the framewire authors. MIT license.
/**
 * framewire in the browser: the chat client over the server's WebSocket
 * endpoint (`/ws`), and the frame transport beneath it. Every frame is one
 * binary WebSocket message holding the same bytes as on TCP, so the codec
 * and `FramedConn` run unchanged; nothing here touches `Deno.*` when
 * loaded, and the module bundles for the browser
 * (`npx esbuild --bundle --format=esm --platform=browser web/mod.ts`).
 *
 * - {@linkcode connectWebChat}: log in and chat, with the same
 *   {@linkcode ChatClient} API as over TCP, reconnecting with backoff.
 * - {@linkcode connectWebSocket}: a `FramedConn` over a WebSocket, for
 *   protocols of your own.
 *
 * @example Log in and send
 * ```ts ignore
 * import { connectWebChat } from "@framewire/framewire/web";
 *
 * const chat = await connectWebChat({ url: new URL("/ws", location.href), user: "alice", password: "password1" });
 * await chat.send("@bob", "hi");
 * ```
 *
 * @module
 */
export * from "./web_chat.ts";
export { ChatClient, type ChatEvent } from "../chat/chat_client.ts";
export type {
  ChatClientOptions,
  ChatHistoryOptions,
  ChatHistoryPage,
  ChatLoginOptions,
  ChatSendOptions,
} from "../chat/chat_client_options.ts";
export {
  ChatError,
  ChatErrorCode,
  type ChatErrorCodeValue,
} from "../chat/errors.ts";
export {
  type ChatReconnectEvent,
  type ChatReconnectOptions,
  ChatUnreachableError,
} from "../chat/chat_reconnect.ts";
export {
  type ChatAck,
  type ChatAddress,
  type ChatListEntry,
  type ChatMemberInfo,
  type ChatMessage,
  type ChatWelcome,
  NAME_PATTERN,
} from "../chat/messages.ts";
export {
  connectWebSocket,
  type WebSocketConnectOptions,
  webSocketUrl,
} from "../transport/connect_websocket.ts";
export {
  WebSocketCloseCode,
  WebSocketConn,
  type WebSocketConnOptions,
  WebSocketMessageError,
} from "../transport/websocket_conn.ts";
export { FramedConn } from "../transport/framed_conn.ts";
export { type Frame, FrameType } from "../codec/frame.ts";
