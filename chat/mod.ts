// Copyright 2026 the framewire authors. MIT license.
/**
 * Chat on framewire: direct and group chat between named, password-protected
 * users, every message stored in SQLite before it is acknowledged, offline
 * delivery when the recipient opens the chat, and an admin console.
 *
 * - {@linkcode ChatServer}: the protocol module for a `FrameRouter`.
 * - {@linkcode ChatClient}: log in, send, open chats, read events.
 * - {@linkcode ChatAdminClient}: list chats and connections, watch a chat,
 *   send as `admin`.
 * - {@linkcode ChatStore}: the SQLite database, with group commit.
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
 *   chat.close();
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./messages.ts";
export * from "./passwords.ts";
export * from "./store.ts";
export * from "./chat_admin.ts";
export * from "./chat_server.ts";
export * from "./chat_client.ts";
export * from "./chat_admin_client.ts";
