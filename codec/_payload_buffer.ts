// Copyright 2026 the framewire authors. MIT license.
// Storage for one payload that arrives over several reads.
//
// A peer may declare a large (allowed) frame and then trickle bytes, so memory
// must follow the bytes received, not the length declared. Large payloads
// therefore live in a resizable ArrayBuffer: `maxByteLength` only reserves
// address space, and growing it neither copies nor touches pages, so
// assembling a frame is linear in its size and its footprint is what arrived.
// Where the engine refuses the reservation we fall back to doubling, which
// is still linear (each byte is copied O(1) times on average).

/** Payloads up to this size get their exact buffer at once. */
export const PREALLOCATE_MAX_BYTES = 64 * 1024;

export class PayloadBuffer {
  /** Declared payload length. */
  readonly length: number;
  /** Bytes written so far. */
  filled = 0;
  #buffer: ArrayBuffer;
  #resizable: boolean;

  constructor(length: number) {
    this.length = length;
    if (length <= PREALLOCATE_MAX_BYTES) {
      this.#buffer = new ArrayBuffer(length);
      this.#resizable = false;
      return;
    }
    try {
      this.#buffer = new ArrayBuffer(0, { maxByteLength: length });
      this.#resizable = true;
    } catch {
      this.#buffer = new ArrayBuffer(PREALLOCATE_MAX_BYTES);
      this.#resizable = false;
    }
  }

  /** Bytes of memory currently held. */
  get capacity(): number {
    return this.#buffer.byteLength;
  }

  /**
   * A writable view of up to `maxBytes` bytes at the fill position, growing
   * the storage so that it holds at least that much.
   */
  window(maxBytes: number): Uint8Array {
    const size = Math.min(maxBytes, this.length - this.filled);
    this.#ensure(this.filled + size);
    return new Uint8Array(this.#buffer, this.filled, size);
  }

  /** Appends bytes; the caller never passes more than the remaining length. */
  append(source: Uint8Array): void {
    const target = this.window(source.length);
    target.set(source);
    this.filled += source.length;
  }

  /** The completed payload. */
  finish(): Uint8Array {
    return new Uint8Array(this.#buffer, 0, this.length);
  }

  #ensure(size: number): void {
    const buffer = this.#buffer;
    if (size <= buffer.byteLength) return;
    if (this.#resizable) {
      buffer.resize(size);
      return;
    }
    const grown = new ArrayBuffer(
      Math.min(this.length, Math.max(size, buffer.byteLength * 2)),
    );
    new Uint8Array(grown).set(new Uint8Array(buffer, 0, this.filled));
    this.#buffer = grown;
  }
}
