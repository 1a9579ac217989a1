// Copyright 2026 the framewire authors. MIT license.
// Logs in over the page's own WebSocket endpoint (`/ws`, same origin) with
// the browser chat client of web/mod.ts.
import { connectWebChat } from "../../mod.ts";
import type { ChatSession, Credentials, SessionFactory } from "./_session.ts";

/** The `/ws` endpoint of the server that served the page. */
export function endpoint(): URL {
  return new URL("/ws", location.href);
}

/**
 * One login, without the client's own reconnect: the app's link reconnects
 * (with backoff, for as long as the page is open), reopens its chat and
 * resends its outbox with the first ids, so that one policy decides what
 * the page shows while offline.
 */
export const connectSession: SessionFactory = async (
  credentials: Credentials,
): Promise<ChatSession> =>
  await connectWebChat({
    url: endpoint(),
    user: credentials.user,
    ...("resume" in credentials
      ? { resume: credentials.resume }
      : { password: credentials.password }),
    // Kept for the tab (see _app.ts), so that a reload logs in again.
    remember: true,
    reconnect: false,
  });
