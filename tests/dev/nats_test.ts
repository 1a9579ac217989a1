// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { natsBinary, startNats } from "../../dev/nats.ts";

const required = Deno.env.get("FRAMEWIRE_REQUIRE_SERVICES") === "1";
const ignore = natsBinary() === undefined && !required;
const missing = ignore ? " (ignored: nats-server not installed)" : "";

async function accepts(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name:
    `startNats serves on a loopback port, survives kill and start on the same port${missing}`,
  ignore,
  async fn() {
    const nats = await startNats();
    try {
      assert.equal(nats.url, `nats://127.0.0.1:${nats.port}`);
      assert.equal(nats.running, true);
      assert.equal(await accepts(nats.port), true);
      await nats.kill();
      assert.equal(nats.running, false);
      assert.equal(await accepts(nats.port), false);
      await nats.start();
      assert.equal(nats.running, true);
      assert.equal(await accepts(nats.port), true);
    } finally {
      await nats.stop();
    }
    assert.equal(nats.running, false);
    await nats.stop(); // A second stop is a no-op.
  },
});

Deno.test({
  name:
    `startNats leaves nothing running when its process exits without stopping it${missing}`,
  ignore,
  async fn() {
    // A child Deno process starts a server, prints its port and exits.
    const script = `
      import { startNats } from ${
      JSON.stringify(new URL("../../dev/nats.ts", import.meta.url).href)
    };
      const nats = await startNats();
      console.log(nats.port);
    `;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.equal(output.success, true);
    const port = Number(new TextDecoder().decode(output.stdout).trim());
    assert.ok(port > 0);
    // SIGKILL was sent at exit; the kernel closes its socket once it died.
    const deadline = performance.now() + 2_000;
    while (await accepts(port)) {
      assert.ok(performance.now() < deadline, "nats-server still running");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  },
});
