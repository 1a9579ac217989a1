// Copyright 2026 the framewire authors. MIT license.
/**
 * The framewire server: many clients in one process, no threads.
 *
 * @module
 */
import { encodeFrame } from "../codec/encode.ts";
import { FrameType } from "../codec/frame.ts";
import { resolveFrameCodecOptions } from "../codec/options.ts";
import { SniffingConn } from "./_protocol_sniff.ts";
import {
  ServedConnection,
  type ServedConnectionContext,
} from "./_served_connection.ts";
import {
  type ByteConn,
  FramedConn,
  type FramedConnOptions,
} from "./framed_conn.ts";
import {
  type FrameHandler,
  FrameRouter,
  type ServerHandler,
} from "./frame_router.ts";
import { ErrorCode, errorFrame } from "./protocol_errors.ts";
import { defaultLogger, type LogEvent, type Logger } from "./log.ts";
import type {
  ConnectionInfo,
  ServerConnection,
  ServerTransport,
} from "./server_connection.ts";

/** Certificate and key for a TLS server, as PEM text or file paths. */
export interface ServeTlsOptions {
  /** Certificate chain, PEM text. Give this or `certFile`. */
  cert?: string;
  /** Private key, PEM text. Give this or `keyFile`. */
  key?: string;
  /** Path of the PEM certificate chain, read once at start. */
  certFile?: string;
  /** Path of the PEM private key, read once at start. */
  keyFile?: string;
}

/** Options for {@linkcode serve}. */
export interface ServeOptions extends Omit<FramedConnOptions, "acceptTypes"> {
  /**
   * Address to bind for TCP and TLS. The default accepts local clients only.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * TCP port; `0` picks a free one, reported by
   * {@linkcode Server.prototype.addr}.
   *
   * @default {0}
   */
  port?: number;
  /** Listen on this Unix socket path instead of TCP. */
  path?: string;
  /** Serve TLS (via `Deno.listenTls`) with this certificate and key. */
  tls?: ServeTlsOptions;
  /**
   * Most clients served at once. The next one gets a `SERVER_FULL` Error
   * frame and is closed.
   *
   * @default {4096}
   */
  maxConnections?: number;
  /**
   * Largest payload accepted from a client, in bytes; a larger declared
   * length gets a `FRAME_TOO_LARGE` Error frame and a close. Lower than the
   * codec's default: thousands of clients times 16 MiB is not a safe default.
   *
   * @default {1048576} (1 MiB)
   */
  maxFrameLength?: number;
  /**
   * Most bytes queued for one client. Replies wait for room; pushes beyond
   * it close the client with `SLOW_READER` (see {@linkcode serve}).
   *
   * @default {1048576} (1 MiB)
   */
  maxQueuedBytes?: number;
  /**
   * Close a client (`IDLE_TIMEOUT` Error frame) after this many milliseconds
   * without a byte from it. Checked by one sweep per server every quarter of
   * the timeout (at most every second), so a close comes up to 25% late.
   *
   * @default {undefined} (no idle timeout)
   */
  idleTimeoutMs?: number;
  /**
   * Close a client (`SLOW_READER`, logged only: no Error frame could reach
   * it) when its outbound queue has bytes waiting and the socket took none
   * of them for this many milliseconds: a client that never reads its
   * replies would otherwise hold its slot forever. Checked by the same sweep
   * as `idleTimeoutMs` (every quarter of the shorter timeout, at most every
   * second), so a close comes up to 25% late. `Infinity` turns it off.
   *
   * @default {30000}
   */
  sendTimeoutMs?: number;
  /**
   * On shutdown, how long in-flight requests may run before every
   * connection is closed regardless, in milliseconds.
   *
   * @default {10000}
   */
  shutdownTimeoutMs?: number;
  /**
   * After sending a closing Error frame, how long to wait for the peer to
   * hang up before closing anyway, in milliseconds. Closing at once could
   * make the kernel reset the connection and destroy the Error frame.
   *
   * @default {1000}
   */
  lingerMs?: number;
  /**
   * Most `SERVER_FULL` refusals kept open for `lingerMs` at once. Each holds
   * a file descriptor, so a flood of connections beyond `maxConnections`
   * could otherwise exhaust them. Beyond this many, a refused client gets a
   * best-effort write of the Error frame and is closed at once (on TLS,
   * closed without it: the handshake could stall), so it may see a reset
   * instead. `0` never lingers.
   *
   * @default {64}
   */
  maxLingeringRefusals?: number;
  /**
   * Starts a graceful shutdown when aborted; see
   * {@linkcode Server.prototype.shutdown}.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * Receives log events. `null` silences the server.
   *
   * @default {undefined} (`warn` and `error` events to `console.error`)
   */
  logger?: Logger | null;
  /**
   * Disable Nagle's algorithm on TCP connections: framewire coalesces small
   * frames itself, so waiting in the kernel only adds latency.
   *
   * @default {true}
   */
  noDelay?: boolean;
}

