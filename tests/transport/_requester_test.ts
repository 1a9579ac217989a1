// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  ConnectionClosedError,
  errorFrame,
  type Frame,
  FramedConn,
  type FramedConnOptions,
  FrameTooLargeError,
  RemoteError,
  RequestTimeoutError,
} from "../../mod.ts";
import { within } from "./_server_utils.ts";
import { HANG_BOUND_MS } from "../_utils.ts";

interface Pair extends Disposable {
  client: FramedConn<Deno.TcpConn>;
  server: FramedConn<Deno.TcpConn>;
}

async function pair(clientOptions: FramedConnOptions = {}): Promise<Pair> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [clientConn, serverConn] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  const client = new FramedConn(clientConn, clientOptions);
  const server = new FramedConn(serverConn);
  return {
    client,
    server,
    [Symbol.dispose]() {
      client.close();
      server.close();
    },
  };
}

const frame = (type: number, ...bytes: number[]): Frame => ({
  type,
  payload: new Uint8Array(bytes),
});

Deno.test("request matches replies to requests in order with 100 in flight", async () => {
  using conns = await pair();
  const replies = Array.from(
    { length: 100 },
    (_, i) => conns.client.request(frame(200, i)),
  );
  // The peer reads every request before answering any.
  const requests: Frame[] = [];
  while (requests.length < 100) requests.push((await conns.server.receive())!);
  await conns.server.sendMany(
    requests.map((request) => frame(201, request.payload[0] * 2 % 256)),
  );
  const answers = await Promise.all(replies);
  assert.deepEqual(
    answers.map((answer) => answer.payload[0]),
    Array.from({ length: 100 }, (_, i) => i * 2 % 256),
  );
});

Deno.test("request that times out keeps its place: its late reply is dropped and the next gets its own", async () => {
  using conns = await pair();
  const late = conns.client.request(frame(200, 1), { timeoutMs: 20 });
  await assert.rejects(late, (error) => {
    assert.ok(error instanceof RequestTimeoutError);
    assert.equal(error.timeoutMs, 20);
    return true;
  });
  const next = conns.client.request(frame(200, 2));
  await conns.server.receive();
  await conns.server.receive();
  await conns.server.sendMany([frame(201, 1), frame(201, 2)]);
  assert.deepEqual((await next).payload, new Uint8Array([2]));
});

Deno.test("request rejects with RemoteError when the reply is an Error frame", async () => {
  using conns = await pair();
  const reply = conns.client.request(frame(200));
  await conns.server.receive();
  await conns.server.send(errorFrame("BAD_REQUEST", "Cannot do it"));
  await assert.rejects(reply, (error) => {
    assert.ok(error instanceof RemoteError);
    assert.equal(error.remoteCode, "BAD_REQUEST");
    assert.equal(error.remoteMessage, "Cannot do it");
    return true;
  });
});

Deno.test("request refused before sending takes no place in the reply order", async () => {
  using conns = await pair({ maxSendFrameLength: 4 });
  const refused = conns.client.request(frame(200, 1, 2, 3, 4, 5));
  const next = conns.client.request(frame(200, 9));
  await assert.rejects(refused, FrameTooLargeError);
  assert.deepEqual(
    (await conns.server.receive())?.payload,
    new Uint8Array([9]),
  );
  await conns.server.send(frame(201, 9));
  assert.deepEqual((await next).payload, new Uint8Array([9]));
});

Deno.test("request rejects every pending request with ConnectionClosedError when the peer closes", async () => {
  using conns = await pair();
  const replies = [1, 2, 3].map((n) => conns.client.request(frame(200, n)));
  await conns.server.receive();
  conns.server.close();
  for (const reply of replies) {
    await within(
      HANG_BOUND_MS,
      assert.rejects(reply, ConnectionClosedError),
      "reject",
    );
  }
});

Deno.test("request rejects with the abort reason and refuses a bad timeoutMs", async () => {
  using conns = await pair();
  const controller = new AbortController();
  const reply = conns.client.request(frame(200), { signal: controller.signal });
  controller.abort(new Error("changed my mind"));
  await assert.rejects(reply, /changed my mind/);
  await assert.rejects(
    conns.client.request(frame(200), { timeoutMs: -1 }),
    RangeError,
  );
  // The aborted request still owns the next reply.
  const next = conns.client.request(frame(200, 5));
  await conns.server.receive();
  await conns.server.receive();
  await conns.server.sendMany([frame(201, 4), frame(201, 5)]);
  assert.deepEqual((await next).payload, new Uint8Array([5]));
});

Deno.test("receive gets pushed frames once no request is pending", async () => {
  using conns = await pair();
  const reply = conns.client.request(frame(200, 1));
  await conns.server.receive();
  await conns.server.sendMany([frame(201, 1), frame(150, 7)]);
  assert.deepEqual((await reply).payload, new Uint8Array([1]));
  const push = await within(HANG_BOUND_MS, conns.client.receive(), "push");
  assert.equal(push?.type, 150);
});

Deno.test("request refused before sending starts no read: receive gets the next frame", async () => {
  using conns = await pair({ maxSendFrameLength: 4 });
  await assert.rejects(
    conns.client.request(frame(200, 1, 2, 3, 4, 5)),
    FrameTooLargeError,
  );
  await conns.server.send(frame(150, 7));
  // Before the fix the refused request's read took this frame and dropped it.
  const push = await within(HANG_BOUND_MS, conns.client.receive(), "push");
  assert.equal(push?.type, 150);
});
