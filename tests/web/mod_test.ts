// Copyright 2026 the framewire authors. MIT license.
// The browser entry bundles for the browser and loads where there is no
// `Deno` (a module that reads `Deno.*` at load time would throw there).
import assert from "node:assert/strict";
import { within } from "../_utils.ts";

const entry = new URL("../../web/mod.ts", import.meta.url).pathname;

Deno.test("web/mod.ts bundles for the browser and loads without Deno", async () => {
  const dir = await Deno.makeTempDir({ prefix: "framewire_web_bundle_" });
  try {
    const bundle = `${dir}/web.js`;
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--platform",
        "browser",
        "--format",
        "esm",
        "-o",
        bundle,
        entry,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(
      output.code,
      0,
      new TextDecoder().decode(output.stderr),
    );
    const text = await Deno.readTextFile(bundle);
    // No import of a Node or npm module outside comments (examples in
    // JSDoc import node:assert).
    assert.doesNotMatch(text, /^\s*import\b[^\n]*["'](node|npm):/m);
    // A worker without `Deno` imports the bundle and lists its exports.
    const probe = `${dir}/probe.js`;
    await Deno.writeTextFile(
      probe,
      `delete globalThis.Deno;
      try {
        const web = await import(${
        JSON.stringify(new URL(`file://${bundle}`).href)
      });
        self.postMessage({ deno: typeof globalThis.Deno, names: Object.keys(web).sort() });
      } catch (error) {
        self.postMessage({ error: String(error) });
      }`,
    );
    const worker = new Worker(new URL(`file://${probe}`).href, {
      type: "module",
    });
    try {
      const result = await within(
        20_000,
        new Promise<{ deno?: string; names?: string[]; error?: string }>(
          (resolve) => worker.onmessage = (event) => resolve(event.data),
        ),
        "the probe worker",
      );
      assert.equal(result.error, undefined);
      assert.equal(result.deno, "undefined");
      for (
        const name of [
          "ChatClient",
          "ChatError",
          "connectWebChat",
          "connectWebSocket",
          "WebSocketConn",
        ]
      ) {
        assert.ok(result.names!.includes(name), name);
      }
    } finally {
      worker.terminate();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
