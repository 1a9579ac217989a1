// Copyright 2026 the framewire authors. MIT license.
// A server's totals (ServerTotals) at the least cost on the hot path: each
// connection already counts its own frames and bytes, so a connection's
// counts move into the totals once, when it closes, and reading the totals
// adds the open connections' counts. Nothing here runs per frame.
import type { FramedConnStats } from "./framed_conn.ts";
import { ErrorCode } from "./protocol_errors.ts";
import type { ServerTotals } from "./server_metrics.ts";

/** A connection as the counters see it. */
interface Counted {
  readonly stats: Readonly<FramedConnStats>;
  readonly closeReason: string | undefined;
}

/** The counters of one server. */
export class ServerCounters {
  accepted = 0;
  evicted = 0;
  // Every refusal code is listed from the start: a counter that appears
  // only after its first event makes Prometheus' rate() miss that event.
  #refused: Record<string, number> = {
    [ErrorCode.ServerFull]: 0,
    [ErrorCode.HostLimit]: 0,
    [ErrorCode.ConnectionRateLimited]: 0,
  };
  #closed: Record<string, number> = {};
  // Frames and bytes of the connections that have closed.
  #traffic: Traffic = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0 };

  refused(code: string): void {
    this.#refused[code] = (this.#refused[code] ?? 0) + 1;
  }

  /** A served connection has closed: its final counts join the totals. */
  closed(conn: Counted): void {
    addTraffic(this.#traffic, conn.stats);
    const reason = conn.closeReason ?? "CLOSED";
    this.#closed[reason] = (this.#closed[reason] ?? 0) + 1;
  }

  /** The totals, with the open connections' counts added. */
  totals(open: Iterable<Counted>, openCount: number): ServerTotals {
    const traffic = { ...this.#traffic };
    for (const conn of open) addTraffic(traffic, conn.stats);
    return {
      connectionsOpen: openCount,
      connectionsAccepted: this.accepted,
      connectionsRefused: { ...this.#refused },
      connectionsEvicted: this.evicted,
      connectionsClosed: { ...this.#closed },
      ...traffic,
    };
  }
}

/** Frames and bytes, in and out. */
interface Traffic {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
}

function addTraffic(into: Traffic, stats: Readonly<FramedConnStats>): void {
  into.framesIn += stats.framesReceived;
  into.framesOut += stats.framesSent;
  into.bytesIn += stats.bytesReceived;
  into.bytesOut += stats.bytesSent;
}