/** Options for {@linkcode Server.prototype.shutdown}. */
export interface ShutdownOptions {
  /**
   * How long in-flight requests may run, in milliseconds.
   *
   * @default {the server's `shutdownTimeoutMs`}
   */
  timeoutMs?: number;
}

const DEFAULT_MAX_CONNECTIONS = 4096;
const DEFAULT_SERVER_MAX_FRAME_LENGTH = 1024 * 1024;
const DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
const DEFAULT_LINGER_MS = 1_000;
const DEFAULT_SEND_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_LINGERING_REFUSALS = 64;
// A stand-in byte stream, only used to validate connection options.
const UNCONNECTED: ByteConn = {
  read: () => Promise.resolve(null),
  write: (bytes) => Promise.resolve(bytes.length),
  close: () => {},
};
// A failing accept (out of file descriptors) would otherwise spin.
const ACCEPT_RETRY_DELAY_MS = 100;

/**
 * A running server; returned by {@linkcode serve}.
 */
export class Server implements AsyncDisposable {
  /** The bound address; for TCP `addr.port` is the real port when 0 was asked. */
  readonly addr: Deno.Addr;
  /** How clients connect. */
  readonly transport: ServerTransport;
  #listener: Deno.Listener;
  #connections = new Map<number, ServedConnection>();
  // SERVER_FULL refusals lingering for the client to hang up; the shutdown
  // deadline closes them like connections.
  #refusals = new Map<Promise<void>, FramedConn>();
  #nextId = 1;
  #handler: ServerHandler;
  #connOptions: FramedConnOptions;
  #maxConnections: number;
  #idleTimeoutMs: number | undefined;
  #shutdownTimeoutMs: number;
  #lingerMs: number;
  #maxLingeringRefusals: number;
  #sendTimeoutMs: number;
  #noDelay: boolean;
  #log: Logger;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #acceptLoop: Promise<void>;
  #shuttingDown = false;
  #shutdown: Promise<void> | undefined;
  #finished = Promise.withResolvers<void>();
  #signal: AbortSignal | undefined;
  #onAbort = () => void this.shutdown();
  #context: ServedConnectionContext;

