// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  connect,
  defaultLogger,
  formatLogEvent,
  FrameType,
  type LogEvent,
  peerText,
  resolveLogger,
  serve,
} from "../../mod.ts";
import {
  LOG_LIMITS,
  LogLimiter,
  type LogLimits,
} from "../../transport/_log_limiter.ts";
import { until } from "../_utils.ts";

function captureStderr(fn: () => void): string[] {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    fn();
  } finally {
    console.error = original;
  }
  return lines;
}

/** Whether `text` holds a C0 control character or DEL. */
function hasControl(text: string): boolean {
  // deno-lint-ignore no-control-regex -- looking for them is the point
  return /[\x00-\x1f\x7f]/.test(text);
}

const warn: LogEvent = {
  level: "warn",
  event: "protocol_error",
  code: "FRAME_TOO_LARGE",
  message: "Too large",
};

Deno.test("formatLogEvent leaves out the fields an event does not have", () => {
  assert.equal(
    formatLogEvent({ level: "info", event: "listening", message: "Up" }),
    "info listening: Up",
  );
  assert.equal(
    formatLogEvent({ ...warn, connectionId: 3 }),
    "warn protocol_error FRAME_TOO_LARGE conn=3: Too large",
  );
});

Deno.test("defaultLogger prints warn and error events, drops info", () => {
  const lines = captureStderr(() => {
    defaultLogger({ level: "info", event: "connection_open", message: "Hi" });
    defaultLogger(warn);
    defaultLogger({ level: "error", event: "handler_error", message: "Boom" });
  });
  assert.deepEqual(lines, [
    "warn protocol_error FRAME_TOO_LARGE: Too large",
    "error handler_error: Boom",
  ]);
});

Deno.test("resolveLogger: undefined prints like defaultLogger, null drops everything", () => {
  const lines = captureStderr(() => {
    const log = resolveLogger(undefined);
    log({ level: "info", event: "connection_open", message: "Hi" });
    log(warn);
  });
  assert.deepEqual(lines, ["warn protocol_error FRAME_TOO_LARGE: Too large"]);
  assert.deepEqual(captureStderr(() => resolveLogger(null)(warn)), []);
});

Deno.test("resolveLogger passes every event on and swallows a logger's throw", () => {
  const seen: string[] = [];
  const log = resolveLogger((event) => {
    seen.push(event.event);
    throw new Error("logger failed");
  });
  log({ level: "info", event: "a", message: "" });
  log(warn);
  assert.deepEqual(seen, ["a", "protocol_error"]);
});

Deno.test("resolveLogger refuses a value that is not a function", () => {
  assert.throws(() => resolveLogger(42 as never), {
    name: "TypeError",
    message: "Cannot use logger 42: expected a function or null",
  });
});

// --- Peer values in log lines ---------------------------------------------

Deno.test("peerText shows control characters as visible escapes", () => {
  assert.equal(peerText("plain text"), "plain text");
  assert.equal(
    peerText("a\nerror handler_error: forged\r\n\x1b[2J\x00\x7f\u0085"),
    "a\\nerror handler_error: forged\\r\\n\\x1b[2J\\x00\\x7f\\x85",
  );
  // Separators and bidirectional overrides reorder or break what is shown.
  assert.equal(peerText("a\u2028b\u202ec\u2066d"), "a\\u2028b\\u202ec\\u2066d");
  // A lone surrogate is escaped; a pair is a character and stays.
  assert.equal(peerText("\ud800x\u{1f600}"), "\\ud800x\u{1f600}");
  assert.equal(peerText(42), "42");
});

Deno.test("peerText cuts long values with a marker counting what was left out", () => {
  assert.equal(peerText("x".repeat(200)), "x".repeat(200));
  assert.equal(
    peerText("x".repeat(1_048_576)),
    `${"x".repeat(200)}…(+1048376 chars)`,
  );
  assert.equal(peerText("abcdef", 4), "abcd…(+2 chars)");
  // Never a half pair at the cut.
  assert.equal(peerText("ab\u{1f600}", 3), "ab…(+2 chars)");
});

Deno.test("formatLogEvent escapes control characters in every field and cuts the message", () => {
  const line = formatLogEvent({
    level: "warn",
    event: "peer\nerror",
    code: "X\x1b[31m",
    connectionId: 1,
    remoteAddress: "evil\r\nhost",
    message: `line one\nerror forged: ${"y".repeat(3000)}`,
  });
  assert.ok(!hasControl(line), line.slice(0, 100));
  assert.ok(
    line.startsWith(
      "warn peer\\nerror X\\x1b[31m conn=1 peer=evil\\r\\nhost: line one\\nerror forged: yyy",
    ),
  );
  assert.ok(line.endsWith("…(+1023 chars)"), line.slice(-30));
});

