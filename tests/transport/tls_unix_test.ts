// Copyright 2026 the framewire authors. MIT license.
// TLS uses the test-only certificate in tests/fixtures (self-signed, for
// localhost and 127.0.0.1; see tests/fixtures/README.md).
import assert from "node:assert/strict";
import { connect, FrameRouter, FrameType, serve } from "../../mod.ts";
import { LogCollector, until, within } from "./_server_utils.ts";

const fixtures = new URL("../fixtures/", import.meta.url);
const certFile = new URL("tls_cert.pem", fixtures).pathname;
const keyFile = new URL("tls_key.pem", fixtures).pathname;
const cert = Deno.readTextFileSync(certFile);

function echoRouter(): FrameRouter {
  return new FrameRouter().route(
    200,
    (frame) => ({ type: 201, payload: frame.payload }),
  );
}

Deno.test("serve over TLS round-trips requests and Pings with a test certificate", async () => {
  await using server = serve(
    { port: 0, tls: { certFile, keyFile }, logger: null },
    echoRouter(),
  );
  assert.match(server.address, /^tls:\/\/127\.0\.0\.1:\d+$/);
  using client = await connect({
    hostname: "localhost",
    port: server.port!,
    tls: { caCerts: [cert] },
  });
  const reply = await client.request({
    type: 200,
    payload: new TextEncoder().encode("secret"),
  });
  assert.equal(new TextDecoder().decode(reply.payload), "secret");
  const pong = await client.request({
    type: FrameType.Ping,
    payload: new Uint8Array([1]),
  });
  assert.equal(pong.type, FrameType.Pong);
  assert.equal(server.connections()[0].transport, "tls");
});

Deno.test("serve over TLS logs a plain-TCP client's failed handshake and keeps serving", async () => {
  const log = new LogCollector();
  await using server = serve(
    {
      port: 0,
      tls: { cert, key: Deno.readTextFileSync(keyFile) },
      logger: log.logger,
    },
    echoRouter(),
  );
  using good = await connect({
    hostname: "localhost",
    port: server.port!,
    tls: { caCerts: [cert] },
  });
  const plain = await connect({ port: server.port! });
  try {
    await plain.send({ type: FrameType.Ping, payload: new Uint8Array(8) });
    // The server drops it: clean end or reset, but within the bound.
    await within(
      2000,
      plain.receive().catch(() => null),
      "plain client dropped",
    );
  } finally {
    plain.close();
  }
  await until(
    () => log.find("connection_error") !== undefined,
    2000,
    "handshake failure logged",
  );
  assert.equal(log.find("connection_error")?.code, "TLS_ERROR");
  const reply = await good.request({ type: 200, payload: new Uint8Array([3]) });
  assert.deepEqual(reply.payload, new Uint8Array([3]));
});

Deno.test("serve on a Unix socket round-trips requests and removes its socket file on shutdown", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/framewire.sock`;
    const server = serve({ path, logger: null }, echoRouter());
    try {
      assert.equal(server.address, `unix://${path}`);
      assert.equal(server.port, undefined);
      using client = await connect({ path });
      const reply = await client.request({
        type: 200,
        payload: new Uint8Array([4]),
      });
      assert.deepEqual(reply.payload, new Uint8Array([4]));
      assert.equal(server.connections()[0].transport, "unix");
      assert.equal(server.connections()[0].remoteAddress, "unix");
    } finally {
      await server.shutdown();
    }
    await assert.rejects(Deno.lstat(path), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("connect retries with backoff until a Unix server is up", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/late.sock`;
    const connecting = connect({
      path,
      retry: { attempts: 50, initialDelayMs: 5, maxDelayMs: 20 },
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await using _server = serve({ path, logger: null });
    using client = await within(5000, connecting, "connect after retries");
    const pong = await client.request({
      type: FrameType.Ping,
      payload: new Uint8Array([2]),
    });
    assert.deepEqual(pong.payload, new Uint8Array([2]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("connect gives up after the last attempt with the last error", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  await assert.rejects(
    connect({ port, retry: { attempts: 3, initialDelayMs: 1 } }),
    Deno.errors.ConnectionRefused,
  );
  await assert.rejects(
    connect({
      path: "/nonexistent/framewire.sock",
      retry: { attempts: 2, initialDelayMs: 1 },
    }),
    Deno.errors.NotFound,
  );
  const controller = new AbortController();
  controller.abort(new Error("stop"));
  await assert.rejects(
    connect({ port, retry: { signal: controller.signal } }),
    /stop/,
  );
  await assert.rejects(connect({ port, retry: { attempts: 0 } }), RangeError);
});
