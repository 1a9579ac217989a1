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
 * by `timeoutMs` and `signal` (a reconnect's attempt), else as the options
 * say (their own `retry`).
 */
export function dial(
  options: DialOptions,
  once?: { timeoutMs: number; signal: AbortSignal },
): Promise<FramedConn<ByteConn>> {
  if (isWebSocketTarget(options)) {
    return connectWebSocket(
      once === undefined ? options : {
        ...options,
        connectTimeoutMs: once.timeoutMs,
        signal: once.signal,
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

/**
 * The options of a plain (non-reconnecting) client's one connect: without
 * its own `retry`, a single attempt bounded by `timeoutMs` (over WebSocket,
 * its `connectTimeoutMs`).
 */
export function boundedConnect(
  options: DialOptions,
  timeoutMs: number,
): DialOptions {
  if (isWebSocketTarget(options)) {
    return { ...options, connectTimeoutMs: timeoutMs };
  }
  if (options.retry !== undefined && options.retry !== false) return options;
  return {
    ...options,
    retry: { attempts: 1, totalTimeoutMs: timeoutMs },
  } as ConnectOptions;
}
