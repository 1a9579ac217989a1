// Copyright 2026 the framewire authors. MIT license.
/**
 * The options of {@linkcode serve}, their defaults, and the one function
 * that checks them. A server resolves its options once, in `serve()`, before
 * it listens: a typo fails the program at start-up, never the accept loop
 * when the first client arrives, and the rest of the server reads plain,
 * frozen values instead of re-applying defaults here and there.
 *
 * @module
 */
import { describe } from "../internal/describe.ts";
import {
  booleanOption,
  numberOption,
  optionalNumberOption,
  optionsObject,
} from "../internal/options.ts";
import {
  type ResolvedFrameCodecOptions,
  resolveFrameCodecOptions,
} from "../codec/options.ts";
import { type ListenTarget, resolveListenTarget } from "./_listeners.ts";
import {
  type FramedConnOptions,
  type ResolvedFramedConnOptions,
  resolveFramedConnOptions,
} from "./framed_conn.ts";
import { type Logger, resolveLogger } from "./log.ts";
import { MetricsRegistry } from "./metrics.ts";

export type { ListenTarget };

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
export interface ServeOptions
  extends Omit<FramedConnOptions, "acceptTypes" | "answerPings"> {
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
   * Most clients served at once. When they are all connected, a newcomer
   * evicts the oldest client that has never completed a frame (`EVICTED`
   * Error frame); only if there is none is the newcomer refused with a
   * `SERVER_FULL` Error frame.
   *
   * @default {10000}
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
   * without application traffic from it (the Pongs that answer the
   * server's heartbeat Pings do not count). Checked by one sweep per server
   * that drives every timeout (every eighth of the shortest one, at most
   * every second), so a close comes up to 25% late, never early.
   *
   * @default {undefined} (no idle timeout)
   */
  idleTimeoutMs?: number;
  /**
   * Close a client (`SLOW_READER`, logged only: no Error frame could reach
   * it) when its outbound queue has bytes waiting and the socket took none
   * of them for this many milliseconds: a client that never reads its
   * replies would otherwise hold its slot forever. Checked by the same sweep
   * as `idleTimeoutMs`, so a close comes up to 25% late. `Infinity` turns it
   * off.
   *
   * @default {30000}
   */
  sendTimeoutMs?: number;
  // --- Liveness and per-host limits ------------------------------------
  /**
   * Heartbeat: a client from which no byte has arrived for this many
   * milliseconds gets a Ping (type 2, empty payload) from the server; see
   * `heartbeatTimeoutMs`. The answering Pong (4) is consumed by the server,
   * never passed to the handler, and does not count as activity for
   * `idleTimeoutMs` (idle means no application traffic; the heartbeat asks
   * whether the peer is there at all). `Infinity` sends no Pings.
   *
   * @default {30000}
   */
  heartbeatMs?: number;
  /**
   * Close a client (`HEARTBEAT_TIMEOUT` Error frame) when nothing at all
   * arrives within this many milliseconds after a heartbeat Ping. Any byte
   * counts as an answer. The default covers a slow mobile link and a busy
   * peer's event loop several times over: a live peer answers within one
   * round trip. `Infinity` still sends Pings (they keep NAT mappings
   * alive) but never closes for want of an answer.
   *
   * @default {15000}
   */
  heartbeatTimeoutMs?: number;
  /**
   * Close a client (`FRAME_STALLED` Error frame) when a frame has started
   * (some of its header or payload arrived) and no byte of it arrives for
   * this many milliseconds. Only silence counts: a slow upload that keeps
   * moving is never cut, however long it takes. `Infinity` turns it off.
   *
   * @default {20000}
   */
  frameStallMs?: number;
  /**
   * Close a new client (`FIRST_FRAME_TIMEOUT` Error frame) that has not
   * completed a frame within this many milliseconds of connecting. A
   * client that connects and waits for pushes should send a Ping or a
   * ClientType frame first. `Infinity` turns it off.
   *
   * @default {10000}
   */
  firstFrameTimeoutMs?: number;
  /**
   * Most clients one remote host may hold at once; the next is refused
   * with `HOST_LIMIT`. Hosts are IPv4 addresses and IPv6 /64 prefixes;
   * Unix socket clients are not counted. Off by default: many real clients
   * share one address behind a NAT or a load balancer. Set it on a server
   * that faces the internet directly.
   *
   * @default {Infinity}
   */
  maxConnectionsPerHost?: number;
  /**
   * Most new connections one remote host may open per second (a token
   * bucket holding one second's worth, at least 1); beyond it, a
   * connection is refused with `CONNECTION_RATE_LIMITED`. Off by default,
   * for the same reasons as `maxConnectionsPerHost`; eviction and
   * `firstFrameTimeoutMs` already keep one host from holding the server.
   *
   * @default {Infinity}
   */
  maxConnectionsPerHostPerSecond?: number;
  // --- end of liveness and per-host limits ------------------------------
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
   * instead. `0` never lingers. `HOST_LIMIT` and `CONNECTION_RATE_LIMITED`
   * refusals count toward it too; `EVICTED` connections saying goodbye have
   * a bound of the same size of their own (beyond it, an evicted connection
   * is cut without its Error frame).
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
  /**
   * Registers the server's metrics (connections, frames and bytes; see
   * {@linkcode registerServerMetrics}) in this registry, to be rendered for
   * a Prometheus scrape. They cost nothing per frame: they are read from
   * the connections' own counters when rendered.
   *
   * @default {undefined} (no metrics registered; `Server.totals()` works anyway)
   */
  metrics?: MetricsRegistry;
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

/**
 * {@linkcode ServeOptions} checked, with every default filled in; produced
 * by {@linkcode resolveServeOptions}.
 */
export interface ResolvedServeOptions {
  /** Where to listen: TCP, TLS or a Unix socket. */
  readonly listen: ListenTarget;
  /** Most clients served at once. */
  readonly maxConnections: number;
  /** Largest payload accepted from a client, in bytes. */
  readonly maxFrameLength: number;
  /** Largest payload sent to a client, in bytes. */
  readonly maxSendFrameLength: number;
  /** Most bytes queued for one client. */
  readonly maxQueuedBytes: number;
  /** Idle timeout in milliseconds, `undefined` for none. */
  readonly idleTimeoutMs: number | undefined;
  /** Send-progress timeout in milliseconds; `Infinity` for none. */
  readonly sendTimeoutMs: number;
  /** Heartbeat period in milliseconds; `Infinity` for none. */
  readonly heartbeatMs: number;
  /** Longest wait for an answer to a heartbeat Ping, in milliseconds. */
  readonly heartbeatTimeoutMs: number;
  /** Longest silence inside a started frame, in milliseconds. */
  readonly frameStallMs: number;
  /** Longest wait for a new client's first complete frame, in milliseconds. */
  readonly firstFrameTimeoutMs: number;
  /** Most clients from one host; `Infinity` for no limit. */
  readonly maxConnectionsPerHost: number;
  /** Most new connections per second from one host; `Infinity` for no limit. */
  readonly maxConnectionsPerHostPerSecond: number;
  /** Default deadline of a shutdown, in milliseconds. */
  readonly shutdownTimeoutMs: number;
  /** Longest wait for a closing peer to hang up, in milliseconds. */
  readonly lingerMs: number;
  /** Most `SERVER_FULL` refusals lingering at once. */
  readonly maxLingeringRefusals: number;
  /** Starts a shutdown when aborted. */
  readonly signal: AbortSignal | undefined;
  /** The logger; it never throws (see {@linkcode resolveLogger}). */
  readonly logger: Logger;
  /** Whether Nagle's algorithm is turned off. */
  readonly noDelay: boolean;
  /** Where the server registers its metrics, if anywhere. */
  readonly metrics: MetricsRegistry | undefined;
  /** Options of every client's {@linkcode FramedConn}, without `acceptTypes`. */
  readonly conn: ResolvedFramedConnOptions;
  /** Codec options of what the server sends, to check replies up front. */
  readonly send: ResolvedFrameCodecOptions;
}

// Every default of the server, in one place. Frame and queue limits are
// lower than FramedConn's: a server multiplies them by its clients.
const DEFAULTS = {
  maxConnections: 10_000,
  maxFrameLength: 1024 * 1024,
  maxQueuedBytes: 1024 * 1024,
  sendTimeoutMs: 30_000,
  shutdownTimeoutMs: 10_000,
  lingerMs: 1_000,
  maxLingeringRefusals: 64,
  noDelay: true,
  // Liveness and per-host limits.
  heartbeatMs: 30_000,
  heartbeatTimeoutMs: 15_000,
  frameStallMs: 20_000,
  firstFrameTimeoutMs: 10_000,
  maxConnectionsPerHost: Infinity,
  maxConnectionsPerHostPerSecond: Infinity,
} as const;

// Milliseconds may be fractional: timers take them so.
const MS = { fractional: true } as const;

/**
 * Checks every {@linkcode ServeOptions} once and fills in the defaults.
 * {@linkcode serve} calls it before it listens; call it yourself to check a
 * configuration without opening a socket.
 *
 * @param options The options as given.
 * @returns Frozen options with every default applied.
 * @throws {TypeError} If an option has the wrong type, or they conflict
 * (`path` with `port` or `tls`, `tls` without a certificate or a key).
 * @throws {RangeError} If a number is out of its range.
 *
 * @example Defaults, and a typo caught before any socket exists
 * ```ts
 * import { resolveServeOptions } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const options = resolveServeOptions({ maxConnections: 10 });
 * assert.equal(options.maxConnections, 10);
 * assert.equal(options.maxFrameLength, 1024 * 1024);
 * assert.deepEqual(options.listen, { transport: "tcp", hostname: "127.0.0.1", port: 0 });
 * assert.throws(
 *   () => resolveServeOptions({ port: 70000 }),
 *   RangeError,
 *   "Cannot use port 70000: expected an integer from 0 to 65535",
 * );
 * ```
 */
export function resolveServeOptions(
  options?: ServeOptions,
): ResolvedServeOptions {
  const given = optionsObject(options, "Cannot serve");
  const listen = resolveListenTarget(given);
  const maxConnections = numberOption(
    "maxConnections",
    given.maxConnections,
    DEFAULTS.maxConnections,
    { min: 1 },
  );
  const maxQueuedBytes = numberOption(
    "maxQueuedBytes",
    given.maxQueuedBytes,
    DEFAULTS.maxQueuedBytes,
    { min: 1 },
  );
  const idleTimeoutMs = optionalNumberOption(
    "idleTimeoutMs",
    given.idleTimeoutMs,
    { ...MS, min: 1 },
  );
  const sendTimeoutMs = numberOption(
    "sendTimeoutMs",
    given.sendTimeoutMs,
    DEFAULTS.sendTimeoutMs,
    { ...MS, min: 1, infinite: true },
  );
  // 0 would close at once, which no server wants: `Infinity` turns off.
  const TIMEOUT = { ...MS, min: 1, infinite: true } as const;
  const heartbeatMs = numberOption(
    "heartbeatMs",
    given.heartbeatMs,
    DEFAULTS.heartbeatMs,
    TIMEOUT,
  );
  const heartbeatTimeoutMs = numberOption(
    "heartbeatTimeoutMs",
    given.heartbeatTimeoutMs,
    DEFAULTS.heartbeatTimeoutMs,
    TIMEOUT,
  );
  const frameStallMs = numberOption(
    "frameStallMs",
    given.frameStallMs,
    DEFAULTS.frameStallMs,
    TIMEOUT,
  );
  const firstFrameTimeoutMs = numberOption(
    "firstFrameTimeoutMs",
    given.firstFrameTimeoutMs,
    DEFAULTS.firstFrameTimeoutMs,
    TIMEOUT,
  );
  const maxConnectionsPerHost = numberOption(
    "maxConnectionsPerHost",
    given.maxConnectionsPerHost,
    DEFAULTS.maxConnectionsPerHost,
    { min: 1, infinite: true },
  );
  // Fractions allowed: 0.5 is one connection every two seconds.
  const maxConnectionsPerHostPerSecond = numberOption(
    "maxConnectionsPerHostPerSecond",
    given.maxConnectionsPerHostPerSecond,
    DEFAULTS.maxConnectionsPerHostPerSecond,
    { fractional: true, min: 0.001, infinite: true },
  );
  const shutdownTimeoutMs = numberOption(
    "shutdownTimeoutMs",
    given.shutdownTimeoutMs,
    DEFAULTS.shutdownTimeoutMs,
    MS,
  );
  const lingerMs = numberOption(
    "lingerMs",
    given.lingerMs,
    DEFAULTS.lingerMs,
    MS,
  );
  const maxLingeringRefusals = numberOption(
    "maxLingeringRefusals",
    given.maxLingeringRefusals,
    DEFAULTS.maxLingeringRefusals,
  );
  const signal = given.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `Cannot use signal ${describe(signal)}: expected an AbortSignal`,
    );
  }
  const logger = resolveLogger(given.logger);
  const noDelay = booleanOption("noDelay", given.noDelay, DEFAULTS.noDelay);
  const metrics = given.metrics;
  if (metrics !== undefined && !(metrics instanceof MetricsRegistry)) {
    throw new TypeError(
      `Cannot use metrics ${describe(metrics)}: expected a MetricsRegistry`,
    );
  }
  // The frame limits are the codec's to check: their range depends on the
  // length field. The connection options are FramedConn's, checked here
  // once rather than when a client connects, where a throw would end the
  // accept loop.
  const conn = resolveFramedConnOptions({
    ...given,
    maxFrameLength: given.maxFrameLength ?? DEFAULTS.maxFrameLength,
    maxQueuedBytes,
    acceptTypes: undefined,
    // The server answers Pings itself, in reply order and with backpressure.
    answerPings: false,
  });
  const maxFrameLength = given.maxFrameLength ?? DEFAULTS.maxFrameLength;
  const send = resolveFrameCodecOptions({
    ...given,
    maxFrameLength: given.maxSendFrameLength ?? maxFrameLength,
  });
  return Object.freeze({
    listen,
    maxConnections,
    maxFrameLength,
    maxSendFrameLength: send.maxFrameLength,
    maxQueuedBytes,
    idleTimeoutMs,
    sendTimeoutMs,
    heartbeatMs,
    heartbeatTimeoutMs,
    frameStallMs,
    firstFrameTimeoutMs,
    maxConnectionsPerHost,
    maxConnectionsPerHostPerSecond,
    shutdownTimeoutMs,
    lingerMs,
    maxLingeringRefusals,
    signal,
    logger,
    noDelay,
    metrics,
    conn,
    send,
  });
}
