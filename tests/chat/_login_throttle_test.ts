// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { LoginThrottle } from "../../chat/_login_throttle.ts";

function throttle(maxNames = 100) {
  const clock = { nowMs: 0 };
  const t = new LoginThrottle({
    failures: 3,
    baseMs: 100,
    maxMs: 350,
    maxNames,
    clock: () => clock.nowMs,
  });
  return { t, clock };
}

Deno.test("LoginThrottle locks a name after its threshold, doubling the wait up to the cap", () => {
  const { t, clock } = throttle();
  t.fail("a");
  t.fail("a");
  assert.equal(t.retryAfterMs("a"), 0);
  t.fail("a"); // 3rd: 100 ms
  assert.equal(t.retryAfterMs("a"), 100);
  clock.nowMs = 100;
  assert.equal(t.retryAfterMs("a"), 0);
  t.fail("a"); // 4th: 200 ms
  assert.equal(t.retryAfterMs("a"), 200);
  clock.nowMs = 300;
  t.fail("a"); // 5th: 400 ms, capped at 350
  assert.equal(t.retryAfterMs("a"), 350);
  clock.nowMs = 650;
  // Far past the cap the exponent must not overflow into Infinity or NaN.
  for (let i = 0; i < 2000; i++) t.fail("a");
  assert.equal(t.retryAfterMs("a"), 350);
  assert.equal(t.retryAfterMs("b"), 0);
  t.succeed("a");
  assert.equal(t.retryAfterMs("a"), 0);
  assert.equal(t.size, 0);
});

Deno.test("LoginThrottle keeps at most maxNames names, forgetting the least recently failed", () => {
  const { t } = throttle(2);
  for (const name of ["a", "a", "a", "b", "c"]) t.fail(name);
  assert.equal(t.size, 2);
  assert.equal(t.retryAfterMs("a"), 0); // Evicted: the oldest failure.
  t.fail("b");
  t.fail("d"); // Evicts c, not b, which failed more recently.
  t.fail("b"); // b's 3rd failure: it was kept.
  assert.equal(t.retryAfterMs("b"), 100);
  assert.equal(t.size, 2);
});
