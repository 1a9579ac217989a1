// Copyright 2026 the framewire authors. MIT license.
// What the server's log may hold during a soak. A line is expected when
// its level is not `error` and its code (if any) is listed below: the soak's
// bad clients and churn cause these on purpose. Anything else fails the
// soak. To extend: add the code with the client that causes it, or pass
// `--allow-code CODE` for one run.

/** Codes the soak load causes on purpose, with the reason. */
export const EXPECTED_CODES: Readonly<Record<string, string>> = {
  FRAME_TOO_LARGE: "bad client `oversized` (a 4 GiB length); `garbage` too",
  FRAME_TYPE_UNKNOWN: "bad client `garbage` (type byte 128 to 255)",
  FRAME_TRUNCATED:
    "bad clients `truncated` and `half_header` (end of stream inside a frame)",
  PROTOCOL_MISMATCH: "bad client `http` (an HTTP request)",
  SLOW_READER: "bad client `never_reads` (held past --send-timeout-ms)",
  CONNECTION_ERROR:
    "churn and bad clients closing with unread data (reset by peer)",
  IDLE_TIMEOUT: "a held bad client, when --idle-timeout-ms is set",
  // The server's liveness clocks (docs/PROTOCOL.md section 12.1).
  FIRST_FRAME_TIMEOUT: "bad client `half_header` (no frame completed in time)",
  FRAME_STALLED: "bad clients `half_header`, `never_reads` (a frame stalls)",
  HEARTBEAT_TIMEOUT: "bad client `never_reads` (does not answer Pings)",
};

/**
 * Events whose lines are expected at `warn` level without a code: the log
 * limiter's count of warnings it held back from one peer.
 */
export const EXPECTED_UNCODED_WARNINGS: ReadonlySet<string> = new Set([
  "log_suppressed",
]);

/** The result of reading a log. */
export interface LogReport {
  /** Lines by level. */
  readonly levels: Record<string, number>;
  /** Lines by code (uncoded lines are not counted here). */
  readonly codes: Map<string, number>;
  /** Lines that are not expected, first ones kept (at most 20). */
  readonly unexpected: string[];
  /** How many lines are not expected. */
  readonly unexpectedCount: number;
}

// "level event [CODE] [conn=N] [peer=ADDR]: message" (transport/log.ts).
const LINE =
  /^(info|warn|error) ([a-z_]+)(?: ([A-Z][A-Z0-9_]*))?(?: conn=\d+)?(?: peer=\S+)?: /;

/**
 * Reads a server log: counts lines by level and code and keeps the lines
 * that are not expected (an `error` line, an unknown code, an uncoded
 * warning, or a line that is not a log event at all, such as a stack
 * trace).
 *
 * @param text The log.
 * @param allowed Codes expected in this run.
 * @returns The counts and the unexpected lines.
 */
export function readLog(text: string, allowed: ReadonlySet<string>): LogReport {
  const levels: Record<string, number> = { info: 0, warn: 0, error: 0 };
  const codes = new Map<string, number>();
  const unexpected: string[] = [];
  let unexpectedCount = 0;
  const flag = (line: string) => {
    unexpectedCount++;
    if (unexpected.length < 20) unexpected.push(line.slice(0, 300));
  };
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const match = LINE.exec(line);
    if (match === null) {
      flag(line);
      continue;
    }
    const [, level, event, code] = match;
    levels[level]++;
    if (code !== undefined) codes.set(code, (codes.get(code) ?? 0) + 1);
    if (level === "error") flag(line);
    else if (code !== undefined && !allowed.has(code)) flag(line);
    else if (
      code === undefined && level === "warn" &&
      !EXPECTED_UNCODED_WARNINGS.has(event)
    ) flag(line);
  }
  return { levels, codes, unexpected, unexpectedCount };
}
