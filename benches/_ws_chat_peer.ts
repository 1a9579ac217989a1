// Copyright 2026 the framewire authors. MIT license.
// The server side of ws_chat.ts, in a Worker (a core of its own, as a
// separate program would have): one chat server, reached both over TCP and
// through the WebSocket gateway on an HTTP port. Posts both ports.
import { FrameRouter, serve, webSocketGateway } from "../mod.ts";
import { ChatServer } from "../chat/mod.ts";

/** The start message. */
export interface WsChatPeerStart {
  path: string;
}

/** The answer: where to connect. */
export interface WsChatPeerPorts {
  tcpPort: number;
  httpPort: number;
}

declare const self: Worker & { close(): void };

self.onmessage = (event: MessageEvent<WsChatPeerStart>) => {
  const chat = new ChatServer({
    path: event.data.path,
    // The transports are compared, not the disk: no fsync per ack batch.
    synchronous: "NORMAL",
    passwordIterations: 1000,
    messageRateLimit: 0,
    logger: null,
  });
  const server = serve(
    { hostname: "127.0.0.1", port: 0, logger: null },
    new FrameRouter().use(chat),
  );
  const gateway = webSocketGateway(server);
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request, info) => {
      if (new URL(request.url).pathname !== "/echo") {
        return gateway(request, info);
      }
      // The platform's own cost per message: a bare echo, no framewire.
      const { socket, response } = Deno.upgradeWebSocket(request, {
        idleTimeout: 0,
      });
      socket.binaryType = "arraybuffer";
      socket.onmessage = (event) => socket.send(event.data as ArrayBuffer);
      return response;
    },
  );
  self.postMessage(
    {
      tcpPort: server.port!,
      httpPort: http.addr.port,
    } satisfies WsChatPeerPorts,
  );
};
