// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { resolveServeOptions, serve, type ServeOptions } from "../../mod.ts";

Deno.test("resolveServeOptions fills in every default", () => {
  const options = resolveServeOptions();
  assert.deepEqual(options.listen, {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 0,
  });
  assert.equal(options.maxConnections, 10_000);
  assert.equal(options.maxFrameLength, 1024 * 1024);
  assert.equal(options.maxSendFrameLength, 1024 * 1024);
  assert.equal(options.maxQueuedBytes, 1024 * 1024);
  assert.equal(options.idleTimeoutMs, undefined);
  assert.equal(options.sendTimeoutMs, 30_000);
  assert.equal(options.shutdownTimeoutMs, 10_000);
  assert.equal(options.lingerMs, 1_000);
  assert.equal(options.maxLingeringRefusals, 64);
  assert.equal(options.signal, undefined);
  assert.equal(options.noDelay, true);
  // Liveness and per-host limits: on by default, per-host ones off.
  assert.equal(options.heartbeatMs, 30_000);
  assert.equal(options.heartbeatTimeoutMs, 15_000);
  assert.equal(options.frameStallMs, 20_000);
  assert.equal(options.firstFrameTimeoutMs, 10_000);
  assert.equal(options.maxConnectionsPerHost, Infinity);
  assert.equal(options.maxConnectionsPerHostPerSecond, Infinity);
  assert.equal(typeof options.logger, "function");
  assert.equal(options.send.maxFrameLength, 1024 * 1024);
  assert.equal(options.send.headerLength, 5);
  assert.ok(Object.isFrozen(options));
});

Deno.test("resolveServeOptions keeps given values and derives the send limit", () => {
  const signal = new AbortController().signal;
  const options = resolveServeOptions({
    maxFrameLength: 1000,
    maxQueuedBytes: 2000,
    idleTimeoutMs: 1.5,
    sendTimeoutMs: Infinity,
    lingerMs: 0,
    maxLingeringRefusals: 0,
    signal,
    noDelay: false,
    heartbeatMs: Infinity,
    heartbeatTimeoutMs: 2.5,
    frameStallMs: 1,
    firstFrameTimeoutMs: Infinity,
    maxConnectionsPerHost: 8,
    maxConnectionsPerHostPerSecond: 0.5,
  });
  assert.equal(options.heartbeatMs, Infinity);
  assert.equal(options.heartbeatTimeoutMs, 2.5);
  assert.equal(options.frameStallMs, 1);
  assert.equal(options.firstFrameTimeoutMs, Infinity);
  assert.equal(options.maxConnectionsPerHost, 8);
  assert.equal(options.maxConnectionsPerHostPerSecond, 0.5);
  assert.equal(options.maxFrameLength, 1000);
  assert.equal(options.maxSendFrameLength, 1000);
  assert.equal(options.maxQueuedBytes, 2000);
  assert.equal(options.idleTimeoutMs, 1.5);
  assert.equal(options.sendTimeoutMs, Infinity);
  assert.equal(options.lingerMs, 0);
  assert.equal(options.maxLingeringRefusals, 0);
  assert.equal(options.signal, signal);
  assert.equal(options.noDelay, false);
  assert.equal(
    resolveServeOptions({ maxFrameLength: 1000, maxSendFrameLength: 4000 })
      .maxSendFrameLength,
    4000,
  );
});

Deno.test("resolveServeOptions resolves TLS and Unix addresses", () => {
  assert.deepEqual(
    resolveServeOptions({ port: 9443, tls: { certFile: "c", key: "k" } })
      .listen,
    {
      transport: "tls",
      hostname: "127.0.0.1",
      port: 9443,
      tls: { certFile: "c", key: "k" },
    },
  );
  assert.deepEqual(resolveServeOptions({ path: "/tmp/x.sock" }).listen, {
    transport: "unix",
    path: "/tmp/x.sock",
  });
});

