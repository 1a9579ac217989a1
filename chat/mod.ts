// Copyright 2026 the framewire authors. MIT license.
/**
 * Chat on framewire: direct and group chat between named, password-protected
 * users, every message stored before it is acknowledged, offline delivery
 * when the recipient opens the chat, and an admin console.
 *
 * - {@linkcode ChatServer}: the protocol module for a `FrameRouter`.
 * - {@linkcode ChatClient}: log in, send, open chats, read events.
 * - {@linkcode ChatAdminClient}: list chats and connections, watch a chat,
 *   send as `admin`.
 * - {@linkcode ChatStore}: what the server needs from its database, all
 *   asynchronous; {@linkcode SqliteChatStore} implements it in one SQLite
 *   file, with group commit.
 * - {@linkcode ChatBus}: how committed messages and presence reach the
 *   sessions; {@linkcode InProcessChatBus} is the bus of one process. Chat
 *   servers that share a store and a bus act as one chat.
 * - {@linkcode ChatAdmin}: the operator's operations, local
 *   ({@linkcode ChatServer.prototype.admin}) or remote.
 *
 * Frames: ClientType (3) carries the login, Chat (0) carries JSON commands,
 * answers and pushes, Error (5) carries refusals with the command's `id`.
 * The wire format is specified in `docs/PROTOCOL.md`, section 15.
 *
 * @example Serve chat next to Ping
 * ```ts
 * import { FrameRouter, serve } from "@framewire/framewire";
 * import { ChatClient, ChatServer } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const chat = new ChatServer({ path: `${dir}/chat.db`, passwordIterations: 1000, logger: null });
 * const server = serve({ port: 0, logger: null }, new FrameRouter().use(chat));
 * try {
 *   await using alice = await ChatClient.connect({ port: server.port!, user: "alice", password: "password1" });
 *   assert.deepEqual(await alice.join("#general"), { created: true, members: ["alice"] });
 *   assert.equal((await alice.send("#general", "first!")).seq, 1);
 * } finally {
 *   await server.shutdown();
 *   await chat.close();
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./messages.ts";
export * from "./chat_store.ts";
export * from "./sqlite_chat_store.ts";
export * from "./chat_bus.ts";
export * from "./in_process_chat_bus.ts";
// Cluster mode: the NATS bus (its client is imported only when connecting).
export * from "./nats_chat_bus.ts";
export * from "./chat_admin.ts";
export * from "./chat_server_options.ts";
export * from "./chat_server.ts";
export * from "./chat_reconnect.ts";
export * from "./chat_client.ts";
export * from "./chat_client_options.ts";
export * from "./chat_admin_client.ts";
// Cluster mode: the PostgreSQL store (loads npm:postgres only when it connects).
export * from "./postgres_chat_store.ts";
