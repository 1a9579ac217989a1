// Copyright 2026 the framewire authors. MIT license.
// Buffers shared by every connection of the process. An idle connection
// should not pin a 64 KiB read buffer and a 64 KiB write batch (ten thousand
// idle clients would cost over a gigabyte): connections borrow the large
// buffers only while bytes flow and give them back after, so their number
// follows the busy connections, not the open ones.

// Most memory kept per size, and the fewest buffers: beyond both a returned
// buffer is left to the garbage collector. 32 x 64 KiB = 2 MiB for the
// default batch; 512 of the 4 KiB buffers of small writes, so that a
// thousand connections answering at once mostly reuse them.
const POOL_MAX_BYTES = 2 * 1024 * 1024;
const POOL_MIN_BUFFERS = 32;

const pools = new Map<number, Uint8Array[]>();

/**
 * A buffer of exactly `byteLength` bytes: a pooled one when there is one,
 * else a new one. Its contents are unspecified.
 */
export function borrowBuffer(byteLength: number): Uint8Array {
  return pools.get(byteLength)?.pop() ?? new Uint8Array(byteLength);
}

/**
 * Gives a buffer back for another connection. Only call it once nothing
 * refers to its bytes any more: no read or write in flight, no payload view.
 * Returns whether the pool kept it.
 */
export function returnBuffer(buffer: Uint8Array): boolean {
  // A whole buffer only: a view would hand out memory it shares.
  if (
    buffer.byteOffset !== 0 || buffer.byteLength !== buffer.buffer.byteLength
  ) {
    return false;
  }
  let pool = pools.get(buffer.length);
  if (pool === undefined) {
    pool = [];
    pools.set(buffer.length, pool);
  }
  if (
    pool.length < POOL_MIN_BUFFERS ||
    (pool.length + 1) * buffer.length <= POOL_MAX_BYTES
  ) {
    pool.push(buffer);
    return true;
  }
  return false;
}

/** Buffers pooled now, for tests. */
export function pooledBuffers(byteLength: number): number {
  return pools.get(byteLength)?.length ?? 0;
}
