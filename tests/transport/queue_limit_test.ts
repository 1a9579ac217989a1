// Copyright 2026 the framewire authors. MIT license.
// Regression test: the empty send is the "wait until written" barrier; it
// was refused with SEND_QUEUE_FULL while one frame larger than
// maxQueuedBytes filled the queue. (Its server half is in server_test.ts;
// this FramedConn half belongs in framed_conn_test.ts.)
import assert from "node:assert/strict";
import { FramedConn, SendQueueFullError } from "../../mod.ts";

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
