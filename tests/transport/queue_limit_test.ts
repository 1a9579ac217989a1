// Copyright 2026 the framewire authors. MIT license.
// Regression tests: the empty send is the "wait until written" barrier; it
// was refused with SEND_QUEUE_FULL while one frame larger than
// maxQueuedBytes filled the queue, and the server then dropped pipelined
// replies silently.
import assert from "node:assert/strict";
import { connect, FramedConn, SendQueueFullError, serve } from "../../mod.ts";

Deno.test("FramedConn accepts an empty send (a flush barrier) even when one oversized frame fills the queue", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using a = new FramedConn(await Deno.connect({ port: listener.addr.port }), {
    maxQueuedBytes: 16,
  });
  using b = new FramedConn(await listener.accept());
  const big = { type: 200, payload: new Uint8Array(64 * 1024) };
  const first = a.send(big); // into an empty queue: always accepted
  const barrier = a.sendMany([]);
  const refused = a.send(big); // a real frame over the limit is still refused
  await assert.rejects(refused, SendQueueFullError);
  await Promise.all([first, barrier]);
  assert.equal(a.queuedBytes, 0);
  assert.equal((await b.receive())?.payload.length, 64 * 1024);
});

Deno.test("serve delivers every pipelined reply in order when replies are larger than maxQueuedBytes", async () => {
  await using server = serve({ port: 0, logger: null, maxQueuedBytes: 1024 }, {
    frameTypes: [200],
    onFrame: (frame) => ({
      type: 201,
      payload: new Uint8Array(64 * 1024).fill(frame.payload[0]),
    }),
  });
  using client = await connect({ port: server.port! });
  const replies = await Promise.all(
    [1, 2, 3, 4, 5].map((n) =>
      client.request({ type: 200, payload: new Uint8Array([n]) }, {
        timeoutMs: 10_000,
      })
    ),
  );
  assert.deepEqual(replies.map((reply) => reply.payload[0]), [1, 2, 3, 4, 5]);
  assert.ok(replies.every((reply) => reply.payload.length === 64 * 1024));
});
