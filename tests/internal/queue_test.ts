// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { Queue } from "../../internal/queue.ts";

Deno.test("Queue hands items out first in, first out", () => {
  const queue = new Queue<number>();
  assert.equal(queue.shift(), undefined);
  for (let i = 0; i < 5; i++) queue.push(i);
  assert.equal(queue.length, 5);
  assert.equal(queue.peek(), 0);
  assert.deepEqual([queue.shift(), queue.shift()], [0, 1]);
  queue.push(5);
  assert.deepEqual(queue.drain(), [2, 3, 4, 5]);
  assert.equal(queue.length, 0);
  assert.equal(queue.peek(), undefined);
});

Deno.test("Queue keeps its order across compactions while it is drained and refilled", () => {
  // Past 1024 consumed items the dead prefix is dropped: interleave pushes
  // and shifts so that compaction happens with live items on both sides.
  const queue = new Queue<number>();
  let next = 0;
  let expected = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 300; i++) queue.push(next++);
    for (let i = 0; i < 250; i++) assert.equal(queue.shift(), expected++);
    assert.equal(queue.length, next - expected);
  }
  while (queue.length > 0) assert.equal(queue.shift(), expected++);
  assert.equal(expected, next);
  assert.equal(queue.shift(), undefined);
});
