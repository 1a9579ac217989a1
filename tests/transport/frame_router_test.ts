// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { connect, FrameRouter, FrameType, serve } from "../../mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

Deno.test("FrameRouter gives every onClientType hook the ClientType frame, replies in registration order", async () => {
  const seen: string[] = [];
  const hook = (name: string) => (frame: { payload: Uint8Array }) => {
    seen.push(`${name}:${decoder.decode(frame.payload)}`);
    // Each protocol answers only the logins meant for it.
    return decoder.decode(frame.payload) === name
      ? { type: 130, payload: encoder.encode(`${name} ok`) }
      : undefined;
  };
  const router = new FrameRouter()
    .use({ name: "one", routes: {}, onClientType: hook("one") })
    .use({
      name: "two",
      routes: { 200: () => ({ type: 201, payload: new Uint8Array() }) },
      onClientType: hook("two"),
    });
  assert.deepEqual([...router.frameTypes].sort((a, b) => a - b), [3, 200]);
  await using server = serve({ port: 0, logger: null }, router);
  using client = await connect({ port: server.port! });
  for (const name of ["two", "one"]) {
    await client.send({
      type: FrameType.ClientType,
      payload: encoder.encode(name),
    });
  }
  const replies = [(await client.receive())!, (await client.receive())!];
  assert.deepEqual(replies.map((f) => decoder.decode(f.payload)), [
    "two ok",
    "one ok",
  ]);
  assert.deepEqual(seen, ["one:two", "two:two", "one:one", "two:one"]);
  // The server still records the declared type in its registry.
  assert.equal(server.connections()[0].clientType, "one");
});

Deno.test("FrameRouter without onClientType hooks leaves ClientType to the server alone", () => {
  const router = new FrameRouter().use({
    name: "plain",
    routes: { 200: () => undefined },
  });
  assert.deepEqual([...router.frameTypes], [200]);
});

Deno.test("FrameRouter forwards onServe to each protocol in registration order", () => {
  const seen: string[] = [];
  const limits = { maxFrameLength: 100, maxSendFrameLength: 200 };
  const router = new FrameRouter()
    .use({
      name: "one",
      routes: {},
      onServe: (got) => {
        assert.equal(got, limits);
        seen.push("one");
      },
    })
    .use({ name: "no hook", routes: {} })
    .use({
      name: "two",
      routes: {},
      onServe: (got) => {
        assert.equal(got, limits);
        seen.push("two");
      },
    });
  router.onServe(limits);
  assert.deepEqual(seen, ["one", "two"]);
});

Deno.test("FrameRouter.onServe passes a protocol's throw on and stops there", () => {
  const seen: string[] = [];
  const router = new FrameRouter()
    .use({
      name: "strict",
      routes: {},
      onServe: () => {
        throw new RangeError("Cannot serve chat: frame limit too small");
      },
    })
    .use({ name: "later", routes: {}, onServe: () => void seen.push("later") });
  assert.throws(
    () => router.onServe({ maxFrameLength: 10, maxSendFrameLength: 10 }),
    RangeError,
  );
  assert.deepEqual(seen, []);
});
