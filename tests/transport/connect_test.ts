// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { connect, FrameType, listen, serve } from "../../mod.ts";
import { readExactly } from "./_utils.ts";
import { within } from "./_server_utils.ts";
import { HANG_BOUND_MS } from "../_utils.ts";

// Since Deno 2.8 the op and resource sanitizers are off unless asked for:
// every test here must close its sockets and settle its ops.
Deno.test.sanitizer({ ops: true, resources: true });

Deno.test("connect applies its FramedConn options to the conn", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using client = await connect({
    port: listener.addr.port,
    littleEndian: true,
    lengthFieldBytes: 2,
  });
  using raw = await listener.accept();
  await client.send({ type: 7, payload: new Uint8Array([0xaa]) });
  await client.send({ type: 1, payload: new Uint8Array([2, 3]) });
  // Type byte, then a 2-byte little-endian length.
  assert.deepEqual(
    [...await readExactly(raw, 9)],
    [7, 1, 0, 0xaa, 1, 2, 0, 2, 3],
  );
});

Deno.test("connect rejects with ConnectionRefused when nobody listens", async () => {
  const listener = listen();
  const port = listener.addr.port;
  listener.close();
  await assert.rejects(connect({ port }), Deno.errors.ConnectionRefused);
});

Deno.test("connect rejects invalid FramedConn options and leaks no socket", async () => {
  using listener = listen();
  await assert.rejects(
    connect({ port: listener.addr.port, batchBytes: 0 }),
    RangeError,
  );
  // The resource sanitizer fails this test if the refused conn was left open.
});

Deno.test("connect retries with backoff until a Unix server is up", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/late.sock`;
    const connecting = connect({
      path,
      // A budget of about 10 s: only a hang exhausts it, however slowly a
      // loaded machine runs the server's start.
      retry: { attempts: 500, initialDelayMs: 5, maxDelayMs: 20 },
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await using _server = serve({ path, logger: null });
    using client = await within(
      HANG_BOUND_MS * 2,
      connecting,
      "connect after retries",
    );
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
