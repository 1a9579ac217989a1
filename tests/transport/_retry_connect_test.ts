// Copyright 2026 the framewire authors. MIT license.
// The retry loop of connect(), driven by fake dials so that a slow attempt,
// an abort during an attempt and an abort during the backoff are exact.
import assert from "node:assert/strict";
import { connect } from "../../mod.ts";
import {
  retryConnect,
  type RetryPolicy,
} from "../../transport/_retry_connect.ts";
import { within } from "./_server_utils.ts";

Deno.test.sanitizer({ ops: true, resources: true });

/** A stand-in connection that records whether it was closed. */
class FakeConn {
  closed = false;
  close(): void {
    this.closed = true;
  }
}

/** A dial whose attempts are settled by the test, one by one. */
function scriptedDial() {
  const attempts: PromiseWithResolvers<FakeConn>[] = [];
  const started: PromiseWithResolvers<void>[] = [
    Promise.withResolvers<void>(),
  ];
  const dial = (): Promise<FakeConn> => {
    const attempt = Promise.withResolvers<FakeConn>();
    attempts.push(attempt);
    started.at(-1)!.resolve();
    started.push(Promise.withResolvers<void>());
    return attempt.promise;
  };
  /** Resolves once attempt number `n` (1-based) has started. */
  const attemptStarted = (n: number) => started[n - 1].promise;
  return { dial, attempts, attemptStarted };
}

/** connect()'s defaults for `retry: true`, with `overrides`. */
function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    attempts: 10,
    initialDelayMs: 50,
    maxDelayMs: 2_000,
    totalTimeoutMs: 30_000,
    signal: undefined,
    ...overrides,
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("retryConnect rejects with TimedOut when one attempt outlasts totalTimeoutMs, and closes its late conn", async () => {
  const { dial, attempts } = scriptedDial();
  const connecting = retryConnect(
    dial,
    policy({ totalTimeoutMs: 20 }),
  );
  await assert.rejects(
    within(5000, connecting, "connect gives up"),
    (error: unknown) => {
      assert.ok(error instanceof Deno.errors.TimedOut);
      assert.match((error as Error).message, /totalTimeoutMs 20/);
      return true;
    },
  );
  assert.equal(attempts.length, 1);
  // Deno.connect cannot be aborted: the attempt that lost is closed on arrival.
  const late = new FakeConn();
  attempts[0].resolve(late);
  await flush();
  assert.equal(late.closed, true);
});

Deno.test("retryConnect rejects with the signal's reason when aborted during an attempt, and closes its late conn", async () => {
  const { dial, attempts, attemptStarted } = scriptedDial();
  const controller = new AbortController();
  const connecting = retryConnect(
    dial,
    policy({ signal: controller.signal }),
  );
  await attemptStarted(1);
  const reason = new Error("user gave up");
  controller.abort(reason);
  await assert.rejects(within(5000, connecting, "abort"), (error) => {
    assert.equal(error, reason);
    return true;
  });
  const late = new FakeConn();
  attempts[0].resolve(late);
  await flush();
  assert.equal(late.closed, true);
});

Deno.test("retryConnect rejects with the signal's reason when aborted during the backoff", async () => {
  const { dial, attempts, attemptStarted } = scriptedDial();
  const controller = new AbortController();
  const connecting = retryConnect(
    dial,
    policy({ initialDelayMs: 10_000, signal: controller.signal }),
  );
  await attemptStarted(1);
  attempts[0].reject(new Deno.errors.ConnectionRefused("refused"));
  await flush();
  const reason = new Error("stop");
  controller.abort(reason);
  await assert.rejects(within(5000, connecting, "abort"), (error) => {
    assert.equal(error, reason);
    return true;
  });
  assert.equal(attempts.length, 1);
});

Deno.test("retryConnect ignores an attempt that fails after it lost the race", async () => {
  const { dial, attempts, attemptStarted } = scriptedDial();
  const controller = new AbortController();
  const connecting = retryConnect(
    dial,
    policy({ signal: controller.signal }),
  );
  await attemptStarted(1);
  controller.abort(new Error("stop"));
  await assert.rejects(connecting, /stop/);
  // No unhandled rejection may escape (it would end the test run).
  attempts[0].reject(new Deno.errors.ConnectionRefused("late"));
  await flush();
});

Deno.test("retryConnect returns the conn of the first attempt that connects, after retryable failures", async () => {
  const { dial, attempts, attemptStarted } = scriptedDial();
  const connecting = retryConnect(
    dial,
    policy({ initialDelayMs: 1, totalTimeoutMs: 60_000 }),
  );
  await attemptStarted(1);
  attempts[0].reject(new Deno.errors.ConnectionRefused("refused"));
  await within(5000, attemptStarted(2), "second attempt");
  const conn = new FakeConn();
  attempts[1].resolve(conn);
  assert.equal(await connecting, conn);
  assert.equal(conn.closed, false);
});

Deno.test("retryConnect without a retry policy makes one attempt and throws its error", async () => {
  const { dial, attempts, attemptStarted } = scriptedDial();
  const connecting = retryConnect(
    dial,
    policy({ attempts: 1, totalTimeoutMs: Infinity }),
  );
  await attemptStarted(1);
  attempts[0].reject(new Deno.errors.ConnectionRefused("refused"));
  await assert.rejects(connecting, Deno.errors.ConnectionRefused);
  assert.equal(attempts.length, 1);
});

Deno.test("connect rejects at once when retry.signal is already aborted", async () => {
  const controller = new AbortController();
  controller.abort(new Error("already"));
  await assert.rejects(
    connect({ port: 1, retry: { signal: controller.signal } }),
    /already/,
  );
});

Deno.test("connect refuses bad retry options before dialing, naming the option", async () => {
  const cases: [unknown, ErrorConstructor, string][] = [
    [
      { attempts: 0 },
      RangeError,
      "Cannot use retry.attempts 0: expected an integer of at least 1",
    ],
    [{ attempts: 1.5 }, RangeError, "Cannot use retry.attempts 1.5"],
    [{ initialDelayMs: -1 }, RangeError, "Cannot use retry.initialDelayMs -1"],
    [
      { maxDelayMs: "5" },
      TypeError,
      'Cannot use retry.maxDelayMs "5": expected a number',
    ],
    [
      { totalTimeoutMs: NaN },
      RangeError,
      "Cannot use retry.totalTimeoutMs NaN",
    ],
    [
      { signal: 5 },
      TypeError,
      "Cannot use retry.signal 5: expected an AbortSignal",
    ],
    ["yes", TypeError, "Cannot retry: expected an options object"],
  ];
  for (const [retry, type, message] of cases) {
    await assert.rejects(
      // Port 1 is closed: only an option check can fail this fast.
      connect({ port: 1, retry: retry as true }),
      (error: unknown) => {
        assert.ok(error instanceof type, String(retry));
        assert.ok(
          (error as Error).message.startsWith(message),
          (error as Error).message,
        );
        return true;
      },
    );
  }
});
