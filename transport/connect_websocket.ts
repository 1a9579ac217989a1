// Copyright 2026 the framewire authors. MIT license.
/**
 * {@linkcode connectWebSocket}: a {@linkcode FramedConn} to a framewire
 * server's WebSocket endpoint (`/ws`), from a browser or from Deno. No
 * `Deno.*` call: the module runs in a browser.
 *
 * @module
 */
import { describe } from "../internal/describe.ts";
import { numberOption, optionsObject } from "../internal/options.ts";
import { ConnectionClosedError } from "./errors.ts";
import {
  FramedConn,
  type FramedConnOptions,
  resolveFramedConnOptions,
} from "./framed_conn.ts";
import { WebSocketConn } from "./websocket_conn.ts";

/** Options for {@linkcode connectWebSocket}. */
export interface WebSocketConnectOptions extends FramedConnOptions {
  /**
   * The endpoint: `ws://HOST:PORT/ws` or `wss://…`; an `http:` or `https:`
   * URL means the same with `ws:` or `wss:` (so a page can pass
   * `new URL("/ws", location.href)`).
   */
  url: string | URL;
  /**
   * Give up if the socket is not open within this many milliseconds.
   *
   * @default {10000}
   */
  connectTimeoutMs?: number;
  /**
   * Gives up when aborted; `connectWebSocket` rejects with the signal's
   * reason.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * A write waits while the socket buffers more than this many bytes.
   *
   * @default {1048576}
   */
  maxBufferedBytes?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The URL of a WebSocket endpoint, checked: `ws:`/`wss:`, or `http:`/`https:`
 * turned into them.
 *
 * @param url The endpoint.
 * @returns The `ws:` or `wss:` URL.
 * @throws {TypeError} If it is not a URL of one of those schemes.
 *
 * @example
 * ```ts
 * import { webSocketUrl } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * assert.equal(webSocketUrl("https://chat.example/ws").href, "wss://chat.example/ws");
 * ```
 */
export function webSocketUrl(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `Cannot use url ${
        describe(url)
      }: expected a ws:, wss:, http: or https: URL`,
    );
  }
  if (parsed.protocol === "http:") parsed.protocol = "ws:";
  if (parsed.protocol === "https:") parsed.protocol = "wss:";
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new TypeError(
      `Cannot use url ${
        describe(String(url))
      }: expected a ws:, wss:, http: or https: URL`,
    );
  }
  return parsed;
}

/**
 * Opens a WebSocket to a framewire server and returns a
 * {@linkcode FramedConn} over it: the same API as a TCP connection from
 * `connect()`, one frame per binary message (see {@linkcode WebSocketConn}).
 *
 * @param options The URL, the connect timeout and the `FramedConn` options.
 * @returns The connection, open.
 * @throws {TypeError} If the URL or an option is wrong.
 * @throws {RangeError} If an option is out of range.
 * @throws {ConnectionClosedError} If the socket closed before it opened
 * (refused, no such endpoint, a bad `Origin`).
 * @throws {DOMException} A `TimeoutError` after `connectTimeoutMs`; the
 * signal's reason when aborted.
 *
 * @example Ping a server's WebSocket endpoint
 * ```ts ignore
 * import { connectWebSocket, FrameType } from "@framewire/framewire";
 *
 * using conn = await connectWebSocket({ url: "ws://127.0.0.1:8080/ws" });
 * const pong = await conn.request({ type: FrameType.Ping, payload: new Uint8Array([1]) });
 * ```
 */
export async function connectWebSocket(
  options: WebSocketConnectOptions,
): Promise<FramedConn<WebSocketConn>> {
  const raw = optionsObject(options, "Cannot connect WebSocket");
  const url = webSocketUrl(raw.url);
  const timeoutMs = numberOption(
    "connectTimeoutMs",
    raw.connectTimeoutMs,
    DEFAULT_CONNECT_TIMEOUT_MS,
    { fractional: true },
  );
  const { url: _, connectTimeoutMs: __, signal, maxBufferedBytes, ...rest } =
    raw;
  const resolved = resolveFramedConnOptions(rest);
  signal?.throwIfAborted();
  const socket = new WebSocket(url);
  const conn = new WebSocketConn(socket, {
    ...resolved.receiveCodec,
    maxBufferedBytes,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("close", (event) => {
        reject(
          new ConnectionClosedError(
            `connect to ${url.href} (WebSocket close ${event.code})`,
          ),
        );
      }, { once: true });
      timer = setTimeout(
        () =>
          reject(
            new DOMException(
              `Cannot connect to ${url.href}: not open within ${timeoutMs} ms`,
              "TimeoutError",
            ),
          ),
        timeoutMs,
      );
      onAbort = () => reject(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  } catch (error) {
    conn.close();
    throw error;
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
  }
  return new FramedConn(conn, resolved);
}
