// Copyright 2026 the framewire authors. MIT license.
// Per-host limits on new connections: how many one remote host may hold at
// once, and how fast it may open them (a token bucket). Both are off by
// default: many real clients share one address behind a NAT or a load
// balancer, and the default listener is loopback, where every client is
// 127.0.0.1. A server that faces the internet directly turns them on.
//
// A public server sees many addresses, so both tables are bounded: a count
// exists only while its host has a connection (at most one entry per
// connection), and a bucket only until it has filled up again (a full
// bucket is the same as none); past MAX_BUCKETS the oldest bucket is
// dropped, which forgives that host, never punishes another.
import { ErrorCode, type ErrorCodeValue } from "./protocol_errors.ts";

/** The per-host limits; `Infinity` turns each off. */
export interface HostLimitOptions {
  /** Most connections one host may hold at once. */
  readonly maxConnectionsPerHost: number;
  /** New connections one host may open per second, sustained. */
  readonly maxConnectionsPerHostPerSecond: number;
}

/** Why a host is refused. */
export interface HostRefusal {
  readonly code: ErrorCodeValue;
  readonly message: string;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Most hosts with a rate bucket at once (about 100 bytes each). */
export const MAX_BUCKETS = 65_536;

/** The per-host tables of one server. */
export class HostLimits {
  readonly #options: HostLimitOptions;
  readonly #counts = new Map<string, number>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #burst: number;

  constructor(options: HostLimitOptions) {
    this.#options = options;
    // One second's worth at once, and at least one connection.
    this.#burst = Math.max(1, options.maxConnectionsPerHostPerSecond);
  }

  /** Whether any limit is on: without one, nothing is tracked. */
  get enabled(): boolean {
    return this.#options.maxConnectionsPerHost !== Infinity ||
      this.#options.maxConnectionsPerHostPerSecond !== Infinity;
  }

  /** Hosts tracked now, counts and buckets (for tests and metrics). */
  get size(): { counts: number; buckets: number } {
    return { counts: this.#counts.size, buckets: this.#buckets.size };
  }

  /**
   * Admits a new connection from `host` (and counts it), or says why not.
   * A refused attempt spends no token: a host over its rate stays refused
   * only until its bucket refills.
   */
  admit(host: string | undefined, now: number): HostRefusal | undefined {
    if (host === undefined || !this.enabled) return undefined;
    const { maxConnectionsPerHost, maxConnectionsPerHostPerSecond: rate } =
      this.#options;
    const count = this.#counts.get(host) ?? 0;
    if (count >= maxConnectionsPerHost) {
      return {
        code: ErrorCode.HostLimit,
        message:
          `Cannot accept: ${count} connections from this host already (maxConnectionsPerHost ${maxConnectionsPerHost})`,
      };
    }
    if (rate !== Infinity) {
      const bucket = this.#refill(host, now);
      if (bucket.tokens < 1) {
        const retryMs = Math.ceil((1 - bucket.tokens) / rate * 1000);
        return {
          code: ErrorCode.ConnectionRateLimited,
          message:
            `Cannot accept: more than ${rate} new connections per second from this host; retry in ${retryMs} ms`,
        };
      }
      bucket.tokens -= 1;
    }
    this.#counts.set(host, count + 1);
    return undefined;
  }

  /** A connection admitted by {@linkcode HostLimits.admit} has closed. */
  release(host: string | undefined): void {
    if (host === undefined || !this.enabled) return;
    const count = this.#counts.get(host);
    if (count === undefined) return;
    if (count <= 1) this.#counts.delete(host);
    else this.#counts.set(host, count - 1);
  }

  /** Drops the buckets that have filled up again (the server's sweep). */
  prune(now: number): void {
    const rate = this.#options.maxConnectionsPerHostPerSecond;
    for (const [host, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) / 1000 * rate >= this.#burst) {
        this.#buckets.delete(host);
      }
    }
  }

  #refill(host: string, now: number): Bucket {
    const rate = this.#options.maxConnectionsPerHostPerSecond;
    let bucket = this.#buckets.get(host);
    if (bucket === undefined) {
      if (this.#buckets.size >= MAX_BUCKETS) {
        // Map order is insertion order: the first key is the oldest.
        this.#buckets.delete(this.#buckets.keys().next().value!);
      }
      bucket = { tokens: this.#burst, at: now };
      this.#buckets.set(host, bucket);
      return bucket;
    }
    bucket.tokens = Math.min(
      this.#burst,
      bucket.tokens + (now - bucket.at) / 1000 * rate,
    );
    bucket.at = now;
    return bucket;
  }
}

/**
 * The key per-host limits count under: the IPv4 address, or the /64 prefix
 * of an IPv6 address (one subscriber usually gets a whole /64, so counting
 * single IPv6 addresses would let one host look like millions). `undefined`
 * for a Unix socket, where every peer is local and no limit applies.
 */
export function hostKey(addr: Deno.Addr): string | undefined {
  if (addr.transport !== "tcp" && addr.transport !== "udp") return undefined;
  const hostname = addr.hostname;
  if (!hostname.includes(":")) return hostname;
  const groups = expandIpv6(hostname);
  if (groups === undefined) return hostname;
  // An IPv4-mapped address (::ffff:a.b.c.d) is that IPv4 host.
  if (
    groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff
  ) {
    return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255]
      .join(".");
  }
  return `${
    groups.slice(0, 4).map((group) => group.toString(16)).join(":")
  }::/64`;
}

/** The eight 16-bit groups of an IPv6 address, or `undefined` if malformed. */
function expandIpv6(text: string): number[] | undefined {
  let address = text;
  const zone = address.indexOf("%");
  if (zone !== -1) address = address.slice(0, zone);
  // A trailing dotted IPv4 part stands for the last two groups.
  const dotted = address.match(/^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(2).map(Number);
    address = `${dotted[1]}${((a << 8) | b).toString(16)}:${
      ((c << 8) | d).toString(16)
    }`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").map((group) => parseInt(group, 16));
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...new Array(missing).fill(0), ...tail];
  if (groups.some((group) => !(group >= 0 && group <= 0xffff))) {
    return undefined;
  }
  return groups;
}