// --- Rate limits of peer warnings ------------------------------------------

function limiter(overrides: Partial<LogLimits> = {}) {
  let now = 0;
  const events: LogEvent[] = [];
  const limits: LogLimits = { ...LOG_LIMITS, clock: () => now, ...overrides };
  const log = new LogLimiter((event) => events.push(event), limits);
  return {
    log,
    events,
    advance(ms: number) {
      now += ms;
    },
  };
}

const peerWarn = (connectionId: number, host = "10.0.0.1"): LogEvent => ({
  level: "warn",
  event: "peer_error",
  message: "Peer reported X: y",
  connectionId,
  remoteAddress: `${host}:${40000 + connectionId}`,
});

Deno.test("LogLimiter lets 10 warnings per connection through per 10 s and reports the rest when logging resumes", () => {
  const { log, events, advance } = limiter();
  for (let i = 0; i < 1000; i++) log.log(peerWarn(1));
  assert.equal(events.length, 10);
  advance(1000); // One token back.
  log.log(peerWarn(1));
  assert.deepEqual(events.slice(10).map((event) => event.event), [
    "log_suppressed",
    "peer_error",
  ]);
  assert.equal(events[10].level, "warn");
  assert.equal(events[10].connectionId, 1);
  assert.match(
    events[10].message,
    /^Suppressed 990 warnings from this connection in 1 s/,
  );
});

Deno.test("LogLimiter never suppresses info and error events, and reports a count before them", () => {
  const { log, events } = limiter();
  for (let i = 0; i < 20; i++) log.log(peerWarn(1));
  log.log({ ...peerWarn(1), level: "error", event: "handler_error" });
  for (let i = 0; i < 20; i++) {
    log.log({ ...peerWarn(1), level: "info", event: "chat_login" });
  }
  assert.deepEqual(events.slice(10, 13).map((event) => event.event), [
    "log_suppressed",
    "handler_error",
    "chat_login",
  ]);
  assert.equal(events.length, 10 + 1 + 1 + 20);
  assert.match(events[10].message, /^Suppressed 10 warnings/);
});

Deno.test("LogLimiter limits one host to 50 warnings per 10 s across its connections", () => {
  const { log, events, advance } = limiter();
  for (let id = 1; id <= 200; id++) log.log(peerWarn(id));
  // Another host is not affected.
  log.log(peerWarn(999, "10.0.0.2"));
  assert.equal(events.length, 51);
  assert.equal(events[50].connectionId, 999);
  advance(10_000);
  log.log(peerWarn(1000));
  assert.equal(events[51].event, "log_suppressed");
  assert.equal(events[51].connectionId, undefined);
  assert.equal(events[51].remoteAddress, "10.0.0.1");
  assert.match(
    events[51].message,
    /^Suppressed 150 warnings from host 10\.0\.0\.1 in 10 s/,
  );
});

Deno.test("LogLimiter keys IPv6 hosts without their port, and refusals without a connection by host", () => {
  const { log, events } = limiter();
  for (let port = 1; port <= 60; port++) {
    log.log({
      level: "warn",
      event: "server_full",
      message: "full",
      remoteAddress: `[::1]:${port}`,
    });
  }
  assert.equal(events.length, 50);
});

Deno.test("LogLimiter reports a count with the first event after the window even when the peer went quiet", () => {
  const { log, events, advance } = limiter();
  for (let i = 0; i < 15; i++) log.log(peerWarn(1));
  advance(10_000);
  log.log({ level: "info", event: "listening", message: "Up" });
  assert.deepEqual(events.slice(10).map((event) => event.event), [
    "log_suppressed",
    "listening",
  ]);
  assert.match(
    events[10].message,
    /^Suppressed 5 warnings from this connection in 10 s/,
  );
});

Deno.test("LogLimiter forgets a closed connection and keeps its tables bounded", () => {
  const { log, events, advance } = limiter({ maxKeys: 8 });
  for (let id = 1; id <= 100; id++) {
    log.log(peerWarn(id, `10.0.${id}.1`));
    assert.ok(log.keys.connections <= 8 && log.keys.hosts <= 8);
  }
  log.log({
    ...peerWarn(100, "10.0.100.1"),
    level: "info",
    event: "connection_closed",
  });
  assert.equal(log.keys.connections, 7);
  // Quiet keys whose buckets refilled are dropped by the sweep.
  advance(10_000);
  log.log({ level: "info", event: "tick", message: "" });
  assert.deepEqual(log.keys, { connections: 0, hosts: 0 });
  assert.equal(
    events.filter((event) => event.event === "log_suppressed").length,
    0,
  );
});

