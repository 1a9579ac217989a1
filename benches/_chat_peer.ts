// Copyright 2026 the framewire authors. MIT license.
// The server side of chat_bench.ts, run in a Worker so that the server and
// the clients each get a core, as separate programs would. On a start
// message it serves chat (with its database at `path` and the given
// `synchronous` level) until the worker is terminated, and posts the port.
import { FrameRouter, serve } from "../mod.ts";
import { ChatServer } from "../chat/mod.ts";

/** The start message. */
export interface ChatPeerStart {
  path: string;
  synchronous: "FULL" | "NORMAL";
  /** The server's option; unset is its default. */
  messageRateLimit?: number;
}

declare const self: Worker & { close(): void };

self.onmessage = (event: MessageEvent<ChatPeerStart>) => {
  const chat = new ChatServer({
    path: event.data.path,
    synchronous: event.data.synchronous,
    // Logins are not what is measured.
    passwordIterations: 1000,
    // The room scenario logs 100 members in at once: queue them all.
    maxQueuedHashes: 1000,
    messageRateLimit: event.data.messageRateLimit,
    logger: null,
  });
  const server = serve(
    { hostname: "127.0.0.1", port: 0, logger: null },
    new FrameRouter().use(chat),
  );
  self.postMessage(server.port);
};
