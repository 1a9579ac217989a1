// Copyright 2026 the framewire authors. MIT license.
// Opening a chat client's connection: TCP, TLS or a Unix socket with
// `connect()`, or a WebSocket (`url`) with `connectWebSocket()`, which is
// what a browser can open. The chat protocol above is the same on both.
import { connect, type ConnectOptions } from "../transport/connect.ts";
import {
  connectWebSocket,
  type WebSocketConnectOptions,
} from "../transport/connect_websocket.ts";
import type { ByteConn, FramedConn } from "../transport/framed_conn.ts";

/** Where a chat client connects: a socket address, or a WebSocket URL. */
export type DialOptions = ConnectOptions | WebSocketConnectOptions;

/** Whether the options name a WebSocket endpoint. */
export function isWebSocketTarget(
  options: DialOptions,
): options is WebSocketConnectOptions {
  return (options as WebSocketConnectOptions).url !== undefined;
}

/**
 * Opens the connection the options name; with `once`, one attempt bounded
 * by `timeoutMs` and `signal` (a reconnect's attempt, or a plain client's
 * connect), else as the options say (their own `retry`).
 */
export function dial(
  options: DialOptions,
  once?: { timeoutMs: number; signal?: AbortSignal },
): Promise<FramedConn<ByteConn>> {
  if (isWebSocketTarget(options)) {
    return connectWebSocket(
      once === undefined ? options : {
        ...options,
        connectTimeoutMs: once.timeoutMs,
        signal: once.signal ?? options.signal,
      },
    );
  }
  return connect(
    once === undefined ? options : {
      ...options,
      retry: {
        attempts: 1,
        totalTimeoutMs: once.timeoutMs,
        signal: once.signal,
      },
    } as ConnectOptions,
  );
}
