// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { MessageRateLimiter } from "../../chat/_message_rate.ts";

Deno.test("MessageRateLimiter allows a burst, then one message per 1/rate seconds, and says how long to wait", () => {
  let now = 0;
  const limiter = new MessageRateLimiter({
    perSecond: 4,
    burst: 2,
    clock: () => now,
  });
  assert.deepEqual([limiter.take("a"), limiter.take("a")], [0, 0]);
  assert.equal(limiter.take("a"), 250);
  now += 100;
  assert.equal(limiter.take("a"), 150);
  now += 150;
  assert.equal(limiter.take("a"), 0);
  // Refills never go above the burst.
  now += 60_000;
  assert.deepEqual(
    [limiter.take("a"), limiter.take("a"), limiter.take("a")],
    [0, 0, 250],
  );
});

Deno.test("MessageRateLimiter forgets users whose bucket has refilled", () => {
  let now = 0;
  const limiter = new MessageRateLimiter({
    perSecond: 10,
    burst: 10,
    clock: () => now,
  });
  for (let i = 0; i < 1000; i++) limiter.take(`user${i}`);
  assert.equal(limiter.size, 1000);
  now += 1000;
  limiter.take("late");
  assert.equal(limiter.size, 1);
});

Deno.test("MessageRateLimiter with perSecond 0 never refuses", () => {
  const limiter = new MessageRateLimiter({
    perSecond: 0,
    burst: 1,
    clock: () => 0,
  });
  for (let i = 0; i < 100; i++) assert.equal(limiter.take("a"), 0);
  assert.equal(limiter.size, 0);
});
