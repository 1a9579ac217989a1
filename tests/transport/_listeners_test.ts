// Copyright 2026 the framewire authors. MIT license.
// The listeners serve() and listen() share: TCP, TLS and Unix sockets, their
// option checks and their addresses. TLS uses the test-only certificate in
// tests/fixtures (self-signed, for localhost and 127.0.0.1; see
// tests/fixtures/README.md).
import assert from "node:assert/strict";
import {
  connect,
  FrameRouter,
  FrameType,
  listen,
  serve,
  type ServeOptions,
} from "../../mod.ts";
import {
  formatListenAddr,
  formatRemoteAddr,
  resolveListenTarget,
} from "../../transport/_listeners.ts";
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

Deno.test("serve and listen refuse the same bad addresses with the same errors", () => {
  const bad: ServeOptions[] = [
    { port: 65536 },
    { hostname: "" },
    { path: "" },
    { path: "/tmp/x.sock", port: 0 },
    { path: "/tmp/x.sock", tls: { cert, keyFile } },
    { tls: { cert } },
    { tls: null as unknown as ServeOptions["tls"] },
  ];
  for (const options of bad) {
    const errorOf = (fn: () => unknown): Error => {
      try {
        fn();
      } catch (error) {
        return error as Error;
      }
      assert.fail(`accepted ${JSON.stringify(options)}`);
    };
    const fromServe = errorOf(() => serve({ ...options, logger: null }));
    const fromListen = errorOf(() => listen(options));
    assert.equal(fromListen.constructor, fromServe.constructor);
    assert.equal(fromListen.message, fromServe.message);
    assert.match(fromServe.message, /^Cannot use (port|hostname|path|tls)/);
  }
});

Deno.test("serve and listen fail with NotFound for a missing certificate file, binding nothing", () => {
  const tls = { certFile: "/nonexistent/cert.pem", keyFile };
  assert.throws(() => serve({ tls, logger: null }), Deno.errors.NotFound);
  assert.throws(() => listen({ tls }), Deno.errors.NotFound);
});

Deno.test("resolveListenTarget fills in 127.0.0.1 and port 0, and prefers path", () => {
  assert.deepEqual(resolveListenTarget({}), {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 0,
  });
  assert.deepEqual(resolveListenTarget({ path: "/run/a.sock" }), {
    transport: "unix",
    path: "/run/a.sock",
  });
  assert.deepEqual(
    resolveListenTarget({
      hostname: "::1",
      port: 9443,
      tls: { cert, keyFile },
    }),
    {
      transport: "tls",
      hostname: "::1",
      port: 9443,
      tls: { cert, keyFile },
    },
  );
});

Deno.test("listener addresses print as URLs, IPv6 hosts in brackets", () => {
  const v4: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 9 };
  const v6: Deno.NetAddr = { transport: "tcp", hostname: "::1", port: 9 };
  const unix: Deno.UnixAddr = { transport: "unix", path: "/run/a.sock" };
  assert.equal(formatRemoteAddr(v4), "127.0.0.1:9");
  assert.equal(formatRemoteAddr(v6), "[::1]:9");
  assert.equal(formatRemoteAddr(unix), "unix");
  assert.equal(formatListenAddr("tcp", v4), "tcp://127.0.0.1:9");
  assert.equal(formatListenAddr("tls", v6), "tls://[::1]:9");
  assert.equal(formatListenAddr("unix", unix), "unix:///run/a.sock");
});
