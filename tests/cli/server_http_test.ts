// Copyright 2026 the framewire authors. MIT license.
// cli/server.ts --http-port as a subprocess: the printed port, /healthz and
// /metrics over real HTTP, and the stop.
import assert from "node:assert/strict";
import { run, script } from "./_spawn.ts";

Deno.test("cli/server.ts --http-port 0 prints the HTTP port and serves /healthz and /metrics until stopped", async () => {
  const dir = await Deno.makeTempDir({ prefix: "framewire_http_" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      script("server.ts"),
      "--port",
      "0",
      "--http-port",
      "0",
      "--db",
      `${dir}/chat.db`,
      "--shutdown-timeout-ms",
      "1000",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    let out = "";
    let http: string | undefined;
    while (http === undefined) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`server did not start: ${await stderr}`);
      out += value;
      http = /^listening (http:\/\/\S+)$/m.exec(out)?.[1];
    }
    const tcp = /^listening (tcp:\/\/\S+)$/m.exec(out)?.[1];
    assert.match(tcp ?? "", /^tcp:\/\/127\.0\.0\.1:\d+$/);
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
    child.kill("SIGTERM");
    while (!(await reader.read()).done) {
      // Drain stdout until the process closes it.
    }
    assert.equal((await child.status).code, 0);
    // The HTTP port is closed with the server.
    await assert.rejects(() => fetch(`${http}/livez`));
  } finally {
    clearTimeout(killer);
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await reader.cancel().catch(() => {});
    await child.status;
    await stderr;
    await Deno.remove(dir, { recursive: true });
  }
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
