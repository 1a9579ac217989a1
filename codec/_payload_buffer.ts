// Copyright 2026 the framewire authors. MIT license.
// Storage for one payload that arrives over several reads.
//
// A peer may declare a large (allowed) frame and then trickle bytes, so the
// memory a frame costs must follow the bytes received, not the length
// declared; yet the finished payload must be one contiguous buffer, and
// assembling it must stay linear. Two phases:
//
//  1. Until a sixteenth of the payload (at least 64 KiB) has arrived, bytes go
//     into blocks that start at 64 KiB and double with what arrived, up to
//     1 MiB each, so memory tracks what arrived (at most twice it + 64 KiB).
//  2. Then the exact payload buffer is allocated, the blocks are copied into
//     it once, and the rest lands there directly.
//
// So an unfinished frame never holds more than 64 KiB + 16x the bytes
// received, each byte is copied at most twice (only the first sixteenth is
// copied twice), and peak memory for a completed frame is about 1.07x its
// size. Resizable ArrayBuffers would avoid the copy, but reads into them
// measured three to four times slower than into plain buffers in Deno.

/**
 * Makes the payload's own buffer: `FrameDecoderOptions.allocatePayload`,
 * checked, or a plain allocation.
 */
export type AllocatePayload = (byteLength: number) => Uint8Array;

/** Payloads up to this size get their exact buffer at once. */
export const PREALLOCATE_MAX_BYTES = 64 * 1024;
const BLOCK_MAX_BYTES = 1024 * 1024;
const COMMIT_FRACTION = 16;

export class PayloadBuffer {
  /** Declared payload length. */
  readonly length: number;
  /** Bytes written so far. */
  filled = 0;
  // Phase 2: the exact buffer. Phase 1: undefined, bytes are in #blocks.
  #full: Uint8Array | undefined;
  #blocks: Uint8Array[] = [];
  #blockBytes = 0;
  #commitAt: number;

  #allocate: AllocatePayload;

  /**
   * @param length Declared payload length.
   * @param allocate Makes the exact buffer: at once for payloads up to
   * 64 KiB, at the commit point for larger ones.
   * @param reused A buffer of exactly `length` bytes the caller already holds
   * (see `FrameDecoderOptions.takeBuffer`): memory that is held anyway needs
   * no protection from a peer that declares much and sends little.
   */
  constructor(length: number, allocate: AllocatePayload, reused?: Uint8Array) {
    this.length = length;
    this.#allocate = allocate;
    this.#commitAt = Math.max(
      PREALLOCATE_MAX_BYTES,
      Math.ceil(length / COMMIT_FRACTION),
    );
    if (reused !== undefined) this.#full = reused;
    else if (length <= PREALLOCATE_MAX_BYTES) this.#full = allocate(length);
  }

  /** Bytes of memory currently held. */
  get capacity(): number {
    return this.#full?.length ?? this.#blockBytes;
  }

  /**
   * A writable view of 1 to `maxBytes` bytes at the fill position (never more
   * than is missing); fill it, then call `commit`.
   */
  window(maxBytes: number): Uint8Array {
    const missing = this.length - this.filled;
    const wanted = Math.min(maxBytes, missing);
    if (this.#full === undefined && this.filled >= this.#commitAt) {
      this.#allocateFull();
    }
    const full = this.#full;
    if (full !== undefined) {
      return full.subarray(this.filled, this.filled + wanted);
    }
    // Phase 1: the free tail of the last block, or a new block that ends
    // at the commit point at the latest.
    const free = this.#blockBytes - this.filled;
    if (free === 0) {
      const block = new Uint8Array(
        Math.min(
          // Blocks double with what arrived, so the first costs 64 KiB.
          Math.max(PREALLOCATE_MAX_BYTES, this.filled),
          BLOCK_MAX_BYTES,
          missing,
          this.#commitAt - this.filled,
        ),
      );
      this.#blocks.push(block);
      this.#blockBytes += block.length;
      return block.subarray(0, Math.min(wanted, block.length));
    }
    const block = this.#blocks[this.#blocks.length - 1];
    const used = block.length - free;
    return block.subarray(used, used + Math.min(wanted, free));
  }

  /** Records `count` bytes written into the last window. */
  commit(count: number): void {
    this.filled += count;
  }

  /** Appends bytes; the caller never passes more than is missing. */
  append(source: Uint8Array): void {
    let offset = 0;
    while (offset < source.length) {
      const target = this.window(source.length - offset);
      target.set(source.subarray(offset, offset + target.length));
      offset += target.length;
      this.filled += target.length;
    }
  }

  /** The completed payload. */
  finish(): Uint8Array {
    if (this.#full === undefined) this.#allocateFull();
    return this.#full!;
  }

  #allocateFull(): void {
    const full = this.#allocate(this.length);
    let offset = 0;
    for (const block of this.#blocks) {
      const take = Math.min(block.length, this.filled - offset);
      full.set(take === block.length ? block : block.subarray(0, take), offset);
      offset += take;
    }
    this.#blocks = [];
    this.#blockBytes = 0;
    this.#full = full;
  }
}
