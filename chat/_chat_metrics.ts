// Copyright 2026 the framewire authors. MIT license.
// What a chat server counts for /metrics. The counters exist from the start
// (a server counts before anyone asks for its metrics) and are added to a
// registry by ChatServer.registerMetrics. Each call is a field increment or
// one bucket search: cheap enough for every message.
import {
  Counter,
  Histogram,
  type MetricsRegistry,
} from "../transport/metrics.ts";

// Store appends are a group commit: sub-millisecond to a few hundred ms
// under fsync load; past a second something is wrong.
const STORE_BUCKETS_S = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
];
// Bus lag spans the same range, plus the clock skew between nodes.
const LAG_BUCKETS_S = STORE_BUCKETS_S;

/** The gauges a server reads when scraped. */
export interface ChatGauges {
  /** Users logged in on this node. */
  users(): number;
  /** Chat connections on this node, logged in or not. */
  sessions(): number;
}

/** The chat server's counters and histograms. */
export class ChatMetrics {
  readonly #stored = new Counter({
    name: "framewire_chat_messages_stored_total",
    help:
      "Chat messages stored (committed) by this node, duplicates not counted.",
  });
  readonly #delivered = new Counter({
    name: "framewire_chat_messages_delivered_total",
    help: "Chat messages pushed live to sessions on this node.",
  });
  readonly #storeLatency = new Histogram({
    name: "framewire_chat_store_append_seconds",
    help: "Time from a message's append to its commit in the store.",
    buckets: STORE_BUCKETS_S,
  });
  readonly #busLag = new Histogram({
    name: "framewire_chat_bus_lag_seconds",
    help:
      "Time from a message's sentAtMs to its arrival at this node's bus listener (includes clock skew between nodes).",
    buckets: LAG_BUCKETS_S,
  });
  readonly #gapsRepaired = new Counter({
    name: "framewire_chat_gaps_repaired_total",
    help:
      "Repairs of an open chat from the store: a seq gap in the live messages, or a bus resync that found messages missing.",
  });

  /** A message was committed (not a duplicate). */
  stored(): void {
    this.#stored.inc();
  }

  /** `count` messages were pushed live to sessions. */
  delivered(count = 1): void {
    this.#delivered.inc(count);
  }

  /** One append took `ms` milliseconds, from call to commit. */
  storeLatency(ms: number): void {
    this.#storeLatency.observe(ms / 1000);
  }

  /**
   * A message arrived from the bus `ms` milliseconds after its `sentAtMs`;
   * a negative lag (another node's clock ahead of ours) counts as 0.
   */
  busLag(ms: number): void {
    this.#busLag.observe(Math.max(0, ms) / 1000);
  }

  /** An open chat was repaired from the store (a seq gap, a resync). */
  gapRepaired(): void {
    this.#gapsRepaired.inc();
  }

  /** Repairs since start. */
  get gapsRepaired(): number {
    return this.#gapsRepaired.get();
  }

  /** Adds every chat metric to `registry`, the gauges read from `gauges`. */
  register(registry: MetricsRegistry, gauges: ChatGauges): void {
    registry.register(this.#stored);
    registry.register(this.#delivered);
    registry.register(this.#storeLatency);
    registry.register(this.#busLag);
    registry.register(this.#gapsRepaired);
    registry.gauge({
      name: "framewire_chat_users_online",
      help: "Users logged in on this node.",
      collect: () => gauges.users(),
    });
    registry.gauge({
      name: "framewire_chat_sessions",
      help: "Chat connections on this node, logged in or not.",
      collect: () => gauges.sessions(),
    });
  }
}
