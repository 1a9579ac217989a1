// Copyright 2026 the framewire authors. MIT license.
/**
 * Accept framed TCP connections.
 *
 * @module
 */
import { FramedConn, type FramedConnOptions } from "./framed_conn.ts";

// Stands in for a socket while options are validated; never read or written.
const UNCONNECTED = {
  read: () => Promise.resolve(null),
  write: () => Promise.resolve(0),
  close() {},
};

/** Options for {@linkcode listen}. */
export interface ListenOptions extends FramedConnOptions {
  /**
   * Address to bind. The default accepts local clients only; use `"0.0.0.0"`
   * to accept from anywhere.
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
   * Disable Nagle's algorithm on accepted connections.
   *
   * @default {true}
   */
  noDelay?: boolean;
}

/**
 * A TCP listener that hands out {@linkcode FramedConn}s. Iterate over it to
 * accept connections until it is closed.
 */
export class FramedListener
  implements AsyncIterable<FramedConn<Deno.TcpConn>>, Disposable {
  /** The underlying listener. */
  readonly listener: Deno.TcpListener;
  #options: ListenOptions;

  /**
   * Wraps a listener; see {@linkcode listen}.
   *
   * @param listener A TCP listener.
   * @param options Options applied to every accepted connection.
   */
  constructor(listener: Deno.TcpListener, options: ListenOptions = {}) {
    this.listener = listener;
    this.#options = options;
  }

  /** The bound address; `addr.port` is the real port when 0 was asked. */
  get addr(): Deno.NetAddr {
    return this.listener.addr;
  }

  /**
   * Waits for the next connection.
   *
   * @returns The accepted connection, framed.
   * @throws {Deno.errors.BadResource} If the listener was closed.
   */
  async accept(): Promise<FramedConn<Deno.TcpConn>> {
    const conn = await this.listener.accept();
    try {
      if (this.#options.noDelay ?? true) conn.setNoDelay(true);
      return new FramedConn(conn, this.#options);
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
  async *[Symbol.asyncIterator](): AsyncIterator<FramedConn<Deno.TcpConn>> {
    while (true) {
      try {
        yield await this.accept();
      } catch (error) {
        if (error instanceof Deno.errors.BadResource) return;
        throw error;
      }
    }
  }

  /** Stops listening; connections already accepted stay open. */
  close(): void {
    try {
      this.listener.close();
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  }

  /** Stops listening; see {@linkcode FramedListener.prototype.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Listens on TCP and frames every accepted connection.
 *
 * @param options Where to listen, plus {@linkcode FramedConnOptions} for the
 * accepted connections.
 * @returns The listener.
 * @throws {Deno.errors.AddrInUse} If the port is taken.
 * @throws {TypeError} If a connection option has the wrong type.
 * @throws {RangeError} If a connection option is out of range.
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
 */
export function listen(options: ListenOptions = {}): FramedListener {
  // Validate the connection options now, not at the first accept: a typo
  // should fail the program at start-up, not each client later.
  new FramedConn(UNCONNECTED, options);
  const listener = Deno.listen({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    transport: "tcp",
  });
  return new FramedListener(listener, options);
}
