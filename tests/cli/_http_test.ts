// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  type HealthCheck,
  type HttpEndpoint,
  operationsRoutes,
  serveHttp,
} from "../../cli/_http.ts";
import { MetricsRegistry, serve } from "../../mod.ts";

async function withEndpoint(
  fn: (endpoint: HttpEndpoint, metrics: MetricsRegistry) => Promise<void>,
  health: HealthCheck = () =>
    Promise.resolve({ ready: true, checks: { store: "ok" } }),
  errors: unknown[] = [],
): Promise<void> {
  const metrics = new MetricsRegistry();
  const endpoint = await serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    routes: {
      ...operationsRoutes(metrics, health),
      "/boom": () => {
        throw new Error("route failed");
      },
    },
    onError: (error) => void errors.push(error),
  });
  try {
    await fn(endpoint, metrics);
  } finally {
    await endpoint.shutdown();
  }
}

async function get(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url, init);
  return {
    status: response.status,
    body: await response.text(),
    headers: response.headers,
  };
}

Deno.test("serveHttp on port 0 reports the bound port and answers /healthz 200 ok when ready", async () => {
  await withEndpoint(async (endpoint) => {
    assert.notEqual(endpoint.port, 0);
    assert.equal(endpoint.url, `http://127.0.0.1:${endpoint.port}`);
    const { status, body, headers } = await get(`${endpoint.url}/healthz`);
    assert.equal(status, 200);
    assert.equal(body, "ok\n");
    assert.equal(headers.get("cache-control"), "no-store");
  });
});

Deno.test("/healthz answers 503 with one line per failing check", async () => {
  await withEndpoint(async (endpoint) => {
    const { status, body } = await get(`${endpoint.url}/healthz`);
    assert.equal(status, 503);
    assert.equal(body, "store: no answer in 1000 ms\nbus: not connected\n");
  }, () =>
    Promise.resolve({
      ready: false,
      checks: {
        store: "no answer in 1000 ms",
        bus: "not connected",
        other: "ok",
      },
    }));
});

Deno.test("/livez answers 200 whatever the health", async () => {
  await withEndpoint(async (endpoint) => {
    const { status, body } = await get(`${endpoint.url}/livez`);
    assert.deepEqual({ status, body }, { status: 200, body: "ok\n" });
  }, () => Promise.resolve({ ready: false, checks: { store: "down" } }));
});

Deno.test("/metrics serves the registry with the 0.0.4 content type, a real server's metrics included", async () => {
  await withEndpoint(async (endpoint, metrics) => {
    await using server = serve({ port: 0, logger: null, metrics });
    const conn = await Deno.connect({ port: server.port! });
    // A Ping of 3 bytes: 8 bytes each way.
    await conn.write(new Uint8Array([2, 0, 0, 0, 3, 7, 7, 7]));
    await conn.read(new Uint8Array(64));
    conn.close();
    const { status, body, headers } = await get(`${endpoint.url}/metrics`);
    assert.equal(status, 200);
    assert.equal(
      headers.get("content-type"),
      "text/plain; version=0.0.4; charset=utf-8",
    );
    assert.equal(body, metrics.render());
    assert.match(body, /^framewire_bytes_received_total 8$/m);
    assert.match(body, /^framewire_frames_sent_total 1$/m);
  });
});

Deno.test("serveHttp answers 404 for other paths, 405 for other methods, headers only for HEAD", async () => {
  await withEndpoint(async (endpoint) => {
    assert.equal((await get(`${endpoint.url}/`)).status, 404);
    assert.equal((await get(`${endpoint.url}/healthz/x`)).status, 404);
    assert.equal((await get(`${endpoint.url}/__proto__`)).status, 404);
    assert.equal((await get(`${endpoint.url}/constructor`)).status, 404);
    const post = await get(`${endpoint.url}/metrics`, { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    const head = await get(`${endpoint.url}/healthz`, { method: "HEAD" });
    assert.deepEqual([head.status, head.body], [200, ""]);
  });
});

Deno.test("serveHttp answers 500 when a route throws, reports it, and keeps serving", async () => {
  const errors: unknown[] = [];
  await withEndpoint(
    async (endpoint) => {
      assert.equal((await get(`${endpoint.url}/boom`)).status, 500);
      assert.equal((errors[0] as Error).message, "route failed");
      assert.equal((await get(`${endpoint.url}/livez`)).status, 200);
    },
    undefined,
    errors,
  );
});

Deno.test("serveHttp survives a malformed request on a raw socket", async () => {
  await withEndpoint(async (endpoint) => {
    const conn = await Deno.connect({ port: endpoint.port });
    try {
      await conn.write(new TextEncoder().encode("BOGUS\r\n\r\n"));
      const buffer = new Uint8Array(1024);
      // Deno answers 400 or hangs up; either way nothing else breaks.
      await conn.read(buffer).catch(() => null);
    } finally {
      conn.close();
    }
    assert.equal((await get(`${endpoint.url}/livez`)).status, 200);
  });
});