Deno.test("LogLimiter reports the count of a key it evicts", () => {
  const { log, events } = limiter({ maxKeys: 2 });
  for (let i = 0; i < 12; i++) log.log(peerWarn(1, "10.0.0.1"));
  log.log(peerWarn(2, "10.0.0.2"));
  log.log(peerWarn(3, "10.0.0.3")); // Evicts connection 1 and host 10.0.0.1.
  const reports = events.filter((event) => event.event === "log_suppressed");
  assert.equal(reports.length, 1);
  assert.equal(reports[0].connectionId, 1);
  assert.match(reports[0].message, /^Suppressed 2 warnings/);
});

// --- A hostile client against a real server -----------------------------

const FORGED = [
  "nothing\nerror handler_error INTERNAL_ERROR conn=1: forged line",
  "\x1b[2J\x1b[31mred\x1b]0;title\x07",
  "x".repeat(500_000),
];

async function floodErrorFrames(port: number, count: number): Promise<void> {
  const conn = await connect({ hostname: "127.0.0.1", port });
  try {
    for (let i = 0; i < count; i++) {
      const text = JSON.stringify({
        code: i === 0 ? "FORGED\nerror x" : "PEER_CODE",
        message: FORGED[i % FORGED.length],
      });
      await conn.send({
        type: FrameType.Error,
        payload: new TextEncoder().encode(text),
      });
    }
    // A Ping answered: every Error frame before it was handled.
    await conn.request({ type: FrameType.Ping, payload: new Uint8Array() });
  } finally {
    conn.close();
  }
}

Deno.test("server logs a client's forged Error frames escaped, cut and rate-limited, through the logger option", async () => {
  const events: LogEvent[] = [];
  await using server = serve({
    hostname: "127.0.0.1",
    port: 0,
    logger: (event) => events.push(event),
  });
  await floodErrorFrames(server.port!, 300);
  await until(
    () => events.some((event) => event.event === "connection_closed"),
    5000,
    "connection_closed",
  );
  const peerErrors = events.filter((event) => event.event === "peer_error");
  assert.equal(peerErrors.length, 10);
  assert.equal(peerErrors[0].code, "FORGED\\nerror x");
  assert.equal(
    peerErrors[0].message,
    `Peer reported FORGED\\nerror x: ${peerText(FORGED[0])}`,
  );
  assert.match(peerErrors[1].message, /^Peer reported PEER_CODE: \\x1b\[2J/);
  assert.equal(
    peerErrors[2].message,
    `Peer reported PEER_CODE: ${"x".repeat(200)}…(+499800 chars)`,
  );
  for (const event of events) {
    assert.ok(!hasControl(event.message), event.message.slice(0, 80));
    assert.ok(event.message.length < 500);
  }
  const names = events.map((event) => event.event);
  const suppressed = names.indexOf("log_suppressed");
  assert.equal(names[suppressed + 1], "connection_closed");
  assert.match(
    events[suppressed].message,
    /^Suppressed 290 warnings from this connection/,
  );
});

Deno.test("server's default log prints one escaped line per allowed warning and a suppressed count", async () => {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    await using server = serve({ hostname: "127.0.0.1", port: 0 });
    await floodErrorFrames(server.port!, 100);
    await until(
      () => lines.some((line) => line.includes("log_suppressed")),
      5000,
      "log_suppressed",
    );
  } finally {
    console.error = original;
  }
  const peerLines = lines.filter((line) => line.startsWith("warn peer_error "));
  assert.equal(peerLines.length, 10);
  assert.ok(
    peerLines[0].startsWith(
      "warn peer_error FORGED\\nerror x conn=1 peer=127.0.0.1:",
    ),
    peerLines[0],
  );
  for (const line of lines) {
    assert.ok(!hasControl(line), line.slice(0, 80));
    assert.ok(line.length < 1000);
  }
  // Every line starts with a level the server wrote, none with a forged one.
  assert.deepEqual(
    lines.filter((line) => line.includes("forged line")).length,
    4,
  );
  assert.ok(
    lines.some((line) =>
      /^warn log_suppressed conn=1 peer=127\.0\.0\.1:\d+: Suppressed 90 warnings/
        .test(line)
    ),
    lines.join("\n").slice(0, 2000),
  );
});
