// Copyright 2026 the framewire authors. MIT license.
// Rate limits for the warnings one peer can cause. Every `warn` event that
// names a connection or a peer address spends a token from that
// connection's bucket and from its host's bucket; with either one empty the
// event is counted instead of logged. The count is reported in one
// `log_suppressed` line: before the next event of that connection or host
// that gets through (or any `info`/`error` event about it, such as the
// server's `connection_closed`), or by the sweep that runs with the first
// event logged after each window. No timer: an idle process is not kept
// alive, and nothing is left running when a server stops.
//
// Both tables are bounded: a key whose bucket has refilled and that has
// nothing to report is dropped by the sweep, and beyond `maxKeys` the least
// recently used key is reported (if it has a count) and forgotten.

// The shape of log.ts's LogEvent, repeated so that this file imports
// nothing from log.ts (which imports it): no cycle, even a type-only one.
interface LogEvent {
  readonly level: "info" | "warn" | "error";
  readonly event: string;
  readonly message: string;
  readonly code?: string;
  readonly connectionId?: number;
  readonly remoteAddress?: string;
}
type Logger = (event: LogEvent) => void;

/** The limits of {@linkcode LogLimiter}. */
export interface LogLimits {
  /** `warn` lines per connection per window. */
  readonly perConnection: number;
  /** `warn` lines per host (the address without its port) per window. */
  readonly perHost: number;
  /** The window, in ms: a bucket refills completely in this time. */
  readonly windowMs: number;
  /** Most connections and most hosts remembered (each table). */
  readonly maxKeys: number;
  /** Monotonic milliseconds. */
  readonly clock: () => number;
}

/** The defaults, as documented in docs/PROTOCOL.md (logging). */
export const LOG_LIMITS: LogLimits = {
  perConnection: 10,
  perHost: 50,
  windowMs: 10_000,
  maxKeys: 4096,
  clock: () => performance.now(),
};

/** The event of the line that reports suppressed warnings. */
export const SUPPRESSED_EVENT = "log_suppressed";

interface Bucket {
  tokens: number;
  updatedMs: number;
  suppressed: number;
  /** When the first uncounted suppression happened. */
  sinceMs: number;
  /** For the report line of a host bucket, or a connection's address. */
  remoteAddress: string | undefined;
}

class BucketTable {
  readonly #capacity: number;
  readonly #maxKeys: number;
  readonly #windowMs: number;
  readonly #buckets = new Map<string | number, Bucket>();

  constructor(capacity: number, windowMs: number, maxKeys: number) {
    this.#capacity = capacity;
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** The key's bucket, refilled to `now`, and moved to the recent end. */
  get(
    key: string | number,
    now: number,
    remoteAddress: string | undefined,
    evicted: (key: string | number, bucket: Bucket) => void,
  ): Bucket {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = {
        tokens: this.#capacity,
        updatedMs: now,
        suppressed: 0,
        sinceMs: now,
        remoteAddress,
      };
      if (this.#buckets.size >= this.#maxKeys) {
        const [oldKey, old] = this.#buckets.entries().next().value!;
        this.#buckets.delete(oldKey);
        evicted(oldKey, old);
      }
    } else {
      this.#refill(bucket, now);
      this.#buckets.delete(key);
    }
    this.#buckets.set(key, bucket);
    return bucket;
  }

  peek(key: string | number): Bucket | undefined {
    return this.#buckets.get(key);
  }

  delete(key: string | number): void {
    this.#buckets.delete(key);
  }

  /** Drops full buckets with nothing to report; hands over the counts. */
  sweep(now: number, report: (key: string | number, bucket: Bucket) => void) {
    for (const [key, bucket] of this.#buckets) {
      this.#refill(bucket, now);
      if (bucket.suppressed > 0) report(key, bucket);
      else if (bucket.tokens >= this.#capacity) this.#buckets.delete(key);
    }
  }

  #refill(bucket: Bucket, now: number): void {
    const elapsed = now - bucket.updatedMs;
    if (elapsed <= 0) return;
    bucket.tokens = Math.min(
      this.#capacity,
      bucket.tokens + (elapsed * this.#capacity) / this.#windowMs,
    );
    bucket.updatedMs = now;
  }
}

/** The host part of a formatted peer address: `[::1]:5` → `[::1]`. */
export function hostOf(remoteAddress: string): string {
  const colon = remoteAddress.lastIndexOf(":");
  if (colon <= 0) return remoteAddress;
  // "[v6]:port" or "v4:port"; a bare IPv6 address has no port to cut.
  if (remoteAddress.startsWith("[")) {
    const end = remoteAddress.indexOf("]");
    return end === -1 ? remoteAddress : remoteAddress.slice(0, end + 1);
  }
  return remoteAddress.indexOf(":") === colon
    ? remoteAddress.slice(0, colon)
    : remoteAddress;
}

/**
 * Wraps a logger: `warn` events about a peer are limited per connection and
 * per host; everything else passes through as given.
 */
export class LogLimiter {
  readonly #next: Logger;
  readonly #limits: LogLimits;
  readonly #connections: BucketTable;
  readonly #hosts: BucketTable;
  #lastSweepMs: number;

