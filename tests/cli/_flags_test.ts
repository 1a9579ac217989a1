// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  connectFlags,
  optionalWholeNumberFlag,
  positiveFlag,
  wholeNumberFlag,
} from "../../cli/_flags.ts";

Deno.test("wholeNumberFlag takes whole numbers from min up and names the flag otherwise", () => {
  assert.equal(wholeNumberFlag("--port", "9000"), 9000);
  assert.equal(wholeNumberFlag("--size", "0"), 0);
  for (const text of ["", " ", "abc", "1.5", "-1"]) {
    assert.throws(() => wholeNumberFlag("--port", text), {
      message: `invalid --port "${text}": expected a whole number`,
    });
  }
  assert.throws(() => wholeNumberFlag("--count", "0", 1), {
    message: 'invalid --count "0": expected a whole number of at least 1',
  });
  assert.equal(optionalWholeNumberFlag("--window", undefined, 1), undefined);
  assert.equal(optionalWholeNumberFlag("--window", "4", 1), 4);
});

Deno.test("positiveFlag refuses 0 with its own message and passes undefined through", () => {
  assert.equal(positiveFlag("--max-accounts", undefined), undefined);
  assert.equal(positiveFlag("--max-accounts", "3"), 3);
  assert.throws(() => positiveFlag("--max-accounts", "0"), {
    message: 'invalid --max-accounts "0": expected at least 1',
  });
  assert.throws(() => positiveFlag("--max-accounts", "x"), {
    message: 'invalid --max-accounts "x": expected a whole number',
  });
});

Deno.test("connectFlags reads HOST:PORT, [IPv6]:PORT and --unix, and refuses what conflicts", () => {
  assert.deepEqual(connectFlags("127.0.0.1:9000", { tls: false }), {
    hostname: "127.0.0.1",
    port: 9000,
    retry: undefined,
  });
  assert.deepEqual(connectFlags("[::1]:9000", { retry: true }), {
    hostname: "::1",
    port: 9000,
    retry: { attempts: 40, maxDelayMs: 500 },
  });
  assert.deepEqual(connectFlags(undefined, { unix: "/tmp/s.sock" }), {
    path: "/tmp/s.sock",
    retry: undefined,
  });
  const refusals: [
    string | undefined,
    Parameters<typeof connectFlags>[1],
    RegExp,
  ][] = [
    [undefined, {}, /^missing HOST:PORT/],
    ["localhost", {}, /^invalid address "localhost"/],
    ["host:", {}, /^invalid address "host:"/],
    ["host:65536", {}, /^invalid address/],
    ["host:1", { unix: "/s" }, /^give HOST:PORT or --unix PATH, not both$/],
    [undefined, { unix: "/s", tls: true }, /^--tls cannot be combined/],
    ["host:1", { ca: "/nonexistent.pem" }, /^cannot read --ca/],
  ];
  for (const [target, values, message] of refusals) {
    assert.throws(() => connectFlags(target, values), { message });
  }
});
