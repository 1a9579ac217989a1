// Copyright 2026 the framewire authors. MIT license.
/**
 * The framewire server: many clients in one process, no threads.
 *
 * {@linkcode serve} checks its options ({@linkcode resolveServeOptions}),
 * opens the listener and returns a {@linkcode Server}, which owns four
 * things, in this order below: the accept loop (with eviction and the
 * per-host limits), the registry of served connections, one sweep for every
 * timeout, and the shutdown. What happens on one connection lives in
 * `_served_connection.ts`, its clocks in `_liveness.ts`, turning clients
 * away in `_refusal.ts`, the per-host tables in `_host_limits.ts`, and
 * opening listeners in `_listeners.ts`.
 *
 * @module
 */
import { FrameType } from "../codec/frame.ts";
import type { ResolvedFrameCodecOptions } from "../codec/options.ts";
import { optionalNumberOption, optionsObject } from "../internal/options.ts";
import {
  closeListener,
  formatListenAddr,
  formatRemoteAddr,
  openListener,
  setNoDelay,
} from "./_listeners.ts";
import { hostKey, HostLimits } from "./_host_limits.ts";
import { type LivenessLimits, sweepPeriodMs } from "./_liveness.ts";
import { SniffingConn } from "./_protocol_sniff.ts";
import { Refusals } from "./_refusal.ts";
import { ServerCounters } from "./_server_counters.ts";
import {
  ServedConnection,
  type ServedConnectionContext,
} from "./_served_connection.ts";
import {
  type ByteConn,
  FramedConn,
  type ResolvedFramedConnOptions,
  resolveFramedConnOptions,
} from "./framed_conn.ts";
import {
  type FrameHandler,
  FrameRouter,
  type ServerHandler,
} from "./frame_router.ts";
import type { Logger } from "./log.ts";
import { ErrorCode } from "./protocol_errors.ts";
import {
  type ResolvedServeOptions,
  resolveServeOptions,
  type ServeOptions,
  type ShutdownOptions,
} from "./serve_options.ts";
import type {
  ConnectionInfo,
  ServerConnection,
  ServerTransport,
} from "./server_connection.ts";
import { registerServerMetrics, type ServerTotals } from "./server_metrics.ts";

// A failing accept (out of file descriptors) would otherwise spin.
const ACCEPT_RETRY_DELAY_MS = 100;
// The sweep runs every eighth of the shortest timeout, within these bounds.
const SWEEP_MIN_MS = 5;
const SWEEP_MAX_MS = 1000;

/**
 * A running server; returned by {@linkcode serve}.
 */
export class Server implements AsyncDisposable {
  /** The bound address; for TCP `addr.port` is the real port when 0 was asked. */
  readonly addr: Deno.Addr;
  /** How clients connect. */
  readonly transport: ServerTransport;
  #listener: Deno.Listener;
  #options: ResolvedServeOptions;
  #log: Logger;
  #connOptions: ResolvedFramedConnOptions;
  #context: ServedConnectionContext;
  #connections = new Map<number, ServedConnection>();
  // Connections that have not completed a frame yet, oldest first: the ones
  // a newcomer may evict when the server is full.
  #unproven = new Set<ServedConnection>();
  // Evicted connections still saying goodbye: they no longer take a slot.
  #evicted = new Set<number>();
  #hosts: HostLimits;
  #hostOf = new Map<number, string | undefined>();
  #nextId = 1;
  #refusals: Refusals;
  #counters = new ServerCounters();
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #acceptLoop: Promise<void>;
  #shuttingDown = false;
  #shutdown: Promise<void> | undefined;
  #finished = Promise.withResolvers<void>();
  #onAbort = () => void this.shutdown();

