// Copyright 2026 the framewire authors. MIT license.
// A FIFO queue with O(1) push and shift. `Array.prototype.shift` moves every
// remaining element, so draining n items costs O(n²); with a thousand
// pipelined requests that is a measurable stall on the hot path.

/** FIFO queue on an array with a moving head, compacted as it drains. */
export class Queue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  /** Number of queued items. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Adds an item at the tail. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** The item at the head, without removing it. */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  /** Removes and returns the item at the head. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    // Drop the reference so a consumed item can be collected.
    this.#items[this.#head++] = undefined;
    // Compact once the dead prefix outweighs the live part: each item is
    // moved at most once per compaction, so shifts stay O(1) amortised.
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    } else if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    }
    return item;
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const items = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return items;
  }
}
