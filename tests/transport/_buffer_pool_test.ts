// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  borrowBuffer,
  pooledBuffers,
  returnBuffer,
} from "../../transport/_buffer_pool.ts";
import { FramedConn } from "../../mod.ts";
import { ScriptedConn } from "./_utils.ts";

// Sizes no other test uses, so the shared pool starts empty for them.
const SIZE = 12_345;

Deno.test("borrowBuffer hands back a returned buffer, and only whole buffers are kept", () => {
  const first = borrowBuffer(SIZE);
  assert.equal(first.length, SIZE);
  assert.equal(pooledBuffers(SIZE), 0);
  returnBuffer(first);
  assert.equal(pooledBuffers(SIZE), 1);
  assert.equal(borrowBuffer(SIZE), first);
  assert.equal(pooledBuffers(SIZE), 0);
  // A view shares memory with something else: never pooled.
  returnBuffer(new Uint8Array(2 * SIZE).subarray(SIZE));
  returnBuffer(new Uint8Array(2 * SIZE).subarray(0, SIZE));
  assert.equal(pooledBuffers(SIZE), 0);
});

Deno.test("returnBuffer keeps at most 2 MiB of a size, and at least 32 buffers", () => {
  const large = 100_001; // 2 MiB hold 20 of them: the floor of 32 applies
  for (let i = 0; i < 40; i++) returnBuffer(new Uint8Array(large));
  assert.equal(pooledBuffers(large), 32);
  const small = 4097; // 2 MiB hold 511 of them
  for (let i = 0; i < 600; i++) returnBuffer(new Uint8Array(small));
  assert.equal(pooledBuffers(small), 511);
});

Deno.test("FramedConn holds the batch buffer only while it writes, and its writes are intact", async () => {
  const batchBytes = SIZE + 2;
  const fake = new ScriptedConn({ stallWrites: true });
  using conn = new FramedConn(fake, { batchBytes });
  const payload = new Uint8Array(5000).fill(7);
  const sent = conn.sendMany([{ type: 1, payload }, { type: 2, payload }]);
  await Promise.resolve();
  assert.equal(fake.stalledWrites, 1);
  assert.equal(fake.writeRequests[0], 10_010);
  assert.equal(pooledBuffers(batchBytes), 0);
  fake.releaseWrites();
  await sent;
  assert.equal(pooledBuffers(batchBytes), 1);
  // A small drain uses a small pooled buffer, not the batch, and writes
  // exactly its bytes.
  const small = conn.send({ type: 3, payload: new Uint8Array([1, 2]) });
  await Promise.resolve();
  assert.equal(fake.writeRequests[1], 7);
  assert.equal(pooledBuffers(batchBytes), 1);
  fake.releaseWrites();
  await small;
  const written = fake.written;
  assert.equal(written.length, 10_017);
  assert.deepEqual([...written.subarray(0, 5)], [1, 0, 0, 0x13, 0x88]);
  assert.deepEqual([...written.subarray(10_010)], [3, 0, 0, 0, 2, 1, 2]);
});
