// Copyright 2026 the framewire authors. MIT license.
/**
 * Open a framed TCP connection.
 *
 * @module
 */
import { FramedConn, type FramedConnOptions } from "./framed_conn.ts";

/** Options for {@linkcode connect}. */
export interface ConnectOptions extends FramedConnOptions {
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
}

/**
 * Connects over TCP and wraps the connection in a {@linkcode FramedConn}.
 *
 * @param options Where to connect, plus {@linkcode FramedConnOptions}.
 * @returns The framed connection.
 * @throws {Deno.errors.ConnectionRefused} If nothing listens there.
 *
 * @example Connect to a listener
 * ```ts
 * import { connect, listen } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * using listener = listen({ port: 0 });
 * using client = await connect({ port: listener.addr.port });
 * using server = await listener.accept();
 * await client.send({ type: 2, payload: new Uint8Array([1]) });
 * assert.equal((await server.receive())?.type, 2);
 * ```
 */
export async function connect(
  options: ConnectOptions,
): Promise<FramedConn<Deno.TcpConn>> {
  const conn = await Deno.connect({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port,
    transport: "tcp",
  });
  try {
    if (options.noDelay ?? true) conn.setNoDelay(true);
    return new FramedConn(conn, options);
  } catch (error) {
    conn.close();
    throw error;
  }
}
