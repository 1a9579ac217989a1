// Copyright 2026 the framewire authors. MIT license.
/**
 * The {@linkcode ChatBus} of a cluster: chat servers on several nodes share
 * one NATS broker (`nats-server`), core pub/sub, no JetStream.
 *
 * **Subjects**, under a prefix (`framewire.chat` unless set, so that several
 * clusters can share a broker):
 *
 * | Subject                         | What travels (JSON)                        |
 * | ------------------------------- | ------------------------------------------ |
 * | `<prefix>.event.message.<chat>` | a {@linkcode ChatMessageEvent}             |
 * | `<prefix>.event.presence`       | a {@linkcode ChatPresenceEvent}            |
 * | `<prefix>.event.login`          | a {@linkcode ChatLoginEvent}               |
 * | `<prefix>.event.revoke`         | a {@linkcode ChatRevokeEvent}              |
 * | `<prefix>.report`               | a gather request: `{from, what}`           |
 * | `<prefix>.reply.<handle>.<n>`   | a node's answer: its users or connections |
 * | `<prefix>.node`                 | a handle's hello and goodbye               |
 *
 * **At most once.** NATS core delivers each event at most once: what is
 * published while a node is disconnected from the broker never reaches it.
 * The bus does not hide that: after each reconnect it emits
 * `{ type: "resync" }` to its listeners, and the chat server reads what its
 * open chats missed from the store (gaps in `seq`).
 *
 * **Who is online** is not kept from the presence events of other nodes
 * (a node killed with `kill -9` would leave ghosts): each handle knows the
 * sessions it published itself, and {@linkcode NatsChatBus.online} asks
 * every node live, with a deadline. {@linkcode NatsChatBus.connections}
 * does the same with each node's {@linkcode ChatNodeReporter}.
 *
 * @module
 */
import type {
  ChatBus,
  ChatBusEvent,
  ChatBusListener,
  ChatBusSubscription,
  ChatLoginEvent,
  ChatNodeReporter,
} from "./chat_bus.ts";
import type { ChatAdminConnectionInfo } from "./messages.ts";
import { loadNats, type NatsConn, type NatsMsg } from "./_nats_client.ts";
import {
  type Answer,
  type Ask,
  encoder,
  parse,
  type Pending,
} from "./_nats_wire.ts";
import {
  numberOption,
  optionsObject,
  stringOption,
} from "../internal/options.ts";
import { BusSubscribers } from "./_bus_subscribers.ts";
import { PresenceTable } from "./_presence_table.ts";

/** Options of {@linkcode NatsChatBus.connect}. */
export interface NatsChatBusOptions {
  /**
   * The first tokens of every subject the bus uses: nodes of one cluster
   * must agree on it; two clusters on one broker must not. Letters, digits,
   * `_` and `-`, in tokens separated by dots.
   *
   * @default {"framewire.chat"}
   */
  readonly subjectPrefix?: string;
  /**
   * This node's name, shown with its connections. Use the chat server's
   * `nodeId`.
   *
   * @default {a random id}
   */
  readonly nodeId?: string;
  /**
   * How long {@linkcode NatsChatBus.online} and
   * {@linkcode NatsChatBus.connections} wait for the other nodes' answers.
   * They return as soon as every known node answered; a node that stays
   * silent (it died) costs this much once, then it is no longer waited for.
   *
   * @default {500}
   */
  readonly requestTimeoutMs?: number;
  /**
   * The wait between two attempts to reconnect to the broker (plus up to
   * 100 ms of jitter). The bus never stops trying.
   *
   * @default {500}
   */
  readonly reconnectWaitMs?: number;
  /**
   * How long {@linkcode NatsChatBus.connect} waits for the first
   * connection before it fails.
   *
   * @default {5000}
   */
  readonly connectTimeoutMs?: number;
}

const DEFAULTS = {
  subjectPrefix: "framewire.chat",
  requestTimeoutMs: 500,
  reconnectWaitMs: 500,
  connectTimeoutMs: 5_000,
} as const;

