// Copyright 2026 the framewire authors. MIT license.
/**
 * The WebSocket gateway: an HTTP handler for `Deno.serve` that upgrades a
 * request to a WebSocket and hands it to a running framewire
 * {@linkcode Server}, which serves it like any TCP client (one server
 * core, two transports). See `docs/PROTOCOL.md`, "Frames over WebSocket".
 *
 * @module
 */
import { describe } from "../internal/describe.ts";
import { optionsObject } from "../internal/options.ts";
import type { Server } from "./server.ts";
import { WebSocketConn } from "./websocket_conn.ts";

/** Options for {@linkcode webSocketGateway}. */
export interface WebSocketGatewayOptions {
  /**
   * Origins allowed besides the page's own (the request's `Host` on the
   * same scheme), exactly as browsers send them: `"https://chat.example"`;
   * `"*"` allows any. A request from another origin gets a 403, so a page
   * elsewhere cannot use a visitor's browser to reach the server. A request
   * without `Origin` (not a browser) is allowed.
   *
   * @default {[]}
   */
  allowOrigins?: readonly string[];
  /**
   * Whether the HTTP side runs over TLS: the same-origin check then expects
   * `https:`, and the registry shows `wss` instead of `ws`.
   *
   * @default {false}
   */
  secure?: boolean;
  /**
   * A send waits while the socket buffers more than this many bytes; see
   * {@linkcode WebSocketConn}.
   *
   * @default {1048576}
   */
  maxBufferedBytes?: number;
}

/** An HTTP handler, in the shape `Deno.serve` calls it. */
export type WebSocketGatewayHandler = (
  request: Request,
  info: Deno.ServeHandlerInfo,
) => Response;

/**
 * Makes the handler of a WebSocket endpoint (`/ws`) for `server`:
 * - a request that is not a WebSocket upgrade gets a 426, a malformed
 *   upgrade (no `Sec-WebSocket-Key`) a 400;
 * - one whose `Origin` is neither the page's own nor allowed gets a 403;
 * - otherwise the socket is upgraded and served by `server`, its frames one
 *   per binary message, with every limit, timeout and handler of a TCP
 *   client (`server.connections()` shows `ws` or `wss`).
 *
 * @param server The running server that serves the sockets.
 * @param options Allowed origins, TLS, buffering.
 * @returns The handler; route your WebSocket path to it.
 * @throws {TypeError} If an option has the wrong type.
 *
 * @example Serve frames over TCP and over WebSocket
 * ```ts
 * import { connectWebSocket, FrameType, serve, webSocketGateway } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * await using server = serve({ port: 0, logger: null });
 * const gateway = webSocketGateway(server);
 * await using http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, gateway);
 * using conn = await connectWebSocket({ url: `ws://127.0.0.1:${http.addr.port}/ws` });
 * const pong = await conn.request({ type: FrameType.Ping, payload: new Uint8Array([7]) });
 * assert.deepEqual(pong.payload, new Uint8Array([7]));
 * assert.equal(server.connections()[0].transport, "ws");
 * conn.close();
 * ```
 */
export function webSocketGateway(
  server: Server,
  options: WebSocketGatewayOptions = {},
): WebSocketGatewayHandler {
  const raw = optionsObject(options, "Cannot make WebSocket gateway");
  const allowOrigins = raw.allowOrigins ?? [];
  if (
    !Array.isArray(allowOrigins) ||
    !allowOrigins.every((origin) => typeof origin === "string")
  ) {
    throw new TypeError(
      `Cannot use allowOrigins ${
        describe(allowOrigins)
      }: expected an array of origins such as "https://chat.example"`,
    );
  }
  const anyOrigin = allowOrigins.includes("*");
  const allowed = new Set(allowOrigins.map((origin) => origin.toLowerCase()));
  const secure = raw.secure === true;
  const scheme = secure ? "https:" : "http:";
  const connOptions = {
    ...server.receiveCodec,
    maxBufferedBytes: raw.maxBufferedBytes,
  };
  return (request, info) => {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return text(426, "expected a WebSocket upgrade\n", {
        upgrade: "websocket",
      });
    }
    const origin = request.headers.get("origin");
    if (
      origin !== null && !anyOrigin &&
      !allowed.has(origin.toLowerCase()) &&
      !sameOrigin(origin, scheme, request.headers.get("host"))
    ) {
      return text(403, "origin not allowed\n");
    }
    // Read before the upgrade: the request is gone after it.
    const remoteAddr = info.remoteAddr;
    // Deno's own ping is off: the server's heartbeat (a framewire Ping)
    // watches this client as it watches TCP ones.
    let upgraded: { socket: WebSocket; response: Response };
    try {
      upgraded = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
    } catch {
      // No Sec-WebSocket-Key, a wrong version: the client's mistake.
      return text(400, "bad WebSocket upgrade\n");
    }
    const { socket, response } = upgraded;
    server.adopt(new WebSocketConn(socket, connOptions), {
      transport: secure ? "wss" : "ws",
      remoteAddr,
    });
    return response;
  };
}

/** Whether `origin` is the page's own: same scheme, same host and port. */
function sameOrigin(
  origin: string,
  scheme: string,
  host: string | null,
): boolean {
  if (host === null) return false;
  try {
    const url = new URL(origin);
    return url.protocol === scheme &&
      url.host === new URL(`${scheme}//${host}`).host;
  } catch {
    return false;
  }
}

function text(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(body, {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
      ...headers,
    },
  });
}
