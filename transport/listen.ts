// Copyright 2026 the framewire authors. MIT license.
/**
 * Accept framed connections over TCP, TLS or a Unix socket, one at a time,
 * for programs that run their own loop instead of {@linkcode serve}. The
 * address options and their checks are the same as `serve()`'s.
 *
 * @module
 */
import {
  closeListener,
  formatListenAddr,
  openListener,
  resolveListenTarget,
  setNoDelay,
} from "./_listeners.ts";
import {
  FramedConn,
  type FramedConnOptions,
  type ResolvedFramedConnOptions,
  resolveFramedConnOptions,
} from "./framed_conn.ts";
import { booleanOption, optionsObject } from "../internal/options.ts";
import type { ServeTlsOptions } from "./serve_options.ts";
import type { ServerTransport } from "./server_connection.ts";

/** Options for {@linkcode listen}. */
export interface ListenOptions extends FramedConnOptions {
  /**
   * Address to bind for TCP and TLS. The default accepts local clients
   * only; use `"0.0.0.0"` to accept from anywhere.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * TCP port; `0` lets the OS pick a free one (read it from `addr.port`).
   *
   * @default {0}
   */
  port?: number;
  /**
   * Listen on this Unix socket path instead of TCP. The socket file is
   * removed when the listener is closed.
   */
  path?: string;
  /** Accept TLS (via `Deno.listenTls`) with this certificate and key. */
  tls?: ServeTlsOptions;
  /**
   * Disable Nagle's algorithm on accepted TCP and TLS connections.
   *
   * @default {true}
   */
  noDelay?: boolean;
}

/**
 * A listener that hands out {@linkcode FramedConn}s. Iterate over it to
 * accept connections until it is closed.
 *
 * @typeParam C The accepted connections: `Deno.TcpConn`, `Deno.TlsConn` or
 * `Deno.UnixConn`.
 * @typeParam A The bound address: `Deno.NetAddr` or `Deno.UnixAddr`.
 */
export class FramedListener<
  C extends Deno.Conn = Deno.TcpConn,
  A extends Deno.Addr = Deno.NetAddr,
> implements AsyncIterable<FramedConn<C>>, Disposable {
  /** The underlying listener. */
  readonly listener: Deno.Listener<C, A>;
  /** How clients connect. */
  readonly transport: ServerTransport;
  #connOptions: ResolvedFramedConnOptions;
  #noDelay: boolean;

  /**
   * Wraps a listener; see {@linkcode listen}, which also checks the options.
   *
   * @param listener A TCP, TLS or Unix listener.
   * @param options Options applied to every accepted connection.
   * @param transport How clients connect. Give `"tls"` for a TLS listener:
   * its address looks like a TCP one.
   * @throws {TypeError} If a connection option has the wrong type.
   * @throws {RangeError} If a connection option is out of range.
   */
  constructor(
    listener: Deno.Listener<C, A>,
    options: ListenOptions = {},
    transport: ServerTransport = listener.addr.transport === "unix"
      ? "unix"
      : "tcp",
  ) {
    this.listener = listener;
    this.transport = transport;
    this.#noDelay = booleanOption("noDelay", options.noDelay, true);
    this.#connOptions = resolveFramedConnOptions(options);
  }

  /** The bound address; `addr.port` is the real port when 0 was asked. */
  get addr(): A {
    return this.listener.addr;
  }

  /**
   * Where the listener listens, as a URL-like string:
   * `tcp://127.0.0.1:9000`, `tls://127.0.0.1:9443`,
   * `unix:///run/framewire.sock`.
   */
  get address(): string {
    return formatListenAddr(this.transport, this.addr);
  }

  /**
   * Waits for the next connection.
   *
   * @returns The accepted connection, framed.
   * @throws {Deno.errors.BadResource} If the listener was closed.
   */
  async accept(): Promise<FramedConn<C>> {
    const conn = await this.listener.accept();
    if (this.#noDelay) setNoDelay(conn);
    try {
      return new FramedConn(conn, this.#connOptions);
    } catch (error) {
      conn.close();
      throw error;
    }
  }

  /**
   * Accepts connections until the listener is closed.
   *
   * @returns An async iterator of accepted connections.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<FramedConn<C>> {
    while (true) {
      try {
        yield await this.accept();
      } catch (error) {
        if (error instanceof Deno.errors.BadResource) return;
        throw error;
      }
    }
  }

  /**
   * Stops listening (and removes a Unix socket's file); connections already
   * accepted stay open. Closing twice is harmless.
   */
  close(): void {
    closeListener(this.listener);
  }

  /** Stops listening; see {@linkcode FramedListener.prototype.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Listens on TCP (or TLS, or a Unix socket) and frames every accepted
 * connection.
 *
 * @param options Where to listen, checked as {@linkcode serve} checks
 * them, plus {@linkcode FramedConnOptions} for the accepted connections.
 * @returns The listener.
 * @throws {TypeError} If an option has the wrong type, or `path` comes with
 * `port` or `tls`, or `tls` lacks a certificate or a key.
 * @throws {RangeError} If `port` or a connection option is out of range.
 * @throws {Deno.errors.AddrInUse} If the address is taken.
 *
 * @example Accept one client
 * ```ts
 * import { connect, listen } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * using listener = listen({ hostname: "127.0.0.1", port: 0 });
 * using client = await connect({ port: listener.addr.port });
 * for await (const conn of listener) {
 *   using server = conn;
 *   await client.send({ type: 1, payload: new TextEncoder().encode("hi") });
 *   assert.equal((await server.receive())?.type, 1);
 *   break;
 * }
 * ```
 *
 * @example On a Unix socket
 * ```ts
 * import { connect, listen } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   using listener = listen({ path: `${dir}/demo.sock` });
 *   assert.equal(listener.address, `unix://${dir}/demo.sock`);
 *   using client = await connect({ path: `${dir}/demo.sock` });
 *   using server = await listener.accept();
 *   await client.send({ type: 1, payload: new Uint8Array([7]) });
 *   assert.deepEqual((await server.receive())?.payload, new Uint8Array([7]));
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function listen(
  options?: ListenOptions & { path?: undefined; tls?: undefined },
): FramedListener<Deno.TcpConn, Deno.NetAddr>;
/**
 * Listens on a Unix socket; see the first overload.
 *
 * @param options Where to listen, with `path`.
 * @returns The listener.
 */
export function listen(
  options: ListenOptions & { path: string },
): FramedListener<Deno.UnixConn, Deno.UnixAddr>;
/**
 * Listens on TLS; see the first overload.
 *
 * @param options Where to listen, with `tls`.
 * @returns The listener.
 */
export function listen(
  options: ListenOptions & { tls: ServeTlsOptions },
): FramedListener<Deno.TlsConn, Deno.NetAddr>;
/**
 * Listens where `options` say; see the first overload.
 *
 * @param options Where to listen.
 * @returns The listener.
 */
export function listen(
  options?: ListenOptions,
): FramedListener<Deno.Conn, Deno.Addr>;
export function listen(
  options?: ListenOptions,
): FramedListener<Deno.Conn, Deno.Addr> {
  const given = optionsObject(options, "Cannot listen");
  const target = resolveListenTarget(given);
  // Checked now, not at the first accept: a typo should fail the program at
  // start-up, not each client later.
  resolveFramedConnOptions(given);
  booleanOption("noDelay", given.noDelay, true);
  const listener = openListener(target);
  try {
    return new FramedListener(listener, given, target.transport);
  } catch (error) {
    closeListener(listener);
    throw error;
  }
}
