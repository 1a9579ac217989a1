// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  defaultLogger,
  formatLogEvent,
  type LogEvent,
  resolveLogger,
} from "../../mod.ts";

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

Deno.test("resolveLogger: undefined is the default, null drops everything", () => {
  assert.equal(resolveLogger(undefined), defaultLogger);
  const lines = captureStderr(() => resolveLogger(null)(warn));
  assert.deepEqual(lines, []);
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
