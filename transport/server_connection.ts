// Copyright 2026 the framewire authors. MIT license.
/**
 * One client of a framewire server, as handlers and the registry see it.
 *
 * @module
 */
import type { Frame } from "../codec/frame.ts";
import type { ByteConn, FramedConn, FramedConnStats } from "./framed_conn.ts";
import type { ErrorCodeValue } from "./protocol_errors.ts";

/** How a server connection reached the server. */
export type ServerTransport =
  | "tcp"
  | "tls"
  | "unix"
  // A WebSocket (over TLS: `wss`), handed to the server by the gateway.
  | "ws"
  | "wss";

/**
 * A snapshot of one connection, for an admin console or metrics. Returned by
 * {@linkcode Server.prototype.connections}.
 */
export interface ConnectionInfo {
  /** Server-wide unique id, counting from 1. */
  readonly id: number;
  /** How the client connected. */
  readonly transport: ServerTransport;
  /** Peer address: `"127.0.0.1:53122"`, `"[::1]:53122"`, or `"unix"`. */
  readonly remoteAddress: string;
  /**
   * What the client declared in its last ClientType frame (type 3): the
   * `type` field of a JSON object payload, else the text itself, cut to 64
   * characters so credentials sent alongside never end up in a listing.
   */
  readonly clientType: string | undefined;
  /** When the connection was accepted. */
  readonly connectedAt: Date;
  /** Bytes read from the client. */
  readonly bytesIn: number;
  /** Bytes written to the client. */
  readonly bytesOut: number;
  /** Frames received from the client. */
  readonly framesIn: number;
  /** Frames written to the client. */
  readonly framesOut: number;
  /** Bytes queued for the client and not yet written. */
  readonly queuedBytes: number;
}

/**
 * A client as a server handler sees it. Created by the server for every
 * accepted connection; a handler receives it with every frame.
 *
 * Two ways to send, with two policies for a client that does not read (see
 * the slow-reader policy of {@linkcode serve}):
 * - **Replies**: return frames from the handler. The server waits for room
 *   in the outbound queue before writing them, and reads nothing more from
 *   the client meanwhile (backpressure).
 * - **Pushes**: {@linkcode ServerConnection.send} from anywhere (a chat
 *   broadcast). They never wait: if the client's queue is over
 *   `maxQueuedBytes` the push is refused and the client is closed with
 *   `SLOW_READER`, so one stalled client cannot stall the sender or grow
 *   server memory.
 *
 * Per-connection protocol state belongs in a `WeakMap` keyed by this object.
 */
export interface ServerConnection {
  /** Server-wide unique id, counting from 1. */
  readonly id: number;
  /** How the client connected. */
  readonly transport: ServerTransport;
  /** Peer address as text; see {@linkcode ConnectionInfo.remoteAddress}. */
  readonly remoteAddress: string;
  /** The declared client type; see {@linkcode ConnectionInfo.clientType}. */
  readonly clientType: string | undefined;
  /** When the connection was accepted. */
  readonly connectedAt: Date;
  /** Byte and frame counters. */
  readonly stats: Readonly<FramedConnStats>;
  /** The framed connection underneath; prefer the methods here. */
  readonly conn: FramedConn<ByteConn>;
  /** Aborted when the connection closes, so long handlers can stop. */
  readonly signal: AbortSignal;
  /** Whether the connection is closing or closed. */
  readonly closed: boolean;
  /**
   * Why the connection closed: an {@linkcode ErrorCode} value,
   * `"PEER_CLOSED"`, `"CLOSED"` (by {@linkcode ServerConnection.close}), or
   * `undefined` while open.
   */
  readonly closeReason: ErrorCodeValue | undefined;

  /**
   * Pushes a frame to the client, outside of any request.
   *
   * @param frame The frame.
   * @returns Resolves once written.
   * @throws {SendQueueFullError} If the client's queue is full; the client
   * is being closed with `SLOW_READER`.
   * @throws {ConnectionClosedError} If the connection is closed.
   */
  send(frame: Frame): Promise<void>;

  /**
   * Pushes several frames, coalesced into few writes; same policy as
   * {@linkcode ServerConnection.send}.
   *
   * @param frames The frames.
   * @returns Resolves once written.
   */
  sendMany(frames: readonly Frame[]): Promise<void>;

  /**
   * Closes the connection, first sending an Error frame `{code, message}`
   * when a code is given (bounded wait; a client that does not read gets
   * closed anyway).
   *
   * From inside a handler of this connection, do not await the result: the
   * close completes only once the handler has returned.
   *
   * @param code Error code to send, or nothing for a plain close.
   * @param message Text for the Error frame.
   * @returns Resolves once the connection is closed.
   */
  close(code?: ErrorCodeValue, message?: string): Promise<void>;

  /**
   * A snapshot for the registry.
   *
   * @returns The connection's current info.
   */
  info(): ConnectionInfo;
}
