// Copyright 2026 the framewire authors. MIT license.
// connectWebSocket on loopback: the URL check, and each way a connect fails
// (refused, not answered in time, aborted) with its documented error.
import assert from "node:assert/strict";
import {
  ConnectionClosedError,
  connectWebSocket,
  webSocketUrl,
} from "../../mod.ts";

Deno.test("webSocketUrl takes ws:, wss:, and http:/https: as ws:/wss:, and refuses other URLs", () => {
  assert.equal(webSocketUrl("ws://127.0.0.1:1/ws").href, "ws://127.0.0.1:1/ws");
  assert.equal(webSocketUrl("wss://h.example/ws").protocol, "wss:");
  assert.equal(
    webSocketUrl("http://127.0.0.1:8/ws").href,
    "ws://127.0.0.1:8/ws",
  );
  assert.equal(
    webSocketUrl(new URL("https://h.example/ws")).href,
    "wss://h.example/ws",
  );
  for (const bad of ["ftp://h.example/", "not a url", ""]) {
    assert.throws(() => webSocketUrl(bad), TypeError, bad);
  }
});

Deno.test("connectWebSocket rejects with CONNECTION_CLOSED when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  await assert.rejects(
    connectWebSocket({ url: `ws://127.0.0.1:${port}/ws` }),
    (error) => {
      assert(error instanceof ConnectionClosedError);
      assert.match(error.message, /ws:\/\/127\.0\.0\.1:\d+\/ws/);
      return true;
    },
  );
});

Deno.test("connectWebSocket gives up after connectTimeoutMs, and on abort", async () => {
  // Takes the TCP connection and never answers the upgrade.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) accepted.push(conn);
  })();
  const url = `ws://127.0.0.1:${listener.addr.port}/ws`;
  try {
    await assert.rejects(
      connectWebSocket({ url, connectTimeoutMs: 50 }),
      { name: "TimeoutError" },
    );
    const controller = new AbortController();
    const connecting = connectWebSocket({ url, signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(connecting, { message: "stop" });
  } finally {
    listener.close();
    await accepting;
    for (const conn of accepted) conn.close();
  }
});

Deno.test("connectWebSocket refuses bad options before connecting", async () => {
  await assert.rejects(
    connectWebSocket({ url: "ws://127.0.0.1:1/ws", connectTimeoutMs: -1 }),
    RangeError,
  );
  await assert.rejects(
    connectWebSocket({ url: "tcp://127.0.0.1:1" }),
    TypeError,
  );
});
