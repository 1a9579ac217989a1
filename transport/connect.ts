// Copyright 2026 the framewire authors. MIT license.
/**
 * Open a framed connection over TCP, TLS or a Unix socket, optionally
 * retrying with backoff until the server is up.
 *
 * @module
 */
import { numberOption, optionsObject } from "../internal/options.ts";
import {
  FramedConn,
  type FramedConnOptions,
  type ResolvedFramedConnOptions,
  resolveFramedConnOptions,
} from "./framed_conn.ts";
import { retryConnect, type RetryPolicy } from "./_retry_connect.ts";
import { watchServerStart } from "./_recognise_server.ts";

/** Retry policy for {@linkcode connect}: exponential backoff with jitter. */
export interface ConnectRetryOptions {
  /**
   * Most attempts in total, the first one included.
   *
   * @default {10}
   */
  attempts?: number;
  /**
   * Delay before the second attempt, in milliseconds; it doubles after
   * each failure, up to `maxDelayMs`, and a random part of up to half of it
   * is taken off so that many clients do not retry in lockstep.
   *
   * @default {50}
   */
  initialDelayMs?: number;
  /**
   * Longest delay between two attempts, in milliseconds.
   *
   * @default {2000}
   */
  maxDelayMs?: number;
  /**
   * Give up this many milliseconds after the first attempt started: no
   * attempt starts later, and an attempt still running then is abandoned
   * (its connection is closed if it arrives) and `connect` rejects with
   * `Deno.errors.TimedOut`.
   *
   * @default {30000}
   */
  totalTimeoutMs?: number;
  /**
   * Stops retrying when aborted, also in the middle of an attempt (whose
   * connection is closed if it arrives); `connect` rejects with the
   * signal's reason.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** Options shared by every transport of {@linkcode connect}. */
export interface ConnectBaseOptions extends FramedConnOptions {
  /**
   * Retry while the server is not up yet (connection refused, socket file
   * missing, reset). `true` uses the defaults of
   * {@linkcode ConnectRetryOptions}; other errors are thrown at once.
   *
   * @default {undefined} (one attempt)
   */
  retry?: boolean | ConnectRetryOptions;
}

/** Options for a plain TCP {@linkcode connect}. */
export interface TcpConnectOptions extends ConnectBaseOptions {
  /**
   * Host to connect to.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /** TCP port to connect to. */
  port: number;
  /**
   * Disable Nagle's algorithm. framewire already coalesces small frames
   * itself, so waiting in the kernel only adds latency.
   *
   * @default {true}
   */
  noDelay?: boolean;
  /** Not set for plain TCP. */
  tls?: undefined;
  /** Not set for TCP. */
  path?: undefined;
}

/** TLS settings for {@linkcode connect}. */
export interface ConnectTlsSettings {
  /**
   * Extra trusted root certificates, PEM text (for a self-signed server).
   *
   * @default {undefined} (the system's roots only)
   */
  caCerts?: string[];
}

/** Options for a TLS {@linkcode connect}. */
export interface TlsConnectOptions extends ConnectBaseOptions {
  /**
   * Host to connect to; also the name the certificate must carry.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /** TCP port to connect to. */
  port: number;
  /** Use TLS: `true`, or settings such as extra root certificates. */
  tls: true | ConnectTlsSettings;
  /** Not set for TLS. */
  path?: undefined;
}

/** Options for a Unix-socket {@linkcode connect}. */
export interface UnixConnectOptions extends ConnectBaseOptions {
  /** Path of the Unix socket. */
  path: string;
  /** Not set for a Unix socket. */
  port?: undefined;
  /** Not set for a Unix socket. */
  tls?: undefined;
}

/** Options for {@linkcode connect}: TCP, TLS or Unix socket. */
export type ConnectOptions =
  | TcpConnectOptions
  | TlsConnectOptions
  | UnixConnectOptions;

/**
 * Connects and wraps the connection in a {@linkcode FramedConn}: TCP by
 * default, TLS with `tls`, a Unix socket with `path`. With `retry`, failed
 * attempts are repeated with exponential backoff, bounded in count and time.
 *
 * @param options Where to connect, the retry policy, plus
 * {@linkcode FramedConnOptions}.
 * @returns The framed connection.
 * @throws {Deno.errors.ConnectionRefused} If nothing listens there (after
 * the last attempt; the last attempt's error is thrown).
 * @throws {Deno.errors.NotFound} If the Unix socket does not exist.
 * @throws {Deno.errors.TimedOut} If `retry.totalTimeoutMs` passes first.
 * @throws {unknown} The reason of `retry.signal`, once it aborts.
 * @throws {RangeError} If a retry option is out of range.
 *
 * A server that speaks another protocol is recognised on the first bytes:
 * the first receive (or request) then fails with
 * {@linkcode ProtocolMismatchError} (a TLS or HTTP server reached without
 * `tls`, a plain server reached with it) or {@linkcode TlsCertificateError}
 * (a certificate not trusted, such as a self-signed one without
 * `tls.caCerts`), not with a frame-size or TLS-library error.
 *
 * @example Connect to a listener
 * ```ts
 * import { connect, listen } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * using listener = listen({ port: 0 });
 * using client = await connect({ port: listener.addr.port });
 * using server = await listener.accept();
 * await client.send({ type: 10, payload: new Uint8Array([1]) });
 * assert.equal((await server.receive())?.type, 10);
 * ```
 *
 * @example Wait for a server that is still starting
 * ```ts
 * import { connect, serve } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".sock" });
 * await Deno.remove(path); // the server has not created its socket yet
 * const connecting = connect({ path, retry: { attempts: 20, initialDelayMs: 10 } });
 * await using server = serve({ path, logger: null });
 * using client = await connecting;
 * const pong = await client.request({ type: 2, payload: new Uint8Array([9]) });
 * assert.deepEqual(pong.payload, new Uint8Array([9]));
 * ```
 */
export function connect(
  options: TcpConnectOptions,
): Promise<FramedConn<Deno.TcpConn>>;
/**
 * Connects over TLS; see the first overload of {@linkcode connect}.
 *
 * @param options Where to connect and how.
 * @returns The framed connection.
 */
export function connect(
  options: TlsConnectOptions,
): Promise<FramedConn<Deno.TlsConn>>;
/**
 * Connects over Unix socket; see the first overload of {@linkcode connect}.
 *
 * @param options Where to connect and how.
 * @returns The framed connection.
 */
export function connect(
  options: UnixConnectOptions,
): Promise<FramedConn<Deno.UnixConn>>;
/**
 * Connects over TCP, TLS or Unix socket; see the first overload of {@linkcode connect}.
 *
 * @param options Where to connect and how.
 * @returns The framed connection.
 */
export function connect(
  options: ConnectOptions,
): Promise<FramedConn<Deno.Conn>>;
export function connect(
  options: ConnectOptions,
): Promise<FramedConn<Deno.Conn>> {
  let retry: RetryPolicy;
  let framed: ResolvedFramedConnOptions;
  try {
    retry = resolveRetry(options.retry);
    // Checked once, before dialing: a bad option costs no connection.
    framed = resolveFramedConnOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  return retryConnect(() => connectOnce(options, framed), retry);
}

const NO_RETRY: RetryPolicy = Object.freeze({
  attempts: 1,
  initialDelayMs: 0,
  maxDelayMs: 0,
  totalTimeoutMs: Infinity,
  signal: undefined,
});

/** Fills in the defaults of the `retry` option and checks its values. */
function resolveRetry(
  retry: boolean | ConnectRetryOptions | undefined,
): RetryPolicy {
  if (retry === undefined || retry === false) return NO_RETRY;
  const options = retry === true ? {} : optionsObject(retry, "Cannot retry");
  const delay = { fractional: true, infinite: true };
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `Cannot use retry.signal ${String(signal)}: expected an AbortSignal`,
    );
  }
  return {
    attempts: numberOption("retry.attempts", options.attempts, 10, { min: 1 }),
    initialDelayMs: numberOption(
      "retry.initialDelayMs",
      options.initialDelayMs,
      50,
      { fractional: true },
    ),
    maxDelayMs: numberOption(
      "retry.maxDelayMs",
      options.maxDelayMs,
      2_000,
      delay,
    ),
    totalTimeoutMs: numberOption(
      "retry.totalTimeoutMs",
      options.totalTimeoutMs,
      30_000,
      delay,
    ),
    signal,
  };
}

async function connectOnce(
  options: ConnectOptions,
  framed: ResolvedFramedConnOptions,
): Promise<FramedConn<Deno.Conn>> {
  let conn: Deno.Conn;
  if (options.path !== undefined) {
    conn = await Deno.connect({ transport: "unix", path: options.path });
  } else if (options.tls !== undefined) {
    const settings = options.tls === true ? {} : options.tls;
    conn = await Deno.connectTls({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port,
      caCerts: settings.caCerts,
    });
  } else {
    const tcp = await Deno.connect({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port,
      transport: "tcp",
    });
    conn = tcp;
    try {
      if (options.noDelay ?? true) tcp.setNoDelay(true);
    } catch (error) {
      tcp.close();
      throw error;
    }
  }
  try {
    watchServerStart(conn, options.tls !== undefined, framed.receiveCodec);
    return new FramedConn(conn, framed);
  } catch (error) {
    conn.close();
    throw error;
  }
}
