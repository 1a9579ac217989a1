// Copyright 2026 the framewire authors. MIT license.
/**
 * What a {@linkcode Server} counts about its connections, and the metrics
 * it registers from them (the `metrics` option of `serve()`).
 *
 * Nothing is counted per frame: each connection already counts its frames
 * and bytes (`ConnectionInfo`); the server adds a connection's counts to
 * its totals once, when it closes, and the totals add the open connections'
 * counts when they are read. A scrape costs one pass over the open
 * connections; a frame costs nothing more than before.
 *
 * | metric                                    | type    | labels   |
 * | ----------------------------------------- | ------- | -------- |
 * | `framewire_connections_open`              | gauge   |          |
 * | `framewire_connections_accepted_total`    | counter |          |
 * | `framewire_connections_refused_total`     | counter | `code`   |
 * | `framewire_connections_evicted_total`     | counter |          |
 * | `framewire_connections_closed_total`      | counter | `reason` |
 * | `framewire_frames_received_total`         | counter |          |
 * | `framewire_frames_sent_total`             | counter |          |
 * | `framewire_bytes_received_total`          | counter |          |
 * | `framewire_bytes_sent_total`              | counter |          |
 *
 * @module
 */
import type { MetricSample, MetricsRegistry } from "./metrics.ts";

/**
 * A server's counters since it started; returned by
 * {@linkcode Server.prototype.totals}. Frames and bytes are those of served
 * connections (open or closed), not of refused ones.
 */
export interface ServerTotals {
  /** Connections being served now (closing ones included). */
  readonly connectionsOpen: number;
  /** Connections accepted and served. */
  readonly connectionsAccepted: number;
  /**
   * Connections turned away without being served, by code:
   * `SERVER_FULL`, `HOST_LIMIT`, `CONNECTION_RATE_LIMITED` (always present).
   */
  readonly connectionsRefused: Readonly<Record<string, number>>;
  /** Connections closed to make room for a newcomer (`EVICTED`). */
  readonly connectionsEvicted: number;
  /**
   * Served connections that have closed, by their close reason
   * (`PEER_CLOSED`, `IDLE_TIMEOUT`, `SLOW_READER`, …; see
   * `ServerConnection.closeReason`); a reason appears once it happened.
   */
  readonly connectionsClosed: Readonly<Record<string, number>>;
  /** Frames received from clients. */
  readonly framesIn: number;
  /** Frames written to clients. */
  readonly framesOut: number;
  /** Bytes read from clients. */
  readonly bytesIn: number;
  /** Bytes written to clients. */
  readonly bytesOut: number;
}

/** What {@linkcode registerServerMetrics} reads: a `Server`, say. */
export interface ServerTotalsSource {
  /**
   * The counters now.
   *
   * @returns A snapshot.
   */
  totals(): ServerTotals;
}

/**
 * Registers a server's metrics (the table in the module doc) in a
 * registry; their values are read from `server.totals()` at each render.
 * `serve({ metrics })` calls it for you. A registry holds one server's
 * metrics: the names are fixed.
 *
 * @param registry Where to register.
 * @param server The server.
 * @throws {TypeError} If the registry already has one of the names.
 *
 * @example A scrape after one request
 * ```ts
 * import { connect, MetricsRegistry, serve } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const metrics = new MetricsRegistry();
 * await using server = serve({ port: 0, logger: null, metrics }, {
 *   frameTypes: [200],
 *   onFrame: (frame) => ({ type: 201, payload: frame.payload }),
 * });
 * {
 *   using client = await connect({ port: server.port! });
 *   await client.request({ type: 200, payload: new Uint8Array(10) });
 * }
 * const text = metrics.render();
 * assert.match(text, /^framewire_connections_accepted_total 1$/m);
 * assert.match(text, /^framewire_frames_received_total 1$/m);
 * assert.match(text, /^framewire_bytes_sent_total 15$/m); // 5-byte header + 10
 * ```
 */
export function registerServerMetrics(
  registry: MetricsRegistry,
  server: ServerTotalsSource,
): void {
  // One snapshot serves every metric of one render: the open connections
  // are walked once per scrape, not once per metric.
  let cached: ServerTotals | undefined;
  const totals = () => {
    if (cached === undefined) {
      cached = server.totals();
      queueMicrotask(() => cached = undefined);
    }
    return cached;
  };
  const samples = (
    label: string,
    counts: Readonly<Record<string, number>>,
  ): MetricSample[] =>
    Object.entries(counts).map(([value, count]) => ({
      labels: { [label]: value },
      value: count,
    }));
  registry.gauge({
    name: "framewire_connections_open",
    help: "Connections being served now, closing ones included.",
    collect: () => totals().connectionsOpen,
  });
  registry.counter({
    name: "framewire_connections_accepted_total",
    help: "Connections accepted and served.",
    collect: () => totals().connectionsAccepted,
  });
  registry.counter({
    name: "framewire_connections_refused_total",
    help: "Connections turned away without being served, by error code.",
    labelNames: ["code"],
    collect: () => samples("code", totals().connectionsRefused),
  });
  registry.counter({
    name: "framewire_connections_evicted_total",
    help:
      "Connections closed (EVICTED) to make room for a newcomer when the server was full.",
    collect: () => totals().connectionsEvicted,
  });
  registry.counter({
    name: "framewire_connections_closed_total",
    help: "Served connections that closed, by close reason.",
    labelNames: ["reason"],
    collect: () => samples("reason", totals().connectionsClosed),
  });
  registry.counter({
    name: "framewire_frames_received_total",
    help: "Frames received from clients.",
    collect: () => totals().framesIn,
  });
  registry.counter({
    name: "framewire_frames_sent_total",
    help: "Frames written to clients.",
    collect: () => totals().framesOut,
  });
  registry.counter({
    name: "framewire_bytes_received_total",
    help: "Bytes read from clients.",
    collect: () => totals().bytesIn,
  });
  registry.counter({
    name: "framewire_bytes_sent_total",
    help: "Bytes written to clients.",
    collect: () => totals().bytesOut,
  });
}
