// Copyright 2026 the framewire authors. MIT license.
// Turning clients away: a client beyond `maxConnections` (or over a per-host
// limit) is never served, but it is told why with an Error frame
// (`SERVER_FULL`, `HOST_LIMIT`, `CONNECTION_RATE_LIMITED`). Telling it properly
// means lingering until it hangs up (closing at once could make the kernel
// reset the connection and destroy the frame), and lingering holds a file
// descriptor, so a flood of clients must not linger without bound. This is
// the server's only write path outside a served connection.
import { encodeFrame } from "../codec/encode.ts";
import type { ResolvedFrameCodecOptions } from "../codec/options.ts";
import {
  type ByteConn,
  FramedConn,
  type FramedConnOptions,
} from "./framed_conn.ts";
import type { LogEvent } from "./log.ts";
import {
  ErrorCode,
  type ErrorCodeValue,
  errorFrame,
} from "./protocol_errors.ts";
import type { ServerTransport } from "./server_connection.ts";

/** What the refusals need from their server. */
export interface RefusalOptions {
  readonly transport: ServerTransport;
  /** Named in the Error frame: "N of N connections in use". */
  readonly maxConnections: number;
  /** Most refusals lingering at once; beyond, a refusal closes at once. */
  readonly maxLingering: number;
  /** Longest a refusal waits for the client to hang up. */
  readonly lingerMs: number;
  readonly connOptions: FramedConnOptions;
  readonly sendOptions: ResolvedFrameCodecOptions;
  log(event: LogEvent): void;
}

const DRAIN_BUFFER_BYTES = 4096;

/** The `SERVER_FULL` refusals of one server, lingering or not. */
export class Refusals {
  #options: RefusalOptions;
  // Lingering refusals; the shutdown deadline closes them like connections.
  #lingering = new Map<Promise<void>, FramedConn<ByteConn>>();

  constructor(options: RefusalOptions) {
    this.#options = options;
  }

  /** Number of refusals lingering now. */
  get size(): number {
    return this.#lingering.size;
  }

  /** Settles once every refusal lingering now has closed. */
  settled(): Promise<unknown> {
    return Promise.all(this.#lingering.keys());
  }

  /** Closes every lingering refusal at once (the shutdown deadline). */
  closeAll(): void {
    for (const framed of this.#lingering.values()) framed.close();
  }

  /**
   * Tells the client why (`SERVER_FULL` unless another code is given), then
   * closes without serving it.
   */
  refuse(
    conn: ByteConn,
    remoteAddress: string,
    code: ErrorCodeValue = ErrorCode.ServerFull,
    reason?: string,
  ): void {
    const { maxConnections, maxLingering } = this.#options;
    const message = reason ??
      `Cannot accept: ${maxConnections} of ${maxConnections} connections in use`;
    const lingering = this.#lingering.size < maxLingering;
    this.#options.log({
      level: "warn",
      event: code === ErrorCode.ServerFull ? "server_full" : "host_refused",
      code,
      message: lingering
        ? message
        : `${message}; closing at once, ${this.#lingering.size} refusals already lingering`,
      remoteAddress,
    });
    if (lingering) this.#linger(conn, code, message);
    else this.#closeAtOnce(conn, code, message);
  }

  /**
   * A flood beyond maxConnections must not hold a descriptor per client for
   * lingerMs. One small write into a fresh socket's empty buffer does not
   * wait; a TLS write would first wait for the handshake, so TLS clients
   * are closed without a word.
   */
  #closeAtOnce(conn: ByteConn, code: ErrorCodeValue, message: string): void {
    if (this.#options.transport === "tls") {
      conn.close();
      return;
    }
    const bytes = encodeFrame(
      errorFrame(code, message),
      this.#options.sendOptions,
    );
    conn.write(bytes).catch(() => {}).finally(() => conn.close());
  }

  #linger(conn: ByteConn, code: ErrorCodeValue, message: string): void {
    const framed = new FramedConn(conn, this.#options.connOptions);
    const task = (async () => {
      const timer = setTimeout(() => framed.close(), this.#options.lingerMs);
      try {
        await framed.send(errorFrame(code, message));
        await framed.closeWrite();
        // Wait for the client to hang up, so our Error frame is not lost to
        // a reset caused by unread bytes.
        const buffer = new Uint8Array(DRAIN_BUFFER_BYTES);
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
    this.#lingering.set(task, framed);
    task.finally(() => this.#lingering.delete(task));
  }
}
