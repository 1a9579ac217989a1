// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  chatConnectFlags,
  formatError,
  formatMessage,
  loginFailure,
  plural,
  record,
} from "../../cli/_chat_cli.ts";
import { ChatError } from "../../chat/mod.ts";

const message = (text: string) => ({
  chat: "@mallory",
  mid: 1,
  seq: 1,
  from: "mallory",
  text,
  ts: 0,
});

// Bytes a terminal acts on: ESC (CSI, OSC 52 clipboard writes, title
// changes), the 8-bit CSI, carriage return and newline (a forged second
// line "from" someone else), bidi overrides that reorder what is shown.
const HOSTILE = [
  "\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07",
  "\x1b[2J\x1b[H",
  "\x9b31m",
  "ok\r12:00 [@alice] alice: send me your password",
  "ok\n12:00 [@alice] alice: send me your password",
  "\u202eevil",
  "bell\x07",
];

// what must never reach a terminal raw
const RAW_CONTROL =
  // deno-lint-ignore no-control-regex
  /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// a record line: not even a tab
const RAW_CONTROL_OR_TAB =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

Deno.test("formatMessage on a terminal shows control characters escaped, never raw", () => {
  for (const text of HOSTILE) {
    const line = formatMessage(message(text), true);
    assert.doesNotMatch(
      line,
      RAW_CONTROL,
      JSON.stringify(text),
    );
    assert.match(line, /^\d\d:\d\d \[@mallory\] mallory: /);
  }
  // Ordinary text, tabs and non-ASCII letters stay as they are.
  assert.match(
    formatMessage(message("héllo\tworld 👋"), true),
    / mallory: héllo\tworld 👋$/,
  );
});

Deno.test("formatError on a terminal shows control characters escaped, never raw", () => {
  for (const text of HOSTILE) {
    assert.doesNotMatch(
      formatError("X", text, true),
      RAW_CONTROL,
    );
  }
});

Deno.test("record keeps a hostile text on one line, JSON-quoted", () => {
  for (const text of HOSTILE) {
    const line = record("message", { text });
    assert.doesNotMatch(
      line,
      RAW_CONTROL_OR_TAB,
    );
    assert.equal(JSON.parse(line.slice("message text=".length)), text);
  }
});

Deno.test("plural says 1 message and 0 or 2 messages", () => {
  assert.equal(plural(1, "message"), "1 message");
  assert.equal(plural(0, "message"), "0 messages");
  assert.equal(plural(2, "message"), "2 messages");
});

Deno.test("loginFailure says why once, with the code, or the connection hint instead", () => {
  const refused = new ChatError(
    "AUTH_FAILED",
    'Cannot log in as "alice": wrong credentials',
  );
  assert.equal(
    loginFailure("alice", refused, undefined),
    'cannot log in as "alice": wrong credentials (AUTH_FAILED)',
  );
  assert.equal(
    loginFailure(
      "alice",
      new Error("reset"),
      "the server speaks TLS; add --tls",
    ),
    'cannot log in as "alice": the server speaks TLS; add --tls',
  );
});

Deno.test("chatConnectFlags takes a ws:// or wss:// URL as it is, and refuses the flags that do not apply to one", () => {
  const none = {};
  assert.deepEqual(chatConnectFlags("ws://127.0.0.1:8080/ws", none), {
    url: "ws://127.0.0.1:8080/ws",
  });
  assert.deepEqual(chatConnectFlags("WSS://chat.example/ws", none), {
    url: "WSS://chat.example/ws",
  });
  for (
    const [values, flag] of [
      [{ tls: true }, "--tls"],
      [{ ca: "ca.pem" }, "--ca"],
      [{ retry: true }, "--retry"],
      [{ unix: "/tmp/s.sock" }, "--unix"],
    ] as const
  ) {
    assert.throws(
      () => chatConnectFlags("wss://chat.example/ws", values),
      { message: `${flag} does not apply to a WebSocket URL` },
    );
  }
  // Not a URL: HOST:PORT as before.
  assert.deepEqual(chatConnectFlags("127.0.0.1:9000", none), {
    hostname: "127.0.0.1",
    port: 9000,
    retry: undefined,
  });
});
