// Copyright 2026 the framewire authors. MIT license.
/**
 * The {@linkcode ChatBus} of one process: events go to the listeners
 * synchronously, inside `publish`, so a message reaches the sessions of
 * every chat server sharing the bus before its sender's ack is written.
 *
 * @module
 */
import type {
  ChatBus,
  ChatBusEvent,
  ChatBusListener,
  ChatBusSubscription,
  ChatNodeReporter,
} from "./chat_bus.ts";
import type { ChatAdminConnectionInfo } from "./messages.ts";
import { BusSubscribers } from "./_bus_subscribers.ts";
import { PresenceTable } from "./_presence_table.ts";

/**
 * A bus for chat servers in one process (one, usually; several share it in
 * tests of multi-node behaviour).
 *
 * @example Presence is aggregated per user over sessions
 * ```ts
 * import { InProcessChatBus } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const bus = new InProcessChatBus();
 * await bus.publish({ type: "presence", user: "bob", session: "a", online: true });
 * await bus.publish({ type: "presence", user: "bob", session: "b", online: true });
 * await bus.publish({ type: "presence", user: "bob", session: "a", online: false });
 * assert.deepEqual(await bus.online(), ["bob"]);
 * await bus.publish({ type: "presence", user: "bob", session: "b", online: false });
 * assert.deepEqual(await bus.online(), []);
 * ```
 */
export class InProcessChatBus implements ChatBus {
  readonly #subscribers = new BusSubscribers();
  /** Online sessions per user. */
  readonly #presenceTable = new PresenceTable();
  #closed = false;

  /**
   * Delivers an event to every listener before it returns.
   *
   * @param event The event.
   * @returns A settled promise.
   */
  publish(event: ChatBusEvent): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (event.type === "presence") this.#presenceTable.apply(event);
    this.#subscribers.deliver(event);
    return Promise.resolve();
  }

  /**
   * Registers a listener.
   *
   * @param listener Called with each event.
   * @param reporter What the subscriber reports to `connections()`.
   * @returns The registration.
   */
  subscribe(
    listener: ChatBusListener,
    reporter?: ChatNodeReporter,
  ): Promise<ChatBusSubscription> {
    return Promise.resolve(this.#subscribers.add(listener, reporter));
  }

  /**
   * The connections every subscriber reports.
   *
   * @returns The connections, subscriber by subscriber.
   */
  connections(): Promise<ChatAdminConnectionInfo[]> {
    return Promise.resolve(this.#subscribers.connections());
  }

  /** Always `true` until closed: there is no broker to lose. */
  get connected(): boolean {
    return !this.#closed;
  }

  /**
   * Users with a session online.
   *
   * @returns Their names, sorted.
   */
  online(): Promise<string[]> {
    return Promise.resolve(this.#presenceTable.users());
  }

  /**
   * Drops every listener and the presence table.
   *
   * @returns A settled promise.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
    this.#presenceTable.clear();
    return Promise.resolve();
  }
}