/** Client pings every 10 s; two unanswered ones mean the broker is gone. */
const PING_INTERVAL_MS = 10_000;
const MAX_PINGS_OUT = 2;
const SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

interface Resolved {
  readonly subjectPrefix: string;
  readonly nodeId: string;
  readonly requestTimeoutMs: number;
  readonly reconnectWaitMs: number;
  readonly connectTimeoutMs: number;
}

function resolveOptions(options: NatsChatBusOptions | undefined): Resolved {
  const given = optionsObject(options, "Cannot connect NATS chat bus");
  const subjectPrefix = stringOption("subjectPrefix", given.subjectPrefix) ??
    DEFAULTS.subjectPrefix;
  if (!SUBJECT_PREFIX.test(subjectPrefix)) {
    throw new TypeError(
      `Cannot use subjectPrefix ${
        JSON.stringify(subjectPrefix)
      }: expected tokens of letters, digits, "_" and "-" separated by dots`,
    );
  }
  return {
    subjectPrefix,
    nodeId: stringOption("nodeId", given.nodeId, { nonEmpty: true }) ??
      crypto.randomUUID().slice(0, 8),
    requestTimeoutMs: numberOption(
      "requestTimeoutMs",
      given.requestTimeoutMs,
      DEFAULTS.requestTimeoutMs,
      { min: 1, max: 60_000 },
    ),
    reconnectWaitMs: numberOption(
      "reconnectWaitMs",
      given.reconnectWaitMs,
      DEFAULTS.reconnectWaitMs,
      { min: 1, max: 600_000 },
    ),
    connectTimeoutMs: numberOption(
      "connectTimeoutMs",
      given.connectTimeoutMs,
      DEFAULTS.connectTimeoutMs,
      { min: 1, max: 600_000 },
    ),
  };
}

/**
 * A {@linkcode ChatBus} over a NATS broker, for chat servers on several
 * nodes. One handle per node (or per chat server): it publishes that
 * node's events, delivers every node's events to its listeners, and answers
 * the other nodes' questions about its sessions and connections.
 *
 * **Reconnects.** The client reconnects forever, waiting `reconnectWaitMs`
 * between tries; subscriptions survive. While disconnected,
 * {@linkcode NatsChatBus.connected} is `false` and `publish` rejects at once
 * (nothing is buffered: the chat server logs the failure and repairs the
 * gap from its store after the `resync` that follows the reconnect).
 *
 * The NATS client (`npm:@nats-io/transport-node`) is imported by
 * {@linkcode NatsChatBus.connect}, so a server that never uses it never
 * downloads it.
 *
 * @example Two nodes on one broker
 * ```ts ignore
 * import { NatsChatBus } from "@framewire/framewire/chat";
 *
 * const a = await NatsChatBus.connect("nats://127.0.0.1:4222", { nodeId: "a" });
 * const b = await NatsChatBus.connect("nats://127.0.0.1:4222", { nodeId: "b" });
 * await b.subscribe((event) => console.log("b got", event.type));
 * await a.publish({ type: "presence", user: "alice", session: "s1", online: true });
 * console.log(await b.online()); // ["alice"], asked of node a
 * await a.close();
 * await b.close();
 * ```
 */
export class NatsChatBus implements ChatBus {
  /** This node's name, from the options. */
  readonly nodeId: string;
  readonly #options: Resolved;
  readonly #nc: NatsConn;
  /** Unique per handle: several handles may share a node id. */
  readonly #handle = crypto.randomUUID();
  readonly #subscribers = new BusSubscribers();
  /** Sessions this handle published online, per user. */
  readonly #presenceTable = new PresenceTable();
  /** Other handles known to be up: a gather ends once they all answered. */
  readonly #peers = new Set<string>();
  readonly #pending = new Map<string, Pending>();
  #nextAsk = 0;
  #connected = true;
  #closed = false;
  #watching: Promise<void> = Promise.resolve();

