// Copyright 2026 the framewire authors. MIT license.
// A pseudo-random payload and a digest of every byte of it, for the max-size
// rows: a receiver that checks only a length and a last byte would not see a
// frame assembled in the wrong order. The digest reads 32-bit words in four
// independent lanes, so it costs well under a copy.

/** `size` pseudo-random bytes (xorshift32) and their digest. */
export function randomPayload(size: number): {
  payload: Uint8Array<ArrayBuffer>;
  digest: number;
} {
  const payload = new Uint8Array(size);
  const words = new Uint32Array(payload.buffer, 0, size >>> 2);
  let x = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  for (let i = words.length * 4; i < size; i++) payload[i] = i;
  return { payload, digest: digest(payload) };
}

/** The running digest of consecutive blocks whose lengths are multiples of 4. */
export class Digest {
  #a = 1;
  #b = 2;
  #c = 3;
  #d = 4;
  #tail = 0;

  /** Adds a block; every block but the last must be a multiple of 4 long. */
  update(bytes: Uint8Array): void {
    const whole = bytes.length >>> 2;
    const aligned = bytes.byteOffset % 4 === 0;
    const words = aligned
      ? new Uint32Array(bytes.buffer, bytes.byteOffset, whole)
      : new Uint32Array(bytes.slice(0, whole * 4).buffer);
    let a = this.#a, b = this.#b, c = this.#c, d = this.#d;
    let i = 0;
    for (; i + 4 <= whole; i += 4) {
      a = Math.imul(a ^ words[i], 0x01000193);
      b = Math.imul(b ^ words[i + 1], 0x01000193);
      c = Math.imul(c ^ words[i + 2], 0x01000193);
      d = Math.imul(d ^ words[i + 3], 0x01000193);
    }
    for (; i < whole; i++) a = Math.imul(a ^ words[i], 0x01000193);
    for (let j = whole * 4; j < bytes.length; j++) {
      this.#tail = Math.imul(this.#tail ^ bytes[j], 0x01000193);
    }
    this.#a = a;
    this.#b = b;
    this.#c = c;
    this.#d = d;
  }

  /** The digest so far. */
  value(): number {
    return (this.#a ^ Math.imul(this.#b, 3) ^ Math.imul(this.#c, 5) ^
      Math.imul(this.#d, 7) ^ this.#tail) >>> 0;
  }
}

/** The digest of one buffer. */
export function digest(bytes: Uint8Array): number {
  const running = new Digest();
  running.update(bytes);
  return running.value();
}
