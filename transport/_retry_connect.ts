// Copyright 2026 the framewire authors. MIT license.
// The retry loop of connect(), apart from the sockets so that tests can
// drive it with fake dials: backoff with jitter, bounded in attempts, in
// total time and by a signal, and each attempt bounded by what is left.

/**
 * A retry policy with every value given and checked (connect() resolves its
 * `retry` option into one).
 */
export interface RetryPolicy {
  /** Most attempts in total, the first one included; at least 1. */
  readonly attempts: number;
  /** Delay before the second attempt, in milliseconds. */
  readonly initialDelayMs: number;
  /** Longest delay between two attempts, in milliseconds. */
  readonly maxDelayMs: number;
  /** Give up this many milliseconds after the first attempt started. */
  readonly totalTimeoutMs: number;
  /** Stops retrying when aborted. */
  readonly signal: AbortSignal | undefined;
}

// Errors that mean "the server is not up (yet)"; anything else, such as a
// permission or certificate error, will not go away by waiting. A function,
// not a constant: this module is loaded in browsers too (chat's dialer),
// where there is no `Deno` to read at load time.
const isRetryable = (error: unknown) =>
  [
    Deno.errors.ConnectionRefused,
    Deno.errors.ConnectionReset,
    Deno.errors.ConnectionAborted,
    Deno.errors.NotFound,
    Deno.errors.TimedOut,
  ].some((type) => error instanceof type);

/**
 * Calls `dial` until it connects, per `retry`. Rejects with the signal's
 * reason once it aborts, and with `Deno.errors.TimedOut` once
 * `totalTimeoutMs` has passed, even in the middle of an attempt.
 */
export async function retryConnect<T extends { close(): void }>(
  dial: () => Promise<T>,
  retry: RetryPolicy,
): Promise<T> {
  const started = performance.now();
  let delay = retry.initialDelayMs;
  for (let attempt = 1;; attempt++) {
    retry.signal?.throwIfAborted();
    const remainingMs = retry.totalTimeoutMs - (performance.now() - started);
    let lost = false;
    try {
      return await raceAttempt(dial(), remainingMs, retry, () => lost = true);
    } catch (error) {
      if (lost) throw error;
      const retryable = isRetryable(error);
      const wait = delay * (1 - Math.random() / 2);
      const elapsed = performance.now() - started;
      if (
        !retryable || attempt >= retry.attempts ||
        elapsed + wait > retry.totalTimeoutMs
      ) {
        throw error;
      }
      await sleep(wait, retry.signal);
      delay = Math.min(delay * 2, retry.maxDelayMs);
    }
  }
}

/**
 * Settles like `attempt`, unless `remainingMs` pass or the signal aborts
 * first. `Deno.connect` cannot be aborted, so an attempt that loses is left
 * to finish and its connection, if any, is closed when it arrives.
 */
function raceAttempt<T extends { close(): void }>(
  attempt: Promise<T>,
  remainingMs: number,
  retry: RetryPolicy,
  onLost: () => void,
): Promise<T> {
  const signal = retry.signal;
  if (remainingMs === Infinity && signal === undefined) return attempt;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      return true;
    };
    const lose = (error: unknown) => {
      if (!settle()) return;
      onLost();
      reject(error);
      attempt.then((conn) => conn.close(), () => {});
    };
    const onAbort = () => lose(signal!.reason);
    const timer = Number.isFinite(remainingMs)
      ? setTimeout(
        () =>
          lose(
            new Deno.errors.TimedOut(
              `Cannot connect: no connection within totalTimeoutMs ${retry.totalTimeoutMs}`,
            ),
          ),
        Math.max(0, remainingMs),
      )
      : undefined;
    signal?.addEventListener("abort", onAbort, { once: true });
    attempt.then(
      (conn) => {
        if (settle()) resolve(conn);
      },
      (error) => {
        if (settle()) reject(error);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