  private constructor(nc: NatsConn, options: Resolved) {
    this.#nc = nc;
    this.#options = options;
    this.nodeId = options.nodeId;
  }

  /**
   * Connects to a NATS broker and subscribes to the cluster's subjects.
   *
   * @example
   * ```ts ignore
   * import { NatsChatBus } from "@framewire/framewire/chat";
   *
   * const bus = await NatsChatBus.connect("nats://127.0.0.1:4222", {
   *   subjectPrefix: "staging.chat",
   *   nodeId: "node-1",
   * });
   * console.log(bus.connected); // true
   * await bus.close();
   * ```
   *
   * @param url The broker, `nats://HOST:PORT` (several: comma-separated).
   * @param options The subjects, node id and timeouts.
   * @returns The bus, subscribed.
   * @throws {TypeError | RangeError} If an option is invalid.
   * @throws {Error} If the broker cannot be reached within `connectTimeoutMs`.
   */
  static async connect(
    url: string,
    options?: NatsChatBusOptions,
  ): Promise<NatsChatBus> {
    const resolved = resolveOptions(options);
    const servers = String(url).split(",").map((server) => server.trim())
      .filter(Boolean);
    if (servers.length === 0) {
      throw new TypeError(`Cannot connect NATS chat bus: no URL in "${url}"`);
    }
    const nats = await loadNats();
    const nc = await nats.connect({
      servers,
      name: `framewire ${resolved.nodeId}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: resolved.reconnectWaitMs,
      reconnectJitter: 100,
      timeout: resolved.connectTimeoutMs,
      pingInterval: PING_INTERVAL_MS,
      maxPingOut: MAX_PINGS_OUT,
    });
    const bus = new NatsChatBus(nc, resolved);
    try {
      await bus.#start();
    } catch (error) {
      await nc.close();
      throw error;
    }
    return bus;
  }

  #subject(...tokens: string[]): string {
    return [this.#options.subjectPrefix, ...tokens].join(".");
  }

  async #start(): Promise<void> {
    const nc = this.#nc;
    // One subscription per subject for the handle; listeners are fanned
    // out locally, so (un)subscribing a listener costs no round trip.
    nc.subscribe(this.#subject("event", ">"), {
      callback: (error, msg) => {
        if (error === null) this.#event(msg);
      },
    });
    nc.subscribe(this.#subject("report"), {
      callback: (error, msg) => {
        if (error === null) this.#report(msg);
      },
    });
    nc.subscribe(this.#subject("reply", this.#handle, "*"), {
      callback: (error, msg) => {
        if (error === null) this.#answer(msg);
      },
    });
    nc.subscribe(this.#subject("node"), {
      callback: (error, msg) => {
        if (error === null) this.#node(msg);
      },
    });
    this.#watching = this.#watch();
    this.#hello(false);
    // The broker has our subscriptions (and relayed our hello) once it
    // answered a ping. The other nodes' answers to the hello take about one
    // more round trip: wait a few, so that the first gather knows them.
    const start = performance.now();
    await nc.flush();
    const roundTrip = performance.now() - start;
    const wait = Math.min(this.#options.requestTimeoutMs, 10 + 4 * roundTrip);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** Follows the client's status: connected, and resync after reconnect. */
  async #watch(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === "disconnect") {
        this.#connected = false;
      } else if (status.type === "reconnect") {
        try {
          // The client resent our subscriptions before reporting the
          // reconnect; once the broker answers a ping it has them, so
          // every event committed after the resync below reaches us.
          await this.#nc.flush();
        } catch {
          continue; // Lost again: the next reconnect resyncs.
        }
        if (this.#closed) break;
        this.#connected = true;
        // `resync` in the hello: messages this node stored while it was cut
        // off were never published, so every other node must compare its
        // open chats with the store too, not only this one.
        this.#hello(false, true, true);
        this.#subscribers.deliver({ type: "resync" });
      } else if (status.type === "close") {
        break;
      }
    }
  }

  #event(msg: NatsMsg): void {
    const event = parse(msg) as ChatBusEvent | undefined;
    if (event?.type === "presence" && !event.online) {
      // A session id is unique in the cluster: its end counts wherever it
      // was published (a server may end a session that another announced).
      this.#presenceTable.apply(event);
    }
    if (event?.type === "message" || event?.type === "presence") {
      this.#subscribers.deliver(event);
    } else if (event?.type === "login" && isLoginEvent(event)) {
      this.#subscribers.deliver(event);
    } else if (event?.type === "revoke" && typeof event.user === "string") {
      this.#subscribers.deliver(event);
    }
  }

  #hello(answer: boolean, up = true, resync = false): void {
    if (!this.#connected) return;
    this.#nc.publish(
      this.#subject("node"),
      JSON.stringify({ handle: this.#handle, up, answer, resync }),
    );
  }

  #node(msg: NatsMsg): void {
    const body = parse(msg);
    const handle = body?.handle;
    if (typeof handle !== "string" || handle === this.#handle) return;
    if (body?.up === false) {
      this.#peers.delete(handle);
      return;
    }
    if (body?.resync === true) this.#subscribers.deliver({ type: "resync" });
    const known = this.#peers.has(handle);
    this.#peers.add(handle);
    // A newcomer learns who is up from the answers to its hello.
    if (!known && body?.answer !== true) this.#hello(true);
  }

  /** Another node asks about this one. */
  #report(msg: NatsMsg): void {
    const body = parse(msg);
    if (body?.from === this.#handle || msg.reply === undefined) return;
    if (typeof body?.from === "string") this.#peers.add(body.from);
    const answer: Answer = body?.what === "connections"
      ? { ...this.#me(), connections: this.#localConnections() }
      : { ...this.#me(), users: this.#presenceTable.users() };
    try {
      this.#nc.publish(msg.reply, encoder.encode(JSON.stringify(answer)));
    } catch {
      // Larger than the broker's max_payload, or disconnected: the asker
      // times out on this node.
    }
  }

  #me(): { node: string; handle: string } {
    return { node: this.nodeId, handle: this.#handle };
  }

  #answer(msg: NatsMsg): void {
    const body = parse(msg) as Answer | undefined;
    if (typeof body?.handle !== "string") return;
    this.#peers.add(body.handle);
    const id = msg.subject.slice(msg.subject.lastIndexOf(".") + 1);
    const pending = this.#pending.get(id);
    if (pending === undefined) return; // Too late.
    pending.answers.set(body.handle, body);
    if ([...pending.expected].every((peer) => pending.answers.has(peer))) {
      pending.done();
    }
  }

  /** Asks every other node, until all known answered or the deadline. */
  async #gather(what: Ask): Promise<Answer[]> {
    if (this.#closed || !this.#connected) return [];
    const id = String(this.#nextAsk++);
    const expected = new Set(this.#peers);
    const answers = new Map<string, Answer>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => done = resolve);
    this.#pending.set(id, { answers, expected, done });
    try {
      this.#nc.publish(
        this.#subject("report"),
        JSON.stringify({ from: this.#handle, what }),
        { reply: this.#subject("reply", this.#handle, id) },
      );
      if (expected.size > 0) {
        timer = setTimeout(done, this.#options.requestTimeoutMs);
        await finished;
      }
    } catch {
      // Disconnected meanwhile: what answered so far.
    } finally {
      clearTimeout(timer);
      this.#pending.delete(id);
    }
    // A node that stayed silent died (or is stuck): do not wait for it
    // again; it is known again as soon as it says or answers anything.
    for (const peer of expected) {
      if (!answers.has(peer)) this.#peers.delete(peer);
    }
    return [...answers.values()];
  }

  /**
   * Sends an event to every node's listeners, this node's included (they
   * receive it from the broker, in order with the others). Presence is
   * also recorded as this node's sessions, for {@linkcode online}.
   *
   * Order: the events of one chat published by one handle arrive in
   * publish order, since NATS keeps the order of one connection's messages
   * on a subject, and a chat server publishes one chat's messages in `seq`
   * order. Events of one chat from two nodes may interleave; the chat
   * server orders them by `seq` and repairs gaps from the store.
   *
   * @param event The event.
   * @returns Resolves once the client has taken it (buffered for the
   * socket); dropped after {@linkcode close}.
   * @throws {Error} If the bus is disconnected from its broker (the event
   * is not sent, not even later); presence is recorded all the same.
   */
  publish(event: ChatBusEvent): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (event.type === "presence") this.#presenceTable.apply(event);
    if (event.type === "resync") return Promise.resolve(); // Not sent.
    if (!this.#connected) {
      return Promise.reject(
        new Error(
          `Cannot publish chat ${event.type} event: NATS bus disconnected`,
        ),
      );
    }
    const subject = event.type === "message"
      ? this.#subject("event", "message", String(event.chat.id))
      : this.#subject("event", event.type);
    try {
      this.#nc.publish(subject, encoder.encode(JSON.stringify(event)));
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve();
  }

  /**
   * Registers a listener for the events of every node, and the reporter
   * that answers for this node's connections.
   *
   * @param listener Called with each event, and `resync` after a reconnect.
   * @param reporter This node's connections, for {@linkcode connections}.
   * @returns The registration.
   */
  subscribe(
    listener: ChatBusListener,
    reporter?: ChatNodeReporter,
  ): Promise<ChatBusSubscription> {
    return Promise.resolve(this.#subscribers.add(listener, reporter));
  }

  /**
   * Users with a session online on any node: this node's sessions and the
   * answers of the others (live, so a dead node's users are not listed).
   * Disconnected, it is this node's users only.
   *
   * @returns Their names, sorted.
   */
  async online(): Promise<string[]> {
    const users = new Set(this.#presenceTable.users());
    for (const answer of await this.#gather("online")) {
      for (const user of answer.users ?? []) users.add(user);
    }
    return [...users].sort();
  }

  /**
   * The connections of every node that answers (this one included), node
   * by node in order of node id.
   *
   * @returns The connections.
   */
  async connections(): Promise<ChatAdminConnectionInfo[]> {
    const answers = await this.#gather("connections");
    answers.push({ ...this.#me(), connections: this.#localConnections() });
    answers.sort((x, y) =>
      x.node < y.node ? -1 : x.node > y.node ? 1 : x.handle < y.handle ? -1 : 1
    );
    return answers.flatMap((answer) => answer.connections ?? []);
  }

  #localConnections(): ChatAdminConnectionInfo[] {
    return this.#subscribers.connections();
  }

  /** Whether the client is connected to the broker. */
  get connected(): boolean {
    return this.#connected && !this.#closed;
  }

  /**
   * Says goodbye to the other nodes (they stop asking it), drains the
   * subscriptions and closes the connection.
   *
   * @returns Resolves once the socket is closed and every timer ended.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#hello(false, false);
    } catch {
      // Going away anyway.
    }
    for (const pending of this.#pending.values()) pending.done();
    this.#subscribers.clear();
    this.#presenceTable.clear();
    try {
      // Draining flushes our goodbye; it needs the broker, so only then.
      if (this.#connected) await this.#nc.drain();
      else await this.#nc.close();
    } catch {
      if (!this.#nc.isClosed()) await this.#nc.close();
    }
    await this.#nc.closed();
    await this.#watching;
  }
}

/** Whether a login event from the wire has the fields a throttle needs. */
function isLoginEvent(event: ChatLoginEvent): boolean {
  return typeof event.user === "string" && typeof event.failed === "boolean" &&
    typeof event.node === "string";
}
