// Copyright 2026 the framewire authors. MIT license.
// The subscribers of one bus handle: their listeners, which get every event
// (one throwing listener does not starve the others), and their reporters,
// which answer for this node's connections. Shared by both buses.
import type {
  ChatBusEvent,
  ChatBusListener,
  ChatBusSubscription,
  ChatNodeReporter,
} from "./chat_bus.ts";
import type { ChatAdminConnectionInfo } from "./messages.ts";

/** Listeners and reporters registered through `subscribe`. */
export class BusSubscribers {
  readonly #listeners = new Set<ChatBusListener>();
  readonly #reporters = new Set<ChatNodeReporter>();

  /** Registers a listener (and its reporter) until it unsubscribes. */
  add(
    listener: ChatBusListener,
    reporter: ChatNodeReporter | undefined,
  ): ChatBusSubscription {
    // Wrapped: the same function may be registered twice.
    const entry: ChatBusListener = (event) => listener(event);
    this.#listeners.add(entry);
    if (reporter !== undefined) this.#reporters.add(reporter);
    return {
      unsubscribe: () => {
        this.#listeners.delete(entry);
        if (reporter !== undefined) this.#reporters.delete(reporter);
        return Promise.resolve();
      },
    };
  }

  /** Gives `event` to every listener registered now. */
  deliver(event: ChatBusEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch {
        // One failing listener must not starve the others.
      }
    }
  }

  /** What every reporter says of its connections, in registration order. */
  connections(): ChatAdminConnectionInfo[] {
    return [...this.#reporters].flatMap((reporter) => reporter.connections());
  }

  /** Drops every listener and reporter. */
  clear(): void {
    this.#listeners.clear();
    this.#reporters.clear();
  }
}
