// Copyright 2026 the framewire authors. MIT license.
// Logs in over the page's own WebSocket endpoint (`/ws`, same origin).
import type { SessionFactory } from "./session.ts";

/** The `/ws` endpoint of the server that served the page. */
export function endpoint(): URL {
  return new URL("/ws", location.href);
}

/** Logs in with the browser client of web/mod.ts. */
export const connectSession: SessionFactory = () => {
  return Promise.reject(new Error("the browser client is not wired yet"));
};