  /**
   * Use {@linkcode serve} to start a server.
   *
   * @param listener The bound listener; the server closes it.
   * @param options Resolved options ({@linkcode resolveServeOptions}).
   * @param handler The application handler, already checked by `serve()`.
   */
  constructor(
    listener: Deno.Listener,
    options: ResolvedServeOptions,
    handler: ServerHandler,
  ) {
    this.#listener = listener;
    this.addr = listener.addr;
    this.transport = options.listen.transport;
    this.#options = options;
    this.#log = options.logger;
    const frameTypes = handler.frameTypes === undefined
      ? undefined
      : new Set(handler.frameTypes);
    // Resolved here, once: each connection then shares these objects (and
    // its decoder the table of accepted types) instead of building its own.
    this.#connOptions = resolveFramedConnOptions({
      ...options.conn,
      // The server answers Ping, takes the Pongs to its heartbeat, records
      // ClientType and logs Error frames itself; anything else the handler
      // does not list is refused from its header, before the payload is read.
      acceptTypes: frameTypes === undefined ? undefined : [
        ...frameTypes,
        FrameType.Ping,
        FrameType.Pong,
        FrameType.ClientType,
        FrameType.Error,
      ],
    });
    this.#context = {
      handler,
      passClientType: frameTypes === undefined ||
        frameTypes.has(FrameType.ClientType),
      sendOptions: options.send,
      maxQueuedBytes: options.maxQueuedBytes,
      lingerMs: options.lingerMs,
      log: this.#log,
      isShuttingDown: () => this.#shuttingDown,
      onClosed: (conn) => this.#closed(conn),
      limits: this.#limits(options),
      headerLength: options.conn.receiveCodec.headerLength,
      onFirstFrame: (conn) => this.#unproven.delete(conn),
    };
    this.#hosts = new HostLimits(options);
    this.#refusals = new Refusals({
      transport: this.transport,
      maxConnections: options.maxConnections,
      maxLingering: options.maxLingeringRefusals,
      lingerMs: options.lingerMs,
      connOptions: this.#connOptions,
      sendOptions: options.send,
      log: this.#log,
    });
    // One sweep per server checks every timeout; no timer per connection.
    const periodMs = sweepPeriodMs(
      this.#context.limits,
      SWEEP_MIN_MS,
      SWEEP_MAX_MS,
    );
    if (periodMs !== undefined || this.#hosts.enabled) {
      this.#sweepTimer = setInterval(
        () => this.#sweep(),
        periodMs ?? SWEEP_MAX_MS,
      );
    }
    if (options.metrics !== undefined) {
      registerServerMetrics(options.metrics, this);
    }
    options.signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#acceptLoop = this.#accept();
    if (options.signal?.aborted) void this.shutdown();
  }

  /**
   * Where the server listens, as a URL-like string: `tcp://127.0.0.1:9000`,
   * `tls://127.0.0.1:9443`, `unix:///run/framewire.sock`.
   */
  get address(): string {
    return formatListenAddr(this.transport, this.addr);
  }

  /** The TCP port (also for TLS); `undefined` on a Unix socket. */
  get port(): number | undefined {
    return this.addr.transport === "tcp" ? this.addr.port : undefined;
  }

  /**
   * Frame layout and limit of what clients send, for a transport handed to
   * {@linkcode Server.prototype.adopt} that finds frame boundaries itself.
   */
  get receiveCodec(): ResolvedFrameCodecOptions {
    return this.#connOptions.receiveCodec;
  }

  /** Number of clients being served. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Counters since the server started: connections accepted, refused (by
   * code), evicted and closed (by reason), frames and bytes in and out.
   * Costs one pass over the open connections; nothing is counted per frame.
   *
   * @returns A snapshot; see {@linkcode ServerTotals}.
   */
  totals(): ServerTotals {
    return this.#counters.totals(
      this.#connections.values(),
      this.#connections.size,
    );
  }

  /** Resolves once the server has shut down and every connection is closed. */
  get finished(): Promise<void> {
    return this.#finished.promise;
  }

  // --- The accept loop ---------------------------------------------------

  async #accept(): Promise<void> {
    while (!this.#shuttingDown) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#shuttingDown || error instanceof Deno.errors.BadResource) {
          return;
        }
        this.#log({
          level: "error",
          event: "accept_failed",
          message: `Cannot accept: ${(error as Error).message}`,
        });
        await new Promise((resolve) =>
          setTimeout(resolve, ACCEPT_RETRY_DELAY_MS)
        );
        continue;
      }
      if (this.#shuttingDown) {
        conn.close();
        return;
      }
      if (this.#options.noDelay) setNoDelay(conn);
      this.#serveConn(conn, conn.remoteAddr, this.transport);
    }
  }

  /**
   * Serves a connection that arrived some other way than this server's
   * listener, exactly like an accepted one (limits, registry, heartbeats,
   * handler): the WebSocket gateway hands each upgraded socket over here,
   * wrapped in a `WebSocketConn`.
   *
   * @param conn The byte stream; the server owns and closes it.
   * @param from How it came (`transport` in the registry) and the peer's
   * address (for the per-host limits and logs).
   */
  adopt(
    conn: ByteConn,
    from: { transport: ServerTransport; remoteAddr: Deno.Addr },
  ): void {
    if (this.#shuttingDown) {
      conn.close();
      return;
    }
    this.#serveConn(conn, from.remoteAddr, from.transport);
  }

  #serveConn(
    conn: ByteConn,
    remoteAddr: Deno.Addr,
    transport: ServerTransport,
  ): void {
    const remoteAddress = formatRemoteAddr(remoteAddr);
    const host = hostKey(remoteAddr);
    const refusal = this.#hosts.admit(host, performance.now());
    if (refusal !== undefined) {
      this.#counters.refused(refusal.code);
      this.#refusals.refuse(conn, remoteAddress, refusal.code, refusal.message);
      return;
    }
    if (
      this.#connections.size - this.#evicted.size >=
        this.#options.maxConnections && !this.#evictOne()
    ) {
      this.#hosts.release(host);
      this.#counters.refused(ErrorCode.ServerFull);
      this.#refusals.refuse(conn, remoteAddress);
      return;
    }
    let framed: FramedConn<SniffingConn<ByteConn>>;
    try {
      framed = new FramedConn(new SniffingConn(conn), this.#connOptions);
    } catch (error) {
      this.#hosts.release(host);
      conn.close();
      throw error;
    }
    const served = new ServedConnection(
      this.#nextId++,
      transport,
      remoteAddress,
      framed,
      this.#context,
    );
    this.#connections.set(served.id, served);
    this.#counters.accepted++;
    this.#unproven.add(served);
    if (host !== undefined && this.#hosts.enabled) {
      this.#hostOf.set(served.id, host);
    }
    this.#log({
      level: "info",
      event: "connection_open",
      message: `Accepted ${transport} connection`,
      connectionId: served.id,
      remoteAddress,
    });
    served.run();
  }

  /**
   * Makes room for a newcomer: closes the oldest connection that has never
   * completed a frame (a half-sent header holds a slot for free). Evicted
   * connections leave the count at once; their goodbye lingers like a
   * refusal, and beyond `maxLingeringRefusals` of them they are cut at once.
   *
   * @returns Whether one was evicted.
   */
  #evictOne(): boolean {
    for (const victim of this.#unproven) {
      this.#unproven.delete(victim);
      if (victim.closed) continue;
      const ageMs = Date.now() - victim.connectedAtMs;
      const message =
        `Closing: the server is full and this connection sent no complete frame in ${ageMs} ms`;
      this.#log({
        level: "warn",
        event: "evicted",
        code: ErrorCode.Evicted,
        message,
        connectionId: victim.id,
        remoteAddress: victim.remoteAddress,
      });
      this.#evicted.add(victim.id);
      this.#counters.evicted++;
      if (this.#evicted.size <= this.#options.maxLingeringRefusals) {
        victim.terminate(ErrorCode.Evicted, ErrorCode.Evicted, message);
      } else {
        victim.abort(ErrorCode.Evicted);
      }
      return true;
    }
    return false;
  }

  #closed(conn: ServedConnection): void {
    this.#connections.delete(conn.id);
    this.#counters.closed(conn);
    this.#unproven.delete(conn);
    this.#evicted.delete(conn.id);
    if (this.#hostOf.size > 0) {
      this.#hosts.release(this.#hostOf.get(conn.id));
      this.#hostOf.delete(conn.id);
    }
  }

  #limits(options: ResolvedServeOptions): LivenessLimits {
    return {
      idleTimeoutMs: options.idleTimeoutMs,
      sendTimeoutMs: options.sendTimeoutMs,
      heartbeatMs: options.heartbeatMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      frameStallMs: options.frameStallMs,
      firstFrameTimeoutMs: options.firstFrameTimeoutMs,
    };
  }

  // --- The registry ------------------------------------------------------

  /**
   * The registry: a snapshot of every connection being served.
   *
   * @returns One {@linkcode ConnectionInfo} per client, oldest first.
   */
  connections(): ConnectionInfo[] {
    const list: ConnectionInfo[] = [];
    for (const conn of this.#connections.values()) list.push(conn.info());
    return list;
  }

  /**
   * Finds a live connection, to push to it or close it.
   *
   * @param id Its id, from {@linkcode Server.prototype.connections}.
   * @returns The connection, or `undefined` if it has closed.
   */
  connection(id: number): ServerConnection | undefined {
    return this.#connections.get(id);
  }

  // --- The sweep: every timeout, every client ----------------------------

  #sweep(): void {
    const now = performance.now();
    for (const conn of this.#connections.values()) conn.checkLiveness(now);
    this.#hosts.prune(now);
  }

  // --- Shutdown ----------------------------------------------------------

  /**
   * Graceful shutdown: stop accepting; close idle clients at once (with a
   * `SHUTTING_DOWN` Error frame); let clients in the middle of a request
   * finish the frames already read and get their replies, then close them
   * the same way; after `timeoutMs`, close whatever is left. Calling it
   * again returns the same promise.
   *
   * @param options The deadline.
   * @returns Resolves once every connection is closed.
   * @throws {TypeError} If `timeoutMs` is not a number (on the first call).
   * @throws {RangeError} If `timeoutMs` is negative or not finite.
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    this.#shutdown ??= this.#stop(
      optionalNumberOption(
        "timeoutMs",
        optionsObject(options, "Cannot shut down").timeoutMs,
        { fractional: true },
      ) ?? this.#options.shutdownTimeoutMs,
    );
    return this.#shutdown;
  }

  /** Shuts down; see {@linkcode Server.prototype.shutdown}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  async #stop(timeoutMs: number): Promise<void> {
    this.#shuttingDown = true;
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    this.#log({
      level: "info",
      event: "shutdown",
      message:
        `Shutting down: ${this.#connections.size} connections, ${timeoutMs} ms for in-flight requests`,
    });
    try {
      // Also removes a Unix socket's file, so the path can be bound again.
      closeListener(this.#listener);
    } catch {
      // Nothing more to do: the accept loop ends either way.
    }
    clearInterval(this.#sweepTimer);
    for (const conn of this.#connections.values()) {
      if (!conn.busy) {
        conn.terminate(
          ErrorCode.ShuttingDown,
          ErrorCode.ShuttingDown,
          "Closing: the server is shutting down",
        );
      }
    }
    const deadline = setTimeout(() => {
      for (const conn of this.#connections.values()) {
        conn.abort(ErrorCode.ShuttingDown);
      }
      this.#refusals.closeAll();
    }, timeoutMs);
    try {
      await this.#acceptLoop;
      while (this.#connections.size > 0 || this.#refusals.size > 0) {
        await Promise.all([
          ...[...this.#connections.values()].map((conn) => conn.done),
          this.#refusals.settled(),
        ]);
      }
    } finally {
      clearTimeout(deadline);
      this.#finished.resolve();
    }
  }
}

/**
 * Starts a server and returns at once; clients are served concurrently by
 * the event loop (each connection is a loop that waits for its socket to be
 * readable; no threads, no polling).
 *
 * For every client the server:
 * - answers each Ping (2) with a Pong (4) carrying the same payload, at any
 *   time, also before any ClientType frame;
 * - records ClientType (3) frames in the registry
 *   ({@linkcode Server.prototype.connections});
 * - sends a Ping (2) of its own to a client silent for `heartbeatMs` and
 *   takes the Pong (4) that answers it (Pongs never reach the handler);
 *   closes a client that does not answer, that stops in the middle of a
 *   frame, or that completes no frame soon after connecting (see
 *   {@linkcode ServeOptions}; one sweep per server drives every timeout);
 * - when `maxConnections` clients are connected, evicts the oldest one
 *   that has never completed a frame to make room for a newcomer
 *   (`EVICTED`), and refuses the newcomer (`SERVER_FULL`) only when every
 *   client has completed one;
 * - hands every other frame to the handler, one at a time and in arrival
 *   order, and writes the replies in that order (**pipelining rule**: the
 *   n-th reply answers the n-th request). All frames one read brings are
 *   handled before the next read, so pipelined requests never sit in a
 *   buffer while the server waits for data;
 * - answers a bad frame (oversized length, unknown type, another protocol
 *   such as HTTP or TLS) with an Error frame `{code, message}` and closes
 *   that client only; see {@linkcode ErrorCode}.
 *
 * **Slow-reader policy.** Each client's outbound queue holds at most
 * `maxQueuedBytes`. Replies returned by the handler wait for room, and
 * the server reads nothing more from that client while they wait, so a
 * client that sends requests without reading replies is slowed down by TCP
 * (the producer waits). Pushes through {@linkcode ServerConnection.send}
 * never wait: a push that would exceed the limit is refused and the client
 * is closed (`SLOW_READER`), so a broadcast is never held up by one stalled
 * client. Either way a client costs at most about `maxQueuedBytes` plus one
 * frame of server memory.
 *
 * @param options Where to listen and the limits; see {@linkcode ServeOptions}.
 * @param handler The application: a {@linkcode ServerHandler} (such as a
 * {@linkcode FrameRouter}) or a plain function of `(frame, conn)`. Without
 * one, only Ping and ClientType are served and any other frame type is
 * refused.
 * @returns The running server.
 * @throws {TypeError} If an option has the wrong type or they conflict.
 * @throws {RangeError} If a limit is out of range.
 * @throws {Deno.errors.AddrInUse} If the address is taken.
 *
 * @example An echo server for frame type 200
 * ```ts
 * import { connect, FrameType, serve } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * await using server = serve({ port: 0, logger: null }, {
 *   frameTypes: [200],
 *   onFrame: (frame) => ({ type: 201, payload: frame.payload }),
 * });
 * using client = await connect({ port: server.port! });
 * const reply = await client.request({ type: 200, payload: new Uint8Array([42]) });
 * assert.equal(reply.type, 201);
 * const pong = await client.request({ type: FrameType.Ping, payload: new Uint8Array([1]) });
 * assert.equal(pong.type, FrameType.Pong);
 * ```
 */
export function serve(
  options: ServeOptions = {},
  handler?: ServerHandler | FrameHandler,
): Server {
  const resolved = resolveServeOptions(options);
  const app = resolveHandler(handler);
  app.onServe?.({
    maxFrameLength: resolved.maxFrameLength,
    maxSendFrameLength: resolved.maxSendFrameLength,
  });
  const listener = openListener(resolved.listen);
  try {
    return new Server(listener, resolved, app);
  } catch (error) {
    closeListener(listener);
    throw error;
  }
}

/** The handler argument of `serve()` as a checked {@linkcode ServerHandler}. */
function resolveHandler(
  handler: ServerHandler | FrameHandler | undefined,
): ServerHandler {
  const resolved: ServerHandler = handler === undefined
    ? new FrameRouter()
    : typeof handler === "function"
    ? { onFrame: handler }
    : handler;
  if (typeof resolved.onFrame !== "function") {
    throw new TypeError("Cannot serve: the handler has no onFrame function");
  }
  if (resolved.frameTypes !== undefined) {
    for (const type of resolved.frameTypes) {
      if (!Number.isInteger(type) || type < 0 || type > 255) {
        throw new RangeError(
          `Cannot serve frame type ${
            String(type)
          }: expected an integer from 0 to 255`,
        );
      }
    }
  }
  return resolved;
}
