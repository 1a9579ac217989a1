// Copyright 2026 the framewire authors. MIT license.
// Per-name login throttle of the chat server: failures are counted per user
// name, not per connection, so a guesser gains nothing by reconnecting.

/** Settings of a {@linkcode LoginThrottle}; the server validates them. */
export interface LoginThrottleOptions {
  /** Consecutive failures of a name after which it is locked. */
  readonly failures: number;
  /** The first lock, in ms; each further failure doubles it. */
  readonly baseMs: number;
  /** The longest lock, in ms. */
  readonly maxMs: number;
  /** Most names remembered; the least recently failed is forgotten first. */
  readonly maxNames: number;
  /** Milliseconds now. */
  readonly clock: () => number;
}

interface Entry {
  failures: number;
  untilMs: number;
}

/**
 * Consecutive login failures per name, and the lock they earn. A `Map`
 * keeps insertion order, so re-inserting on each failure makes it an LRU
 * list whose first key is the one to evict: memory stays bounded whatever
 * names a client makes up.
 */
export class LoginThrottle {
  #options: LoginThrottleOptions;
  #entries = new Map<string, Entry>();

  constructor(options: LoginThrottleOptions) {
    this.#options = options;
  }

  /** Names remembered now. */
  get size(): number {
    return this.#entries.size;
  }

  /** How long the name stays locked, in ms; 0 when a login may be tried. */
  retryAfterMs(name: string): number {
    const entry = this.#entries.get(name);
    if (entry === undefined) return 0;
    return Math.max(0, entry.untilMs - this.#options.clock());
  }

  /** Counts a failed login; from the threshold on, locks the name. */
  fail(name: string): void {
    const { failures, baseMs, maxMs, maxNames, clock } = this.#options;
    const entry = this.#entries.get(name) ?? { failures: 0, untilMs: 0 };
    this.#entries.delete(name);
    entry.failures++;
    if (entry.failures >= failures) {
      // Capping the exponent keeps 2 ** n finite for any failure count.
      const doublings = Math.min(entry.failures - failures, 52);
      entry.untilMs = clock() + Math.min(maxMs, baseMs * 2 ** doublings);
    }
    this.#entries.set(name, entry);
    if (this.#entries.size > maxNames) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }

  /**
   * Forgets a name's failures after a successful login.
   *
   * @returns Whether the name had failures.
   */
  succeed(name: string): boolean {
    return this.#entries.delete(name);
  }
}
