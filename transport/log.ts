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
 * Peers choose much of what gets logged (codes, messages, names, paths), so
 * two rules keep a log readable and honest whatever they send:
 * - every value that came from a peer goes through {@linkcode peerText}
 *   (control characters escaped, cut at 200 characters) before it is put
 *   in an event, and {@linkcode formatLogEvent} escapes control characters
 *   in every field again, so that no event can print a second line;
 * - {@linkcode resolveLogger} limits the `warn` events about one peer (10
 *   per 10 s per connection, 50 per 10 s per host) and reports what it
 *   suppressed in a `log_suppressed` line; `info` and `error` events are
 *   never suppressed.
 *
 * @module
 */
import { LogLimiter } from "./_log_limiter.ts";

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

/** How many characters of a peer's value {@linkcode peerText} keeps. */
export const PEER_TEXT_MAX_CHARS = 200;

// C0 controls, DEL, C1 controls, the line and paragraph separators, the
// bidirectional overrides and isolates (which reorder what a terminal
// shows), the byte order mark, and lone surrogates (with the `u` flag a
// surrogate range matches only unpaired ones).
const UNSAFE =
  // deno-lint-ignore no-control-regex -- matching them is the point
  /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "gu");
const NAMED_ESCAPES: Record<string, string> = {
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

function escapeUnit(char: string): string {
  const named = NAMED_ESCAPES[char];
  if (named !== undefined) return named;
  const unit = char.charCodeAt(0);
  return unit < 0x100
    ? `\\x${unit.toString(16).padStart(2, "0")}`
    : `\\u${unit.toString(16).padStart(4, "0")}`;
}

function escapeControls(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escapeUnit) : text;
}

/**
 * Makes a value that came from a peer safe to put in a log line: control
 * characters (newlines, escape sequences, bidirectional overrides, lone
 * surrogates) are shown as visible escapes such as `\n` and `\x1b`, and
 * text beyond `maxChars` is cut with a marker saying how much was left out.
 * Use it for every code, message, name or path a peer sent before it goes
 * into a {@linkcode LogEvent}.
 *
 * @param value What the peer sent (turned into a string with `String`).
 * @param maxChars Most UTF-16 code units kept before escaping.
 * @returns One line of at most a few times `maxChars` characters.
 *
 * @example
 * ```ts
 * import { peerText } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * assert.equal(peerText("ok\nerror forged line\x1b[2J"), "ok\\nerror forged line\\x1b[2J");
 * assert.equal(peerText("x".repeat(250)), `${"x".repeat(200)}…(+50 chars)`);
 * ```
 */
export function peerText(
  value: unknown,
  maxChars: number = PEER_TEXT_MAX_CHARS,
): string {
  const text = typeof value === "string" ? value : String(value);
  if (text.length <= maxChars) return escapeControls(text);
  let end = maxChars;
  // Never split a surrogate pair: it would show as a lone surrogate.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${escapeControls(text.slice(0, end))}…(+${text.length - end} chars)`;
}

/** Longest message {@linkcode formatLogEvent} prints, in UTF-16 code units. */
const MAX_LINE_MESSAGE_CHARS = 2000;

/**
 * Formats a log event as one line: level, event, code, peer, message.
 * Control characters in any field are escaped (see {@linkcode peerText}),
 * so an event can never print more than one line, and a message longer
 * than 2,000 characters is cut with a marker.
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
  let line = `${escapeControls(String(event.level))} ${peerText(event.event)}`;
  if (event.code !== undefined) line += ` ${peerText(event.code)}`;
  if (event.connectionId !== undefined) {
    line += ` conn=${peerText(event.connectionId)}`;
  }
  if (event.remoteAddress !== undefined) {
    line += ` peer=${peerText(event.remoteAddress)}`;
  }
  return `${line}: ${peerText(event.message, MAX_LINE_MESSAGE_CHARS)}`;
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
 * The result also limits the `warn` events one peer can cause: an event
 * with a `connectionId` or a `remoteAddress` spends a token of that
 * connection (10 per 10 s) and of its host, the address without the port
 * (50 per 10 s). Beyond them the event is counted, not passed on; the count
 * is reported in one `warn` event `log_suppressed` before the next event
 * about that peer that gets through (the server's `connection_closed`, for
 * one), or with the first event after the next 10 s window. `info` and
 * `error` events are never suppressed, and events pass through unchanged.
 * Each call makes its own limiter, holding at most 4,096 connections and
 * 4,096 hosts, and no timer.
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
  if (logger === null) return () => {};
  if (logger !== undefined && typeof logger !== "function") {
    throw new TypeError(
      `Cannot use ${name} ${String(logger)}: expected a function or null`,
    );
  }
  const target = logger ?? defaultLogger;
  const limiter = new LogLimiter((event) => {
    try {
      target(event);
    } catch {
      // A failing logger must not break the protocol.
    }
  });
  return (event) => limiter.log(event);
}
