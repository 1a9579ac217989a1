// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { type ChatBusEvent, InProcessChatBus } from "../../chat/mod.ts";
import { chatBusContract } from "./_chat_bus_contract.ts";

chatBusContract("InProcessChatBus", () => {
  const bus = new InProcessChatBus();
  return Promise.resolve({ nodes: [bus, bus], dispose: () => bus.close() });
});

const online = (user: string): ChatBusEvent => ({
  type: "presence",
  user,
  session: `${user}-1`,
  online: true,
});

Deno.test("InProcessChatBus delivers inside publish, before it resolves", async () => {
  const bus = new InProcessChatBus();
  const seen: string[] = [];
  await bus.subscribe((event) => {
    if (event.type === "presence") seen.push(event.user);
  });
  const published = bus.publish(online("alice"));
  assert.deepEqual(seen, ["alice"]);
  await published;
  await bus.close();
});

Deno.test("InProcessChatBus keeps delivering to the others when a listener throws", async () => {
  const bus = new InProcessChatBus();
  const seen: string[] = [];
  await bus.subscribe(() => {
    throw new Error("listener failed");
  });
  await bus.subscribe((event) => {
    if (event.type === "presence") seen.push(event.user);
  });
  await bus.publish(online("bob"));
  assert.deepEqual(seen, ["bob"]);
  await bus.close();
});

Deno.test("InProcessChatBus drops publishes after close and forgets presence", async () => {
  const bus = new InProcessChatBus();
  const seen: ChatBusEvent[] = [];
  await bus.subscribe((event) => seen.push(event));
  await bus.publish(online("carol"));
  await bus.close();
  assert.deepEqual(await bus.online(), []);
  await bus.publish(online("dave"));
  assert.equal(seen.length, 1);
  assert.deepEqual(await bus.online(), []);
});
