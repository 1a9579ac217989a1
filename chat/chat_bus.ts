// Copyright 2026 the framewire authors. MIT license.
/**
 * How chat servers tell each other what happened: committed messages,
 * presence (a user's session came online or went offline), and failed
 * logins (for the login throttle they share). A chat server
 * publishes to its bus after each commit and delivers to its own sessions
 * only what it receives from the bus, so with a bus shared by several nodes
 * (NATS, say) a message stored on node A reaches a reader on node B.
 * {@linkcode InProcessChatBus} is the bus of one process.
 *
 * **Who is online.** Presence events carry a session id; a bus aggregates
 * them and answers {@linkcode ChatBus.online} for every node it links (a
 * networked bus would also expire the sessions of a node that died, by a
 * heartbeat). A server answers `who`, `members` and the admin's chat list
 * from `online()`, and closes its own session of a user when another
 * session of that user comes online anywhere (`SESSION_REPLACED`).
 *
 * **Order.** A bus must deliver the message events of one chat in the order
 * they were published, and a server publishes them in `seq` order.
 *
 * @module
 */
import type { ChatRecord, StoredMessage } from "./chat_store.ts";
import type { ChatAdminConnectionInfo } from "./messages.ts";

/** A message was committed: deliver it to the members' sessions. */
export interface ChatMessageEvent {
  /** The event kind. */
  readonly type: "message";
  /** Its chat. */
  readonly chat: ChatRecord;
  /** The stored message (never a duplicate). */
  readonly message: StoredMessage;
  /** The chat's members when it was committed, sorted. */
  readonly members: readonly string[];
}

/** A user's session came online or went offline. */
export interface ChatPresenceEvent {
  /** The event kind. */
  readonly type: "presence";
  /** The user. */
  readonly user: string;
  /** A unique id of the session (a user has one session at a time). */
  readonly session: string;
  /** `true` when the session logged in, `false` when it ended. */
  readonly online: boolean;
}

/**
 * A login on some node failed, or succeeded after failures: every node
 * counts it in its per-name login throttle, so a guesser gains nothing by
 * spreading attempts over the nodes.
 */
export interface ChatLoginEvent {
  /** The event kind. */
  readonly type: "login";
  /** The name tried (`admin` for the admin token). */
  readonly user: string;
  /** `true` for a failure; `false` for a success, which clears the name. */
  readonly failed: boolean;
  /** The node that saw it (its own throttle has counted it already). */
  readonly node: string;
}

/**
 * The operator revoked a user's sessions (and resume tokens): every node
 * closes the user's session it holds, with `SESSION_REVOKED`.
 */
export interface ChatRevokeEvent {
  /** The event kind. */
  readonly type: "revoke";
  /** The user. */
  readonly user: string;
}

/**
 * The bus may have dropped events: a networked bus sends it to its
 * listeners after it (re)connected to its broker. A server answers it by
 * reading from the store what its open chats missed.
 */
export interface ChatResyncEvent {
  /** The event kind. */
  readonly type: "resync";
}

/** What travels on a {@linkcode ChatBus}. */
export type ChatBusEvent =
  | ChatMessageEvent
  | ChatPresenceEvent
  | ChatLoginEvent
  | ChatRevokeEvent
  | ChatResyncEvent;

/** What one node tells the others when asked about itself. */
export interface ChatNodeReporter {
  /**
   * This node's connections, for the admin's list.
   *
   * @returns The connections, oldest first.
   */
  connections(): ChatAdminConnectionInfo[];
}

/** Receives the events of a {@linkcode ChatBus}; must not throw. */
export type ChatBusListener = (event: ChatBusEvent) => void;

/** A listener's registration on a bus. */
export interface ChatBusSubscription {
  /**
   * Stops delivery to the listener.
   *
   * @returns Resolves once no more events will arrive.
   */
  unsubscribe(): Promise<void>;
}

/**
 * Publish/subscribe of committed messages, presence and logins between
 * chat servers (see the module doc for the guarantees). A bus delivers
 * every kind of {@linkcode ChatBusEvent} it is given except `resync`, which
 * it only emits itself.
 *
 * @example Two servers' listeners on one in-process bus
 * ```ts
 * import { type ChatBus, type ChatBusEvent, InProcessChatBus } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const bus: ChatBus = new InProcessChatBus();
 * const seen: ChatBusEvent[] = [];
 * const subscription = await bus.subscribe((event) => seen.push(event));
 * await bus.publish({ type: "presence", user: "alice", session: "s1", online: true });
 * assert.deepEqual(await bus.online(), ["alice"]);
 * assert.equal(seen.length, 1);
 * await subscription.unsubscribe();
 * await bus.close();
 * ```
 */
export interface ChatBus {
  /**
   * Sends an event to every listener, on every node.
   *
   * @param event The event.
   * @returns Resolves once the bus has taken it.
   */
  publish(event: ChatBusEvent): Promise<void>;
  /**
   * Registers a listener for every event published from now on.
   *
   * @param listener Called with each event.
   * @param reporter What this subscriber (a node) reports to
   * {@linkcode ChatBus.connections}, until it unsubscribes.
   * @returns The registration, once events will reach the listener.
   */
  subscribe(
    listener: ChatBusListener,
    reporter?: ChatNodeReporter,
  ): Promise<ChatBusSubscription>;
  /**
   * Users with a session online on any node, from the presence events.
   *
   * @returns Their names, sorted.
   */
  online(): Promise<string[]>;
  /**
   * The connections of every node, from each subscriber's reporter.
   *
   * @returns The connections, node by node.
   */
  connections(): Promise<ChatAdminConnectionInfo[]>;
  /**
   * Whether events published now reach the other nodes (a networked bus:
   * connected to its broker). A server is not ready while it is `false`.
   */
  readonly connected: boolean;
  /**
   * Ends every subscription; later publishes are dropped.
   *
   * @returns Resolves once closed.
   */
  close(): Promise<void>;
}
