// Copyright 2026 the framewire authors. MIT license.
// Online sessions per user, from presence events: a user is online while
// any of their sessions is. Shared by the in-process and the NATS bus.
import type { ChatPresenceEvent } from "./chat_bus.ts";

/** Sessions per user, updated by presence events. */
export class PresenceTable {
  #sessions = new Map<string, Set<string>>();

  /** Records a session coming online or going offline. */
  apply(event: ChatPresenceEvent): void {
    let sessions = this.#sessions.get(event.user);
    if (event.online) {
      if (sessions === undefined) {
        sessions = new Set();
        this.#sessions.set(event.user, sessions);
      }
      sessions.add(event.session);
    } else if (sessions !== undefined) {
      sessions.delete(event.session);
      if (sessions.size === 0) this.#sessions.delete(event.user);
    }
  }

  /** Users with a session online, sorted. */
  users(): string[] {
    return [...this.#sessions.keys()].sort();
  }

  /** Forgets every session. */
  clear(): void {
    this.#sessions.clear();
  }
}