  constructor(next: Logger, limits: LogLimits = LOG_LIMITS) {
    this.#next = next;
    this.#limits = limits;
    this.#connections = new BucketTable(
      limits.perConnection,
      limits.windowMs,
      limits.maxKeys,
    );
    this.#hosts = new BucketTable(
      limits.perHost,
      limits.windowMs,
      limits.maxKeys,
    );
    this.#lastSweepMs = limits.clock();
  }

  /** Connections and hosts remembered now (for tests of the bound). */
  get keys(): { connections: number; hosts: number } {
    return { connections: this.#connections.size, hosts: this.#hosts.size };
  }

  /** Logs or counts one event. */
  log(event: LogEvent): void {
    const now = this.#limits.clock();
    if (now - this.#lastSweepMs >= this.#limits.windowMs) this.#sweep(now);
    const { connectionId, remoteAddress } = event;
    if (
      event.event === SUPPRESSED_EVENT ||
      (connectionId === undefined && remoteAddress === undefined)
    ) {
      this.#next(event);
      return;
    }
    const host = remoteAddress === undefined
      ? undefined
      : hostOf(remoteAddress);
    if (event.level !== "warn") {
      // Not limited; but a count waiting for this peer goes first, and the
      // end of a connection ends its bucket.
      this.#flushConnection(connectionId, now);
      this.#flushHost(host, now);
      if (
        event.event === "connection_closed" && connectionId !== undefined
      ) {
        this.#connections.delete(connectionId);
      }
      this.#next(event);
      return;
    }
    const evicted = (key: string | number, bucket: Bucket) => {
      if (bucket.suppressed > 0) {
        this.#report(key, bucket, typeof key === "number", now);
      }
    };
    const conn = connectionId === undefined
      ? undefined
      : this.#connections.get(connectionId, now, remoteAddress, evicted);
    const hostBucket = host === undefined
      ? undefined
      : this.#hosts.get(host, now, host, evicted);
    if (conn !== undefined && conn.tokens < 1) {
      if (conn.suppressed++ === 0) conn.sinceMs = now;
      return;
    }
    if (hostBucket !== undefined && hostBucket.tokens < 1) {
      if (hostBucket.suppressed++ === 0) hostBucket.sinceMs = now;
      return;
    }
    if (conn !== undefined) {
      conn.tokens -= 1;
      if (conn.suppressed > 0) this.#report(connectionId!, conn, true, now);
    }
    if (hostBucket !== undefined) {
      hostBucket.tokens -= 1;
      if (hostBucket.suppressed > 0) {
        this.#report(host!, hostBucket, false, now);
      }
    }
    this.#next(event);
  }

  #flushConnection(connectionId: number | undefined, now: number): void {
    if (connectionId === undefined) return;
    const bucket = this.#connections.peek(connectionId);
    if (bucket !== undefined && bucket.suppressed > 0) {
      this.#report(connectionId, bucket, true, now);
    }
  }

  #flushHost(host: string | undefined, now: number): void {
    if (host === undefined) return;
    const bucket = this.#hosts.peek(host);
    if (bucket !== undefined && bucket.suppressed > 0) {
      this.#report(host, bucket, false, now);
    }
  }

  #sweep(now: number): void {
    this.#lastSweepMs = now;
    this.#connections.sweep(
      now,
      (key, bucket) => this.#report(key, bucket, true, now),
    );
    this.#hosts.sweep(
      now,
      (key, bucket) => this.#report(key, bucket, false, now),
    );
  }

  #report(
    key: string | number,
    bucket: Bucket,
    isConnection: boolean,
    now: number,
  ): void {
    const count = bucket.suppressed;
    bucket.suppressed = 0;
    const seconds = Math.max(0, Math.round((now - bucket.sinceMs) / 1000));
    const { perConnection, perHost, windowMs } = this.#limits;
    const limit = isConnection
      ? `${perConnection} per ${windowMs} ms per connection`
      : `${perHost} per ${windowMs} ms per host`;
    this.#next({
      level: "warn",
      event: SUPPRESSED_EVENT,
      message: `Suppressed ${count} warning${count === 1 ? "" : "s"} from ${
        isConnection ? "this connection" : `host ${bucket.remoteAddress}`
      } in ${seconds} s (limit ${limit})`,
      connectionId: isConnection ? key as number : undefined,
      remoteAddress: bucket.remoteAddress,
    });
  }
}
