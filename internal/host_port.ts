// Copyright 2026 the framewire authors. MIT license.
/**
 * Splits `"host:port"` or `"[v6]:port"` into a hostname (brackets removed:
 * they belong to the address syntax, not the name) and a port from 1 to
 * 65535; `undefined` when it is not that. Callers word their own error.
 *
 * @example
 * ```ts
 * import { parseHostPort } from "./host_port.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseHostPort("[::1]:9000"), { hostname: "::1", port: 9000 });
 * assert.deepEqual(parseHostPort("example.com:80"), { hostname: "example.com", port: 80 });
 * assert.equal(parseHostPort("example.com"), undefined);
 * assert.equal(parseHostPort(":80"), undefined);
 * assert.equal(parseHostPort("h:70000"), undefined);
 * ```
 *
 * @param text The address.
 * @returns The parts, or `undefined`.
 */
export function parseHostPort(
  text: string,
): { hostname: string; port: number } | undefined {
  const colon = text.lastIndexOf(":");
  const host = colon > 0 ? text.slice(0, colon) : "";
  const portText = colon > 0 ? text.slice(colon + 1) : "";
  const port = Number(portText);
  if (
    host === "" || portText === "" || !Number.isInteger(port) || port < 1 ||
    port > 65535
  ) {
    return undefined;
  }
  const hostname = host.startsWith("[") && host.endsWith("]")
    ? host.slice(1, -1)
    : host;
  return { hostname, port };
}
