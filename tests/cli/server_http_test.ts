// Copyright 2026 the framewire authors. MIT license.
// cli/server.ts --http-port as a subprocess: the printed port, /healthz and
// /metrics over real HTTP, and the stop.
import assert from "node:assert/strict";
import { run } from "./_spawn.ts";
import { withHttpServer } from "./_chat_spawn.ts";

Deno.test("cli/server.ts --http-port 0 prints the HTTP port and serves /healthz and /metrics until stopped", async () => {
  let stopped = "";
  await withHttpServer([], async ({ tcp, http }) => {
    stopped = http;
    assert.match(tcp, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.match(http, /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${http}/healthz`);
    assert.deepEqual([health.status, await health.text()], [200, "ok\n"]);
    const metrics = await fetch(`${http}/metrics`);
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    for (
      const line of [
        "framewire_connections_open 0",
        "framewire_connections_accepted_total 0",
        "framewire_chat_messages_stored_total 0",
        "framewire_chat_users_online 0",
        "# TYPE framewire_chat_bus_lag_seconds histogram",
        "# TYPE process_resident_memory_bytes gauge",
      ]
    ) {
      assert.ok(text.split("\n").includes(line), `missing: ${line}`);
    }
  });
  // The HTTP port is closed with the server.
  await assert.rejects(() => fetch(`${stopped}/livez`));
});

Deno.test("cli/server.ts refuses an --http-port that is not a port", async () => {
  for (const value of ["x", "1.5", "70000"]) {
    const { code, stderr } = await run("server.ts", [`--http-port=${value}`]);
    assert.equal(code, 1);
    assert.match(stderr, /^server: invalid --http-port/);
  }
});

Deno.test("cli/server.ts documents --http-port and its output line in --help", async () => {
  const { code, stdout } = await run("server.ts", ["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /^\s+--http-port PORT\s/m);
  assert.match(stdout, /"listening http:\/\/HOST:PORT"/);
});
