// Copyright 2026 the framewire authors. MIT license.
/**
 * Waits `ms`, or less if `signal` aborts (never rejects: the caller checks
 * the signal). For backoff loops that a close must cut short.
 *
 * @example
 * ```ts
 * import { sleep } from "./sleep.ts";
 * import assert from "node:assert/strict";
 *
 * const controller = new AbortController();
 * const waited = sleep(60_000, controller.signal);
 * controller.abort();
 * await waited;
 * assert.ok(controller.signal.aborted);
 * ```
 *
 * @param ms How long.
 * @param signal Ends the wait early.
 * @returns Resolves after `ms` or on abort.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
