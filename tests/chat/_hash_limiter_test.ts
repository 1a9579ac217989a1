// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { HashLimiter } from "../../chat/_hash_limiter.ts";

Deno.test("HashLimiter runs at most maxRunning at once, queues up to maxQueued in order, refuses the rest", async () => {
  const limiter = new HashLimiter(2, 2);
  const order: string[] = [];
  const take = (name: string) => {
    const slot = limiter.acquire();
    if (slot === undefined) {
      order.push(`${name} refused`);
      return undefined;
    }
    return slot.then((release) => {
      order.push(name);
      return release;
    });
  };
  const a = take("a"), b = take("b"), c = take("c"), d = take("d");
  assert.equal(take("e"), undefined);
  assert.deepEqual(limiter.stats, {
    hashing: 2,
    queued: 2,
    peakHashing: 2,
    hashes: 2,
  });
  const releaseA = await a!;
  const releaseB = await b!;
  assert.deepEqual(order, ["e refused", "a", "b"]);
  releaseA();
  releaseA(); // A second call must not free a second slot.
  const releaseC = await c!;
  assert.deepEqual(limiter.stats.hashing, 2);
  assert.deepEqual(limiter.stats.queued, 1);
  releaseB();
  const releaseD = await d!;
  releaseC();
  releaseD();
  assert.deepEqual(order, ["e refused", "a", "b", "c", "d"]);
  assert.deepEqual(limiter.stats, {
    hashing: 0,
    queued: 0,
    peakHashing: 2,
    hashes: 4,
  });
});
