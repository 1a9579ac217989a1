// Copyright 2026 the framewire authors. MIT license.
/**
 * The one logging contract of framewire: the server, chat and files all
 * report what happens as structured {@linkcode LogEvent}s to a
 * {@linkcode Logger}, and one formatter turns an event into a line.
 *
 * Every component takes a `logger` option with the same meaning:
 * - `undefined` (the default): `warn` and `error` events go to
 *   `console.error`, formatted by {@linkcode formatLogEvent};
 * - `null`: nothing is logged;
 * - a function: it receives every event, `info` included. A logger that
 *   throws is ignored: logging never breaks a connection or a transfer.
 *
 * @module
 */

/** How serious a log event is. */
export type LogLevel = "info" | "warn" | "error";

/** One line of a log, with the peer it concerns. */
export interface LogEvent {
  /** `info` for the normal life of connections, `warn` for misbehaving peers, `error` for server faults. */
  readonly level: LogLevel;
  /** What happened, such as `"protocol_error"` or `"chat_login"`. */
  readonly event: string;
  /** Human-readable description. */
  readonly message: string;
  /** The error code involved, if any (see `ErrorCode`). */
  readonly code?: string;
  /** Id of the connection concerned. */
  readonly connectionId?: number;
  /** Address of the peer concerned. */
  readonly remoteAddress?: string;
}

/** Receives log events. */
export type Logger = (event: LogEvent) => void;

/**
 * Formats a log event as one line: level, event, code, peer, message.
 *
 * @param event The event.
 * @returns The line, without a newline.
 *
 * @example
 * ```ts
 * import { formatLogEvent } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const line = formatLogEvent({
 *   level: "warn",
 *   event: "protocol_error",
 *   code: "FRAME_TOO_LARGE",
 *   connectionId: 7,
 *   remoteAddress: "127.0.0.1:50000",
 *   message: "Cannot receive frame: payload length 4294967295 exceeds maxFrameLength 1048576",
 * });
 * assert.equal(
 *   line,
 *   "warn protocol_error FRAME_TOO_LARGE conn=7 peer=127.0.0.1:50000: Cannot receive frame: payload length 4294967295 exceeds maxFrameLength 1048576",
 * );
 * ```
 */
export function formatLogEvent(event: LogEvent): string {
  let line = `${event.level} ${event.event}`;
  if (event.code !== undefined) line += ` ${event.code}`;
  if (event.connectionId !== undefined) line += ` conn=${event.connectionId}`;
  if (event.remoteAddress !== undefined) line += ` peer=${event.remoteAddress}`;
  return `${line}: ${event.message}`;
}

/**
 * The default logger: `warn` and `error` events to `console.error`, one
 * line each ({@linkcode formatLogEvent}); `info` events are dropped.
 *
 * @param event The event.
 */
export function defaultLogger(event: LogEvent): void {
  if (event.level !== "info") console.error(formatLogEvent(event));
}

/**
 * Turns a `logger` option into a function that is safe to call anywhere:
 * `undefined` gives {@linkcode defaultLogger}, `null` a logger that drops
 * everything, and a function is wrapped so that a throw is swallowed.
 *
 * @param logger The option as the user gave it.
 * @param name The option's name, for the error message.
 * @returns A logger that never throws.
 * @throws {TypeError} If `logger` is neither a function, `null` nor `undefined`.
 *
 * @example
 * ```ts
 * import { type LogEvent, resolveLogger } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const seen: LogEvent[] = [];
 * const log = resolveLogger((event) => {
 *   seen.push(event);
 *   throw new Error("disk full"); // swallowed
 * });
 * log({ level: "info", event: "demo", message: "Hello" });
 * assert.equal(seen.length, 1);
 * assert.throws(() => resolveLogger("stderr" as never), TypeError);
 * ```
 */
export function resolveLogger(
  logger: Logger | null | undefined,
  name = "logger",
): Logger {
  if (logger === undefined) return defaultLogger;
  if (logger === null) return () => {};
  if (typeof logger !== "function") {
    throw new TypeError(
      `Cannot use ${name} ${String(logger)}: expected a function or null`,
    );
  }
  return (event) => {
    try {
      logger(event);
    } catch {
      // A failing logger must not break the protocol.
    }
  };
}
