// Copyright 2026 the framewire authors. MIT license.
// The chat page on the HTTP port: `/` (web/app/static/index.html),
// `/app.js` (the committed bundle, web/app/dist/app.js), `/app.css` and
// `/favicon.svg`,
// read once at start and served from memory with a strict
// Content-Security-Policy: scripts and styles from this origin only, no
// inline script, no eval, connections to this origin only (the page's
// WebSocket to /ws), no frames, no form posts anywhere.
import type { HttpRoute } from "./_http.ts";

/**
 * The page's Content-Security-Policy. `connect-src 'self'` covers the
 * WebSocket to the same host and port (`ws:` from `http:`, `wss:` from
 * `https:`). `form-action 'none'`: if the script failed to load, the login
 * form must not submit the password in a URL.
 */
export const WEB_APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const ASSETS: readonly { path: string; file: string; type: string }[] = [
  {
    path: "/",
    file: "../web/app/static/index.html",
    type: "text/html; charset=utf-8",
  },
  {
    path: "/app.js",
    file: "../web/app/dist/app.js",
    type: "text/javascript; charset=utf-8",
  },
  {
    path: "/app.css",
    file: "../web/app/static/app.css",
    type: "text/css; charset=utf-8",
  },
  {
    path: "/favicon.svg",
    file: "../web/app/static/favicon.svg",
    type: "image/svg+xml",
  },
];

/** Headers of every asset: the CSP and the usual hardening. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": WEB_APP_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

/**
 * The page's routes. A missing asset (a checkout without the bundle) is
 * answered 503 with what to run, instead of stopping the server.
 */
export async function webAppRoutes(): Promise<Record<string, HttpRoute>> {
  const routes: Record<string, HttpRoute> = {};
  for (const asset of ASSETS) {
    const url = new URL(asset.file, import.meta.url);
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = url.protocol === "file:"
        ? await Deno.readFile(url)
        : new Uint8Array(await (await fetch(url)).arrayBuffer());
    } catch (error) {
      const reason = `web app unavailable: cannot read ${asset.file} (${
        (error as Error).message
      }); run \`deno task build:web\`\n`;
      routes[asset.path] = () =>
        new Response(reason, {
          status: 503,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      continue;
    }
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", body),
    );
    const etag = `"${
      Array.from(digest.slice(0, 12), (b) => b.toString(16).padStart(2, "0"))
        .join("")
    }"`;
    routes[asset.path] = (request) => {
      const headers = {
        ...SECURITY_HEADERS,
        "content-type": asset.type,
        // Revalidated each time: a new server version shows at once.
        "cache-control": "no-cache",
        etag,
      };
      if (request.headers.get("if-none-match") === etag) {
        return new Response(null, { status: 304, headers });
      }
      return new Response(body, { headers });
    };
  }
  return routes;
}
