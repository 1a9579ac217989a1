// Copyright 2026 the framewire authors. MIT license.
// Per-user message rate limit of the chat server: a token bucket per user
// name (not per connection, so reconnecting refills nothing), refilled at
// `messageRateLimit` tokens per second up to `messageBurst`. A refused send
// costs the server one parse and no store write; its answer says when the
// next one will be accepted.

/** Settings of a {@linkcode MessageRateLimiter}; the server validates them. */
export interface MessageRateOptions {
  /** Messages per second, sustained; 0 turns the limit off. */
  readonly perSecond: number;
  /** Messages a user may send at once after a quiet spell. */
  readonly burst: number;
  /** Milliseconds now. */
  readonly clock: () => number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * The buckets, one per user who sent lately. A bucket that has refilled is
 * the same as none, so `take` drops full ones as it goes and the map holds
 * at most the users who sent within the last `burst / perSecond` seconds
 * (never more than the accounts).
 */
export class MessageRateLimiter {
  readonly #options: MessageRateOptions;
  readonly #buckets = new Map<string, Bucket>();
  #sinceSweepMs = 0;

  constructor(options: MessageRateOptions) {
    this.#options = options;
  }

  /** Users with a bucket that is not full (for tests of the bound). */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Spends one message of `user`.
   *
   * @returns 0 if the message may be sent, else the ms until it may.
   */
  take(user: string): number {
    const { perSecond, burst, clock } = this.#options;
    if (perSecond === 0) return 0;
    const now = clock();
    this.#sweep(now);
    let bucket = this.#buckets.get(user);
    if (bucket === undefined) {
      bucket = { tokens: burst, updatedMs: now };
      this.#buckets.set(user, bucket);
    } else {
      this.#refill(bucket, now);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 1000) / perSecond));
  }

  #refill(bucket: Bucket, now: number): void {
    const elapsed = now - bucket.updatedMs;
    if (elapsed <= 0) return;
    bucket.tokens = Math.min(
      this.#options.burst,
      bucket.tokens + (elapsed * this.#options.perSecond) / 1000,
    );
    bucket.updatedMs = now;
  }

  // Full buckets are forgotten, at most once per refill time.
  #sweep(now: number): void {
    const { perSecond, burst } = this.#options;
    if (now - this.#sinceSweepMs < (burst * 1000) / perSecond) return;
    this.#sinceSweepMs = now;
    for (const [user, bucket] of this.#buckets) {
      this.#refill(bucket, now);
      if (bucket.tokens >= burst) this.#buckets.delete(user);
    }
  }
}
