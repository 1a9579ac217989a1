// Copyright 2026 the framewire authors. MIT license.
// The chat server's cap on password hashes running at once: each PBKDF2 of
// 210,000 iterations costs a core for about 0.1 s, so without a cap a burst
// of logins would take every core of the machine.

/** Counters of a {@linkcode HashLimiter}. */
export interface HashStats {
  /** Slots taken now. */
  hashing: number;
  /** Waiting for a slot now. */
  queued: number;
  /** Most slots ever taken at once. */
  peakHashing: number;
  /** Slots handed out since start. */
  hashes: number;
}

/** A counting semaphore with a bounded FIFO queue. */
export class HashLimiter {
  #maxRunning: number;
  #maxQueued: number;
  #running = 0;
  #queue: ((release: () => void) => void)[] = [];
  #peak = 0;
  #total = 0;

  constructor(maxRunning: number, maxQueued: number) {
    this.#maxRunning = maxRunning;
    this.#maxQueued = maxQueued;
  }

  /** The counters now. */
  get stats(): HashStats {
    return {
      hashing: this.#running,
      queued: this.#queue.length,
      peakHashing: this.#peak,
      hashes: this.#total,
    };
  }

  /**
   * Takes a slot: resolves to its release function once one is free, or
   * returns `undefined` at once when the queue is full.
   */
  acquire(): Promise<() => void> | undefined {
    if (this.#running < this.#maxRunning) {
      return Promise.resolve(this.#take());
    }
    if (this.#queue.length >= this.#maxQueued) return undefined;
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  #take(): () => void {
    this.#running++;
    this.#total++;
    this.#peak = Math.max(this.#peak, this.#running);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running--;
      const next = this.#queue.shift();
      if (next !== undefined) next(this.#take());
    };
  }
}
