// Copyright 2026 the framewire authors. MIT license.
// Helpers shared by the test files. Other suites import them: keep the
// signatures stable.

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

/** The chunks joined into one new buffer. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/**
 * `bytes` cut at the given offsets (ascending, duplicates allowed, which
 * yields empty pieces). Each piece is a copy with a buffer of its own, like
 * the result of a socket read.
 */
export function splitAt(
  bytes: Uint8Array,
  cuts: readonly number[],
): Uint8Array<ArrayBuffer>[] {
  const pieces: Uint8Array<ArrayBuffer>[] = [];
  let start = 0;
  for (const cut of cuts) {
    if (!Number.isInteger(cut) || cut < start || cut > bytes.length) {
      throw new RangeError(`Cannot cut at ${cut}: cuts must ascend in range`);
    }
    pieces.push(bytes.slice(start, cut));
    start = cut;
  }
  pieces.push(bytes.slice(start));
  return pieces;
}

/** `bytes` in copied pieces of `size` bytes (the last one may be shorter). */
export function chunksOf(
  bytes: Uint8Array,
  size: number,
): Uint8Array<ArrayBuffer>[] {
  const pieces: Uint8Array<ArrayBuffer>[] = [];
  for (let start = 0; start < bytes.length; start += size) {
    pieces.push(bytes.slice(start, start + size));
  }
  return pieces;
}

/**
 * Every way to cut a `length`-byte stream into `pieces` pieces, as the cut
 * offsets for {@linkcode splitAt}. Pieces may be empty (a zero-byte chunk is
 * a legal, if odd, input).
 */
export function* everyCut(
  length: number,
  pieces: number,
  from = 0,
): Generator<number[]> {
  if (pieces <= 1) {
    yield [];
    return;
  }
  for (let cut = from; cut <= length; cut++) {
    for (const rest of everyCut(length, pieces - 1, cut)) yield [cut, ...rest];
  }
}

/** Lower-case hex, one space between bytes: `"00 0a ff"`. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0"))
    .join(" ");
}

/** Bytes from hex, whitespace and `|` ignored: `"00 | 0a ff"`. */
export function fromHex(text: string): Uint8Array<ArrayBuffer> {
  const digits = text.replace(/[\s|]/g, "");
  if (digits.length % 2 !== 0 || /[^0-9a-f]/i.test(digits)) {
    throw new TypeError(`Cannot parse hex "${text}"`);
  }
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  }
  return bytes;
}

/** What a transform stream produced before it ended or errored. */
export interface TransformResult<O> {
  /** Every chunk read from the readable side, in order. */
  outputs: O[];
  /** The error the readable side ended with, if any. */
  error?: unknown;
  /** Whether the readable side errored. */
  errored: boolean;
}

/**
 * Writes `chunks` into `stream` (then closes it) while reading its readable
 * side to the end, and reports everything read plus the error, if any. Writes
 * are awaited too, so nothing is left pending for the sanitizers.
 */
export async function collectTransform<I, O>(
  stream: ReadableWritablePair<O, I>,
  chunks: Iterable<I>,
): Promise<TransformResult<O>> {
  const writer = stream.writable.getWriter();
  const writing = (async () => {
    for (const chunk of chunks) await writer.write(chunk);
    await writer.close();
  })().catch(() => {
    // The readable side reports the error; a failed write only stops input.
  });
  const reader = stream.readable.getReader();
  const outputs: O[] = [];
  const result: TransformResult<O> = { outputs, errored: false };
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      outputs.push(value);
    }
  } catch (error) {
    result.error = error;
    result.errored = true;
  }
  await writing;
  reader.releaseLock();
  return result;
}

/**
 * Runs `chunks` through `stream` and returns what came out; rejects with the
 * stream's error if it errored.
 */
export async function runTransform<I, O>(
  stream: ReadableWritablePair<O, I>,
  chunks: Iterable<I>,
): Promise<O[]> {
  const result = await collectTransform(stream, chunks);
  if (result.errored) throw result.error;
  return result.outputs;
}

/** Lets pending promise callbacks and stream steps run (a macrotask turn). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The bound of a wait that only catches hangs: generous enough for a loaded
 * 2-core CI machine, short enough that a hang fails the test with a message
 * naming what it waited for instead of stalling the run.
 */
export const HANG_BOUND_MS = 10_000;

/**
 * Resolves to `promise`'s value, or rejects after `ms`: bounds a test's
 * time, asserts nothing about speed.
 */
export async function within<T>(
  ms: number,
  promise: Promise<T>,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Deadline: ${what} took over ${ms} ms`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` every few ms until true, failing after `ms`. */
export async function until(
  condition: () => boolean,
  ms: number,
  what: string,
): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > ms) {
      throw new Error(`Deadline: ${what} not reached in ${ms} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * A deterministic random source in [0, 1) (mulberry32), so a failing
 * chunking or size sequence can be replayed from its seed.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