  /**
   * Use {@linkcode serve} to start a server.
   *
   * @param listener The bound listener.
   * @param transport Its transport.
   * @param options Validated options.
   * @param handler The application handler.
   */
  constructor(
    listener: Deno.Listener,
    transport: ServerTransport,
    options: ServeOptions,
    handler: ServerHandler,
  ) {
    this.#listener = listener;
    this.addr = listener.addr;
    this.transport = transport;
    this.#handler = handler;
    this.#maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#shutdownTimeoutMs = options.shutdownTimeoutMs ??
      DEFAULT_SHUTDOWN_TIMEOUT_MS;
    this.#lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    this.#maxLingeringRefusals = options.maxLingeringRefusals ??
      DEFAULT_MAX_LINGERING_REFUSALS;
    this.#sendTimeoutMs = options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    this.#noDelay = options.noDelay ?? true;
    this.#log = options.logger === null
      ? () => {}
      : options.logger ?? defaultLogger;
    const frameTypes = handler.frameTypes === undefined
      ? undefined
      : new Set(handler.frameTypes);
    const maxFrameLength = options.maxFrameLength ??
      DEFAULT_SERVER_MAX_FRAME_LENGTH;
    this.#connOptions = {
      ...options,
      maxFrameLength,
      maxQueuedBytes: options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
      // The server answers Ping, records ClientType and logs Error frames
      // itself; anything else the handler does not list is refused from
      // its header, before the payload is read.
      acceptTypes: frameTypes === undefined ? undefined : [
        ...frameTypes,
        FrameType.Ping,
        FrameType.ClientType,
        FrameType.Error,
      ],
    };
    // Per-connection options (buffer sizes, receive limit) are otherwise
    // only checked when a client connects, where a throw would kill the
    // accept loop: check them once, now, by building a connection.
    new FramedConn(UNCONNECTED, this.#connOptions);
    const sendOptions = resolveFrameCodecOptions({
      ...options,
      maxFrameLength: options.maxSendFrameLength ?? maxFrameLength,
    });
    this.#context = {
      handler,
      passClientType: frameTypes === undefined ||
        frameTypes.has(FrameType.ClientType),
      sendOptions,
      maxQueuedBytes: this.#connOptions.maxQueuedBytes!,
      lingerMs: this.#lingerMs,
      log: (event) => this.#emit(event),
      isShuttingDown: () => this.#shuttingDown,
      onClosed: (conn) => this.#connections.delete(conn.id),
    };
    // One sweep per server checks both timeouts; no timer per connection.
    const shortestMs = Math.min(
      this.#idleTimeoutMs ?? Infinity,
      this.#sendTimeoutMs,
    );
    if (shortestMs !== Infinity) {
      this.#sweepTimer = setInterval(
        () => this.#sweep(),
        Math.max(5, Math.min(1000, shortestMs / 4)),
      );
    }
    this.#signal = options.signal;
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#acceptLoop = this.#accept();
    if (this.#signal?.aborted) void this.shutdown();
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

  /** Number of clients being served. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Resolves once the server has shut down and every connection is closed. */
  get finished(): Promise<void> {
    return this.#finished.promise;
  }

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

  /**
   * Graceful shutdown: stop accepting; close idle clients at once (with a
   * `SHUTTING_DOWN` Error frame); let clients in the middle of a request
   * finish the frames already read and get their replies, then close them
   * the same way; after `timeoutMs`, close whatever is left. Calling it
   * again returns the same promise.
   *
   * @param options The deadline.
   * @returns Resolves once every connection is closed.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    this.#shutdown ??= this.#stop(
      checkMs("timeoutMs", options.timeoutMs) ?? this.#shutdownTimeoutMs,
    );
    return this.#shutdown;
  }

  /** Shuts down; see {@linkcode Server.prototype.shutdown}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  async #stop(timeoutMs: number): Promise<void> {
    this.#shuttingDown = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#emit({
      level: "info",
      event: "shutdown",
      message:
        `Shutting down: ${this.#connections.size} connections, ${timeoutMs} ms for in-flight requests`,
    });
    try {
      this.#listener.close();
    } catch {
      // Already closed.
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
      for (const framed of this.#refusals.values()) framed.close();
    }, timeoutMs);
    try {
      await this.#acceptLoop;
      while (this.#connections.size > 0 || this.#refusals.size > 0) {
        await Promise.all([
          ...[...this.#connections.values()].map((conn) => conn.done),
          ...this.#refusals.keys(),
        ]);
      }
    } finally {
      clearTimeout(deadline);
      if (this.addr.transport === "unix") {
        try {
          Deno.removeSync(this.addr.path);
        } catch {
          // Already gone.
        }
      }
      this.#finished.resolve();
    }
  }

  async #accept(): Promise<void> {
    while (!this.#shuttingDown) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#shuttingDown || error instanceof Deno.errors.BadResource) {
          return;
        }
        this.#emit({
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
      this.#serveConn(conn);
    }
  }

  #serveConn(conn: Deno.Conn): void {
    const remoteAddress = formatRemoteAddr(conn.remoteAddr);
    if (this.#connections.size >= this.#maxConnections) {
      this.#refuse(conn, remoteAddress);
      return;
    }
    if (this.#noDelay && "setNoDelay" in conn) {
      try {
        (conn as Deno.TcpConn).setNoDelay(true);
      } catch {
        // Not fatal: only latency suffers.
      }
    }
    let framed: FramedConn<SniffingConn<Deno.Conn>>;
    try {
      framed = new FramedConn(new SniffingConn(conn), this.#connOptions);
    } catch (error) {
      conn.close();
      throw error;
    }
    const served = new ServedConnection(
      this.#nextId++,
      this.transport,
      remoteAddress,
      framed,
      this.#context,
    );
    this.#connections.set(served.id, served);
    this.#emit({
      level: "info",
      event: "connection_open",
      message: `Accepted ${this.transport} connection`,
      connectionId: served.id,
      remoteAddress,
    });
    served.run();
  }

  /** `SERVER_FULL`: tell the client, then close without serving it. */
  #refuse(conn: Deno.Conn, remoteAddress: string): void {
    const message =
      `Cannot accept: ${this.#maxConnections} of ${this.#maxConnections} connections in use`;
    const lingering = this.#refusals.size < this.#maxLingeringRefusals;
    this.#emit({
      level: "warn",
      event: "server_full",
      code: ErrorCode.ServerFull,
      message: lingering
        ? message
        : `${message}; closing at once, ${this.#refusals.size} refusals already lingering`,
      remoteAddress,
    });
    if (!lingering) {
      // A flood beyond maxConnections must not hold a descriptor per client
      // for lingerMs. One small write into a fresh socket's empty buffer
      // does not wait; a TLS write would first wait for the handshake.
      if (this.transport === "tls") {
        conn.close();
        return;
      }
      const bytes = encodeFrame(
        errorFrame(ErrorCode.ServerFull, message),
        this.#context.sendOptions,
      );
      conn.write(bytes).catch(() => {}).finally(() => conn.close());
      return;
    }
    const framed = new FramedConn(conn, this.#connOptions);
    const task = (async () => {
      const timer = setTimeout(() => framed.close(), this.#lingerMs);
      try {
        await framed.send(errorFrame(ErrorCode.ServerFull, message));
        await framed.closeWrite();
        // Wait for the client to hang up, so our Error frame is not lost to
        // a reset caused by unread bytes.
        const buffer = new Uint8Array(4096);
        while ((await conn.read(buffer)) !== null) {
          // Discard.
        }
      } catch {
        // Gone, or cut by the timer.
      } finally {
        clearTimeout(timer);
        framed.close();
      }
    })();
    this.#refusals.set(task, framed);
    task.finally(() => this.#refusals.delete(task));
  }

  #sweep(): void {
    const now = performance.now();
    const idleTimeoutMs = this.#idleTimeoutMs;
    const sendTimeoutMs = this.#sendTimeoutMs;
    for (const conn of this.#connections.values()) {
      if (sendTimeoutMs !== Infinity) {
        conn.checkSendProgress(now, sendTimeoutMs);
      }
      if (idleTimeoutMs !== undefined) conn.checkIdle(now, idleTimeoutMs);
    }
  }

  #emit(event: LogEvent): void {
    try {
      this.#log(event);
    } catch {
      // A failing logger must not take the server down.
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
  validateServeOptions(options);
  const resolvedHandler: ServerHandler = handler === undefined
    ? new FrameRouter()
    : typeof handler === "function"
    ? { onFrame: handler }
    : handler;
  if (typeof resolvedHandler.onFrame !== "function") {
    throw new TypeError("Cannot serve: the handler has no onFrame function");
  }
  if (resolvedHandler.frameTypes !== undefined) {
    for (const type of resolvedHandler.frameTypes) {
      if (!Number.isInteger(type) || type < 0 || type > 255) {
        throw new RangeError(
          `Cannot serve frame type ${
            String(type)
          }: expected an integer from 0 to 255`,
        );
      }
    }
  }
  const maxFrameLength = options.maxFrameLength ??
    DEFAULT_SERVER_MAX_FRAME_LENGTH;
  resolvedHandler.onServe?.({
    maxFrameLength,
    maxSendFrameLength: options.maxSendFrameLength ?? maxFrameLength,
  });
  let listener: Deno.Listener;
  let transport: ServerTransport;
  if (options.path !== undefined) {
    listener = Deno.listen({ transport: "unix", path: options.path });
    transport = "unix";
  } else if (options.tls !== undefined) {
    const tls = options.tls;
    listener = Deno.listenTls({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port ?? 0,
      cert: tls.cert ?? Deno.readTextFileSync(tls.certFile!),
      key: tls.key ?? Deno.readTextFileSync(tls.keyFile!),
    });
    transport = "tls";
  } else {
    listener = Deno.listen({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port ?? 0,
      transport: "tcp",
    });
    transport = "tcp";
  }
  try {
    return new Server(listener, transport, options, resolvedHandler);
  } catch (error) {
    listener.close();
    throw error;
  }
}

function validateServeOptions(options: ServeOptions): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot serve: expected an options object, got ${String(options)}`,
    );
  }
  const { port, path, tls } = options;
  if (
    port !== undefined &&
    (!Number.isInteger(port) || port < 0 || port > 65535)
  ) {
    throw new RangeError(
      `Cannot use port ${String(port)}: expected an integer from 0 to 65535`,
    );
  }
  if (path !== undefined) {
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`Cannot use path ${String(path)}: expected a string`);
    }
    if (port !== undefined || tls !== undefined) {
      throw new TypeError(
        "Cannot serve: path (Unix socket) excludes port and tls",
      );
    }
  }
  if (tls !== undefined) {
    if (
      (tls.cert === undefined && tls.certFile === undefined) ||
      (tls.key === undefined && tls.keyFile === undefined)
    ) {
      throw new TypeError(
        "Cannot serve TLS: give cert or certFile, and key or keyFile",
      );
    }
  }
  checkCount("maxConnections", options.maxConnections);
  checkCount("maxQueuedBytes", options.maxQueuedBytes);
  checkMs("idleTimeoutMs", options.idleTimeoutMs, 1);
  checkMs("shutdownTimeoutMs", options.shutdownTimeoutMs);
  checkMs("lingerMs", options.lingerMs);
  if (options.sendTimeoutMs !== Infinity) {
    checkMs("sendTimeoutMs", options.sendTimeoutMs, 1);
  }
  const refusals = options.maxLingeringRefusals;
  if (refusals !== undefined && (!Number.isInteger(refusals) || refusals < 0)) {
    throw new RangeError(
      `Cannot use maxLingeringRefusals ${
        String(refusals)
      }: expected an integer of at least 0`,
    );
  }
  if (
    options.logger !== undefined && options.logger !== null &&
    typeof options.logger !== "function"
  ) {
    throw new TypeError("Cannot use logger: expected a function or null");
  }
  // Codec options are checked by the codec, once, here rather than per client.
  resolveFrameCodecOptions({
    ...options,
    maxFrameLength: options.maxFrameLength ?? DEFAULT_SERVER_MAX_FRAME_LENGTH,
  });
}

function checkCount(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot use ${name} ${String(value)}: expected an integer of at least 1`,
    );
  }
}

function checkMs(
  name: string,
  value: number | undefined,
  min = 0,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new RangeError(
      `Cannot use ${name} ${
        String(value)
      }: expected a finite number of at least ${min}`,
    );
  }
  return value;
}

function formatRemoteAddr(addr: Deno.Addr): string {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`;
  }
  return "unix";
}

function formatListenAddr(transport: ServerTransport, addr: Deno.Addr): string {
  if (addr.transport === "unix" || addr.transport === "unixpacket") {
    return `unix://${addr.path}`;
  }
  return `${transport}://${formatRemoteAddr(addr)}`;
}
