// Copyright 2026 the framewire authors. MIT license.
// Where a server listens: TCP, TLS or a Unix socket. `serve()` and `listen()`
// take the same `hostname` / `port` / `path` / `tls` options, so both check
// them here, with the same messages, open the listener here and print its
// address the same way. Nothing here knows about frames.
import { describe } from "../internal/describe.ts";
import { numberOption, stringOption } from "../internal/options.ts";
import type { ServerTransport } from "./server_connection.ts";

/** The address options `serve()` and `listen()` share, as given. */
export interface ListenAddressOptions {
  hostname?: string;
  port?: number;
  path?: string;
  tls?: {
    cert?: string;
    key?: string;
    certFile?: string;
    keyFile?: string;
  };
}

/**
 * Where a server listens, checked, with every default filled in; see
 * `resolveServeOptions`.
 */
export type ListenTarget =
  | {
    /** Plain TCP. */
    readonly transport: "tcp";
    /** Address to bind. */
    readonly hostname: string;
    /** Port to bind; `0` for any free one. */
    readonly port: number;
  }
  | {
    /** TLS over TCP. */
    readonly transport: "tls";
    /** Address to bind. */
    readonly hostname: string;
    /** Port to bind; `0` for any free one. */
    readonly port: number;
    /** Certificate and key: PEM text wins over a file path. */
    readonly tls: {
      readonly cert?: string;
      readonly key?: string;
      readonly certFile?: string;
      readonly keyFile?: string;
    };
  }
  | {
    /** A Unix socket. */
    readonly transport: "unix";
    /** Path of the socket file. */
    readonly path: string;
  };

type TlsFiles = NonNullable<ListenAddressOptions["tls"]>;

/** Binds local clients only unless told otherwise. */
export const DEFAULT_HOSTNAME = "127.0.0.1";
/** Lets the OS pick a free port. */
export const DEFAULT_PORT = 0;

/**
 * Checks the address options. Files are not read here: that is I/O, and
 * belongs to {@linkcode openListener}.
 *
 * @throws {TypeError} If an option has the wrong type, or `path` comes with
 * `port` or `tls`, or `tls` lacks a certificate or a key.
 * @throws {RangeError} If `port` is not an integer from 0 to 65535.
 */
export function resolveListenTarget(
  options: ListenAddressOptions,
): ListenTarget {
  const hostname = stringOption("hostname", options.hostname, {
    nonEmpty: true,
  }) ?? DEFAULT_HOSTNAME;
  const port = numberOption("port", options.port, DEFAULT_PORT, {
    max: 65535,
  });
  const path = stringOption("path", options.path, { nonEmpty: true });
  if (path !== undefined) {
    for (const name of ["port", "tls"] as const) {
      if (options[name] !== undefined) {
        throw new TypeError(
          `Cannot use path ${
            describe(path)
          } with ${name}: a Unix socket has no port and no TLS`,
        );
      }
    }
    return Object.freeze({ transport: "unix", path });
  }
  if (options.tls === undefined) {
    return Object.freeze({ transport: "tcp", hostname, port });
  }
  return Object.freeze({
    transport: "tls",
    hostname,
    port,
    tls: resolveTlsFiles(options.tls),
  });
}

function resolveTlsFiles(tls: unknown): Readonly<TlsFiles> {
  if (tls === null || typeof tls !== "object") {
    throw new TypeError(
      `Cannot use tls ${
        describe(tls)
      }: expected an object with cert or certFile, and key or keyFile`,
    );
  }
  const given = tls as Record<keyof TlsFiles, unknown>;
  const files: TlsFiles = {};
  for (const name of ["cert", "key", "certFile", "keyFile"] as const) {
    const value = stringOption(`tls.${name}`, given[name], { nonEmpty: true });
    if (value !== undefined) files[name] = value;
  }
  if (
    (files.cert === undefined && files.certFile === undefined) ||
    (files.key === undefined && files.keyFile === undefined)
  ) {
    throw new TypeError(
      "Cannot use tls: give cert or certFile, and key or keyFile",
    );
  }
  return Object.freeze(files);
}

/**
 * Opens the listener; certificate files are read now, once.
 *
 * @throws {Deno.errors.AddrInUse} If the address is taken.
 * @throws {Deno.errors.NotFound} If a certificate file does not exist.
 */
export function openListener(target: ListenTarget): Deno.Listener {
  switch (target.transport) {
    case "unix":
      return Deno.listen({ transport: "unix", path: target.path });
    case "tls": {
      const { tls } = target;
      return Deno.listenTls({
        hostname: target.hostname,
        port: target.port,
        // PEM text wins over a file, as documented on the options.
        cert: tls.cert ?? Deno.readTextFileSync(tls.certFile!),
        key: tls.key ?? Deno.readTextFileSync(tls.keyFile!),
      });
    }
    case "tcp":
      return Deno.listen({
        hostname: target.hostname,
        port: target.port,
        transport: "tcp",
      });
  }
}

/**
 * Turns off Nagle's algorithm where the socket has it (TCP, and TLS over
 * TCP): framewire coalesces small frames itself.
 */
export function setNoDelay(conn: Deno.Conn): void {
  if (!("setNoDelay" in conn)) return;
  try {
    (conn as Deno.TcpConn).setNoDelay(true);
  } catch {
    // Not fatal: only latency suffers.
  }
}

/** Closes a listener; closing one already closed is not an error. */
export function closeListener(listener: Deno.Listener): void {
  try {
    listener.close();
  } catch (error) {
    if (!(error instanceof Deno.errors.BadResource)) throw error;
  }
  // Deno leaves the socket file behind; the next bind would fail on it.
  if (listener.addr.transport === "unix") {
    try {
      Deno.removeSync(listener.addr.path);
    } catch {
      // Already gone.
    }
  }
}

/** A peer's address for logs and the registry: `host:port`, or `unix`. */
export function formatRemoteAddr(addr: Deno.Addr): string {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`;
  }
  return "unix";
}

/**
 * A listener's address as a URL-like string: `tcp://127.0.0.1:9000`,
 * `tls://127.0.0.1:9443`, `unix:///run/framewire.sock`.
 */
export function formatListenAddr(
  transport: ServerTransport,
  addr: Deno.Addr,
): string {
  if (addr.transport === "unix" || addr.transport === "unixpacket") {
    return `unix://${addr.path}`;
  }
  return `${transport}://${formatRemoteAddr(addr)}`;
}
