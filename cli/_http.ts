// Copyright 2026 the framewire authors. MIT license.
// The server program's HTTP side (`--http-port`): /healthz for a load
// balancer, /livez for a process supervisor, /metrics for Prometheus. One
// routing table, so that later endpoints (a WebSocket at /ws, a page at /)
// are one entry each. Only GET and HEAD; a bad request never reaches more
// than its own 4xx, and a failing route answers 500 instead of crashing.
import { type MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from "../mod.ts";

/** What `/healthz` asks; `ChatServer.health()` has this shape. */
export type HealthCheck = () => Promise<{
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, string>>;
}>;

/** Answers one path. */
export type HttpRoute = (
  request: Request,
  info: Deno.ServeHandlerInfo,
) => Response | Promise<Response>;

/** Options of {@linkcode serveHttp}. */
export interface HttpEndpointOptions {
  /** Address to bind. */
  readonly hostname: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Path → route, e.g. {@linkcode operationsRoutes}. */
  readonly routes: Readonly<Record<string, HttpRoute>>;
  /** Told about a route that threw (the client gets a 500). */
  readonly onError?: (error: unknown) => void;
  /** Serve HTTPS (and `wss:`) with this PEM certificate chain and key. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** A running HTTP endpoint. */
export interface HttpEndpoint {
  /** The bound address (the real port when 0 was asked). */
  readonly hostname: string;
  /** The bound port. */
  readonly port: number;
  /** `http://HOST:PORT` (`https:` with TLS), IPv6 hosts in brackets. */
  readonly url: string;
  /** Stops accepting, lets requests in flight finish, then closes. */
  shutdown(): Promise<void>;
}

const TEXT = "text/plain; charset=utf-8";

/**
 * The operations routes: `/healthz` (200 `ok` when `health()` says ready,
 * else 503 with one `check: reason` line per failing check), `/livez`
 * (200 while the process runs) and `/metrics` (the registry, Prometheus
 * text format 0.0.4).
 */
export function operationsRoutes(
  metrics: MetricsRegistry,
  health: HealthCheck,
): Record<string, HttpRoute> {
  return {
    "/healthz": async () => {
      const { ready, checks } = await health();
      if (ready) return text(200, "ok\n");
      const failing = Object.entries(checks)
        .filter(([, result]) => result !== "ok")
        .map(([name, result]) => `${name}: ${result}\n`);
      return text(503, failing.join("") || "not ready\n");
    },
    "/livez": () => text(200, "ok\n"),
    "/metrics": () =>
      new Response(metrics.render(), {
        headers: {
          "content-type": PROMETHEUS_CONTENT_TYPE,
          "cache-control": "no-store",
        },
      }),
  };
}

/**
 * Serves `routes` over HTTP/1.1 with `Deno.serve`; resolves once listening.
 *
 * @throws {Deno.errors.AddrInUse} If the port is taken.
 */
export async function serveHttp(
  options: HttpEndpointOptions,
): Promise<HttpEndpoint> {
  const { routes, onError } = options;
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    ...(options.tls === undefined ? {} : options.tls),
    onListen: (addr) => listening.resolve(addr as Deno.NetAddr),
    // Deno's own errors (a malformed request line, a reset mid-response):
    // answered if possible, never thrown.
    onError: (error) => {
      onError?.(error);
      return text(500, "internal error\n");
    },
  }, async (request, info) => {
    let path: string;
    try {
      path = new URL(request.url).pathname;
    } catch {
      return text(400, "bad request\n");
    }
    // An own property only: "/__proto__" or "/constructor" must be a 404.
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (route === undefined) return text(404, "not found\n");
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "method not allowed\n", { allow: "GET, HEAD" });
    }
    let response: Response;
    try {
      response = await route(request, info);
    } catch (error) {
      onError?.(error);
      return text(500, "internal error\n");
    }
    if (request.method === "HEAD") {
      await response.body?.cancel();
      return new Response(null, {
        status: response.status,
        headers: response.headers,
      });
    }
    return response;
  });
  const addr = await listening.promise;
  const host = addr.hostname.includes(":")
    ? `[${addr.hostname}]`
    : addr.hostname;
  return {
    hostname: addr.hostname,
    port: addr.port,
    url: `${
      options.tls === undefined ? "http" : "https"
    }://${host}:${addr.port}`,
    shutdown: () => server.shutdown(),
  };
}

function text(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(body, {
    status,
    headers: { "content-type": TEXT, "cache-control": "no-store", ...headers },
  });
}
