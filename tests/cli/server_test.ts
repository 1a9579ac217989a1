// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { connect, FrameType } from "../../mod.ts";
import { run, startServer } from "./_spawn.ts";

function port(address: string): number {
  return Number(/:(\d+)$/.exec(address)![1]);
}

Deno.test("cli/server.ts serves Pings, logs Debug frames and exits 0 on SIGTERM", async () => {
  await using server = await startServer(["--port", "0"]);
  assert.match(server.address, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  {
    using client = await connect({ port: port(server.address) });
    const pong = await client.request({
      type: FrameType.Ping,
      payload: new Uint8Array([1, 2]),
    });
    assert.equal(pong.type, FrameType.Pong);
    await client.send({
      type: FrameType.Debug,
      payload: new TextEncoder().encode("hello from the test"),
    });
    // A second Ping proves the Debug frame was handled before we leave.
    await client.request({ type: FrameType.Ping, payload: new Uint8Array() });
  }
  const { code, stderr } = await server.stop();
  assert.equal(code, 0);
  assert.match(stderr, /debug_frame .*"hello from the test"/);
  assert.match(stderr, /shutdown/);
});

Deno.test("cli/server.ts listens on a Unix socket with --unix", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/cli.sock`;
    await using server = await startServer(["--unix", path, "--quiet"]);
    assert.equal(server.address, `unix://${path}`);
    using client = await connect({ path });
    const pong = await client.request({
      type: FrameType.Ping,
      payload: new Uint8Array([5]),
    });
    assert.deepEqual(pong.payload, new Uint8Array([5]));
    client.close();
    assert.equal((await server.stop()).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli/server.ts serves TLS with --tls-cert and --tls-key", async () => {
  const fixtures = new URL("../fixtures/", import.meta.url);
  const cert = new URL("tls_cert.pem", fixtures).pathname;
  const key = new URL("tls_key.pem", fixtures).pathname;
  await using server = await startServer([
    "--port",
    "0",
    "--tls-cert",
    cert,
    "--tls-key",
    key,
    "--quiet",
  ]);
  assert.match(server.address, /^tls:\/\//);
  using client = await connect({
    hostname: "localhost",
    port: port(server.address),
    tls: { caCerts: [Deno.readTextFileSync(cert)] },
  });
  const pong = await client.request({
    type: FrameType.Ping,
    payload: new Uint8Array([6]),
  });
  assert.deepEqual(pong.payload, new Uint8Array([6]));
});

Deno.test("cli/server.ts documents every flag in --help and prints --version", async () => {
  const help = await run("server.ts", ["--help"]);
  assert.equal(help.code, 0);
  for (
    const flag of [
      "--host",
      "--port",
      "--unix",
      "--tls-cert",
      "--tls-key",
      "--max-connections",
      "--max-frame-length",
      "--max-queued-bytes",
      "--idle-timeout-ms",
      "--shutdown-timeout-ms",
      "--send-timeout-ms",
      "--max-lingering-refusals",
      "--files",
      "--uploads",
      "--db",
      "--db-sync",
      "--admin",
      "--admin-token",
      "--max-message-bytes",
      "--password-iterations",
      "--max-accounts",
      "--max-rooms-per-user",
      "--max-room-members",
      "--max-concurrent-hashes",
      "--quiet",
      "--help",
      "--version",
    ]
  ) {
    assert.ok(help.stdout.includes(flag), `--help mentions ${flag}`);
  }
  const version = await run("server.ts", ["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^framewire \d+\.\d+\.\d+/);
});

// Expected failures: exit 1 and exactly one line on stderr.
const FAILURES: [args: string[], pattern: RegExp][] = [
  [["--port", "abc"], /invalid --port "abc"/],
  [["--tls-cert", "cert.pem"], /--tls-cert and --tls-key go together/],
  [["--bogus"], /Unknown option '--bogus'/],
  [[
    "--port",
    "0",
    "--tls-cert",
    "/nonexistent.pem",
    "--tls-key",
    "/nonexistent.pem",
  ], /cannot read --tls-cert/],
];

for (const [args, pattern] of FAILURES) {
  Deno.test(`cli/server.ts ${args.join(" ")} fails with one line and exit 1`, async () => {
    const { code, stderr } = await run("server.ts", args);
    assert.equal(code, 1);
    assert.match(stderr, pattern);
    assert.equal(stderr.trimEnd().split("\n").length, 1);
  });
}

Deno.test("cli/server.ts fails with exit 1 when the port is taken", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { code, stderr } = await run("server.ts", [
    "--port",
    String(taken.addr.port),
  ]);
  assert.equal(code, 1);
  assert.match(stderr, /cannot listen on 127\.0\.0\.1:\d+/);
});