// Every option with a bad value: the error class and the exact message.
const BAD: [ServeOptions, ErrorConstructor, string][] = [
  [
    null as unknown as ServeOptions,
    TypeError,
    "Cannot serve: expected an options object, got null",
  ],
  [
    { hostname: "" },
    TypeError,
    'Cannot use hostname "": expected a non-empty string',
  ],
  [
    { port: 70000 },
    RangeError,
    "Cannot use port 70000: expected an integer from 0 to 65535",
  ],
  [
    { port: -1 },
    RangeError,
    "Cannot use port -1: expected an integer from 0 to 65535",
  ],
  [
    { port: 1.5 },
    RangeError,
    "Cannot use port 1.5: expected an integer from 0 to 65535",
  ],
  [
    { port: "80" as unknown as number },
    TypeError,
    'Cannot use port "80": expected a number',
  ],
  [
    { path: "" },
    TypeError,
    'Cannot use path "": expected a non-empty string',
  ],
  [
    { path: "/tmp/x.sock", port: 1 },
    TypeError,
    'Cannot use path "/tmp/x.sock" with port: a Unix socket has no port and no TLS',
  ],
  [
    { path: "/tmp/x.sock", tls: { cert: "c", key: "k" } },
    TypeError,
    'Cannot use path "/tmp/x.sock" with tls: a Unix socket has no port and no TLS',
  ],
  [
    { tls: "cert.pem" as ServeOptions["tls"] },
    TypeError,
    'Cannot use tls "cert.pem": expected an object with cert or certFile, and key or keyFile',
  ],
  [
    { tls: { cert: "c" } },
    TypeError,
    "Cannot use tls: give cert or certFile, and key or keyFile",
  ],
  [
    { tls: { keyFile: "k" } },
    TypeError,
    "Cannot use tls: give cert or certFile, and key or keyFile",
  ],
  [
    { tls: { cert: 1 as unknown as string, key: "k" } },
    TypeError,
    "Cannot use tls.cert 1: expected a non-empty string",
  ],
  [
    { maxConnections: 0 },
    RangeError,
    "Cannot use maxConnections 0: expected an integer of at least 1",
  ],
  [
    { maxConnections: 2.5 },
    RangeError,
    "Cannot use maxConnections 2.5: expected an integer of at least 1",
  ],
  [
    { maxQueuedBytes: 0 },
    RangeError,
    "Cannot use maxQueuedBytes 0: expected an integer of at least 1",
  ],
  [
    { idleTimeoutMs: 0 },
    RangeError,
    "Cannot use idleTimeoutMs 0: expected a number of at least 1",
  ],
  [
    { idleTimeoutMs: Infinity },
    RangeError,
    "Cannot use idleTimeoutMs Infinity: expected a number of at least 1",
  ],
  [
    { sendTimeoutMs: 0 },
    RangeError,
    "Cannot use sendTimeoutMs 0: expected a number of at least 1 or Infinity",
  ],
  [
    { sendTimeoutMs: Number.NaN },
    RangeError,
    "Cannot use sendTimeoutMs NaN: expected a number of at least 1 or Infinity",
  ],
  // Liveness and per-host limits: Infinity turns each off, 0 is refused.
  [
    { heartbeatMs: 0 },
    RangeError,
    "Cannot use heartbeatMs 0: expected a number of at least 1 or Infinity",
  ],
  [
    { heartbeatTimeoutMs: "15s" as unknown as number },
    TypeError,
    'Cannot use heartbeatTimeoutMs "15s": expected a number',
  ],
  [
    { frameStallMs: Number.NaN },
    RangeError,
    "Cannot use frameStallMs NaN: expected a number of at least 1 or Infinity",
  ],
  [
    { firstFrameTimeoutMs: -5 },
    RangeError,
    "Cannot use firstFrameTimeoutMs -5: expected a number of at least 1 or Infinity",
  ],
  [
    { maxConnectionsPerHost: 0 },
    RangeError,
    "Cannot use maxConnectionsPerHost 0: expected an integer of at least 1 or Infinity",
  ],
  [
    { maxConnectionsPerHost: 2.5 },
    RangeError,
    "Cannot use maxConnectionsPerHost 2.5: expected an integer of at least 1 or Infinity",
  ],
  [
    { maxConnectionsPerHostPerSecond: 0 },
    RangeError,
    "Cannot use maxConnectionsPerHostPerSecond 0: expected a number of at least 0.001 or Infinity",
  ],
  [
    { shutdownTimeoutMs: -1 },
    RangeError,
    "Cannot use shutdownTimeoutMs -1: expected a number of at least 0",
  ],
  [
    { lingerMs: "1s" as unknown as number },
    TypeError,
    'Cannot use lingerMs "1s": expected a number',
  ],
  [
    { maxLingeringRefusals: -1 },
    RangeError,
    "Cannot use maxLingeringRefusals -1: expected an integer of at least 0",
  ],
  [
    { maxLingeringRefusals: 1.5 },
    RangeError,
    "Cannot use maxLingeringRefusals 1.5: expected an integer of at least 0",
  ],
  [
    { signal: {} as AbortSignal },
    TypeError,
    "Cannot use signal [object Object]: expected an AbortSignal",
  ],
  [
    { logger: 42 as never },
    TypeError,
    "Cannot use logger 42: expected a function or null",
  ],
  [
    { noDelay: 1 as unknown as boolean },
    TypeError,
    "Cannot use noDelay 1: expected a boolean",
  ],
  // Codec and connection options are checked by their owners, once, here.
  [
    { lengthFieldBytes: 3 as 4 },
    TypeError,
    "Cannot use lengthFieldBytes 3: expected 1, 2, 4 or 8",
  ],
  [
    { maxFrameLength: -1 },
    RangeError,
    "Cannot use maxFrameLength -1: expected an integer from 0 to 4294967295 for a 4-byte length field",
  ],
  [
    { readBufferBytes: 0 },
    RangeError,
    "Cannot use readBufferBytes 0: expected an integer from 1 to 1073741824",
  ],
  [
    { batchBytes: 2 ** 31 },
    RangeError,
    "Cannot use batchBytes 2147483648: expected an integer from 1 to 1073741824",
  ],
];

Deno.test("resolveServeOptions refuses every bad option with its class and message", () => {
  for (const [options, errorClass, message] of BAD) {
    assert.throws(
      () => resolveServeOptions(options),
      (error) => {
        assert.ok(error instanceof errorClass, message);
        assert.equal((error as Error).message, message);
        return true;
      },
    );
  }
});

Deno.test("serve refuses bad options before it listens", () => {
  // The resource sanitizer fails this test if a listener was left open.
  for (const [options, errorClass] of BAD) {
    assert.throws(() => serve(options), errorClass);
  }
});
