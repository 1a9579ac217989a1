// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { WEB_APP_CSP, webAppRoutes } from "../../cli/_web_app.ts";

const root = new URL("../../", import.meta.url);

/** What Deno.serve passes beside the request (unused by these routes). */
const INFO = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 40000 },
  completed: Promise.resolve(),
} as Deno.ServeHandlerInfo<Deno.NetAddr>;

function get(path: string, headers: Record<string, string> = {}): Request {
  return new Request(`http://127.0.0.1${path}`, { headers });
}

Deno.test("cli/_web_app.ts: serves the page, its bundle and its stylesheet with their types", async () => {
  const routes = await webAppRoutes();
  assert.deepEqual(Object.keys(routes).sort(), [
    "/",
    "/app.css",
    "/app.js",
    "/favicon.svg",
  ]);
  const cases = [
    ["/", "web/app/static/index.html", "text/html; charset=utf-8"],
    ["/app.js", "web/app/dist/app.js", "text/javascript; charset=utf-8"],
    ["/app.css", "web/app/static/app.css", "text/css; charset=utf-8"],
    ["/favicon.svg", "web/app/static/favicon.svg", "image/svg+xml"],
  ] as const;
  for (const [path, file, type] of cases) {
    const response = await routes[path](get(path), INFO);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), type);
    assert.deepEqual(
      new Uint8Array(await response.arrayBuffer()),
      await Deno.readFile(new URL(file, root)),
    );
  }
});

Deno.test("cli/_web_app.ts: every asset carries the strict CSP and no-sniff", async () => {
  const routes = await webAppRoutes();
  for (const path of Object.keys(routes)) {
    const response = await routes[path](get(path), INFO);
    await response.body?.cancel();
    assert.equal(response.headers.get("content-security-policy"), WEB_APP_CSP);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.equal(response.headers.get("x-frame-options"), "DENY");
  }
  // No inline script, no eval, connections to this origin only.
  assert.match(WEB_APP_CSP, /(^|; )script-src 'self'(;|$)/);
  assert.match(WEB_APP_CSP, /(^|; )connect-src 'self'(;|$)/);
  assert.match(WEB_APP_CSP, /(^|; )default-src 'none'(;|$)/);
  assert.doesNotMatch(WEB_APP_CSP, /unsafe-inline|unsafe-eval|\*/);
});

Deno.test("cli/_web_app.ts: a request with the current ETag gets 304 and no body", async () => {
  const routes = await webAppRoutes();
  const first = await routes["/app.js"](get("/app.js"), INFO);
  await first.body?.cancel();
  const etag = first.headers.get("etag")!;
  assert.match(etag, /^"[0-9a-f]{24}"$/);
  const again = await routes["/app.js"](
    get("/app.js", { "if-none-match": etag }),
    INFO,
  );
  assert.equal(again.status, 304);
  assert.equal(again.body, null);
  const stale = await routes["/app.js"](
    get("/app.js", { "if-none-match": '"0"' }),
    INFO,
  );
  assert.equal(stale.status, 200);
  await stale.body?.cancel();
});

Deno.test("cli/_web_app.ts: the page has no inline script or style and loads only its own files", async () => {
  const html = await Deno.readTextFile(
    new URL("web/app/static/index.html", root),
  );
  // Every <script> has a src; no on* attribute; no style attribute.
  for (const tag of html.match(/<script\b[^>]*>/g) ?? []) {
    assert.match(tag, /\bsrc="\/app\.js"/);
  }
  assert.doesNotMatch(html, /<script\b[^>]*>[^<\s]/);
  assert.doesNotMatch(html, /\son[a-z]+=/i);
  assert.doesNotMatch(html, /\sstyle=/i);
  assert.doesNotMatch(html, /https?:\/\//);
});

Deno.test("cli/_web_app.ts: the app never assigns HTML from strings", async () => {
  const dir = new URL("web/app/src/", root);
  for await (const entry of Deno.readDir(dir)) {
    const source = await Deno.readTextFile(new URL(entry.name, dir));
    assert.doesNotMatch(
      source,
      /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/,
      entry.name,
    );
  }
});
