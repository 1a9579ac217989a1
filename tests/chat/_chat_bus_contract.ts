// Copyright 2026 the framewire authors. MIT license.
// What every ChatBus must do, as Deno tests registered for one
// implementation: `chatBusContract("InProcessChatBus", open)`. A fixture
// gives two handles on one bus, as two nodes of a cluster would hold them:
// the same object for the in-process bus, two connections for a networked
// one (NATS). Delivery across handles may be asynchronous, so the tests
// wait for it (bounded) instead of expecting it inside `publish`.
import assert from "node:assert/strict";
import type {
  ChatBus,
  ChatBusEvent,
  ChatLoginEvent,
  ChatMessageEvent,
  ChatPresenceEvent,
} from "../../chat/mod.ts";
import { until } from "../_utils.ts";

/** Two handles on one fresh bus, and how to close them after a test. */
export interface ChatBusFixture {
  readonly nodes: readonly [ChatBus, ChatBus];
  /** Closes both handles. */
  dispose(): Promise<void>;
}

const DELIVERY_MS = 5_000;

function message(chatId: number, seq: number): ChatMessageEvent {
  return {
    type: "message",
    chat: { id: chatId, kind: "room", name: `room${chatId}` },
    message: {
      mid: chatId * 1000 + seq,
      chatId,
      seq,
      sender: "alice",
      clientId: `c${chatId}-${seq}`,
      text: `text ${seq}`,
      sentAtMs: 1_700_000_000_000 + seq,
      duplicate: false,
    },
    members: ["alice", "bob"],
  };
}

function presence(
  user: string,
  session: string,
  online: boolean,
): ChatPresenceEvent {
  return { type: "presence", user, session, online };
}

/** Registers the contract tests of `name`, each on a bus from `open`. */
export function chatBusContract(
  name: string,
  open: () => Promise<ChatBusFixture>,
): void {
  const test = (
    what: string,
    fn: (nodes: readonly [ChatBus, ChatBus]) => Promise<void>,
  ) =>
    Deno.test(`${name} ${what}`, async () => {
      const fixture = await open();
      try {
        await fn(fixture.nodes);
      } finally {
        await fixture.dispose();
      }
    });

  test("delivers a published event once to every listener on every node", async ([a, b]) => {
    const onA: ChatBusEvent[] = [];
    const onB: ChatBusEvent[] = [];
    const subA = await a.subscribe((event) => onA.push(event));
    const subB = await b.subscribe((event) => onB.push(event));
    const event = message(1, 1);
    await a.publish(event);
    await until(
      () => onA.length >= 1 && onB.length >= 1,
      DELIVERY_MS,
      "delivery to both nodes",
    );
    // Give a duplicate the chance to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(onA, [event]);
    assert.deepEqual(onB, [event]);
    await subA.unsubscribe();
    await subB.unsubscribe();
  });

  /**
   * Publishes `event` on node a; both nodes' listeners get it, once, the
   * publishing one included.
   */
  const deliveredToBoth = async (
    [a, b]: readonly [ChatBus, ChatBus],
    event: ChatBusEvent,
  ) => {
    const onA: ChatBusEvent[] = [];
    const onB: ChatBusEvent[] = [];
    const subA = await a.subscribe((event) => onA.push(event));
    const subB = await b.subscribe((event) => onB.push(event));
    await a.publish(event);
    await until(
      () => onA.length >= 1 && onB.length >= 1,
      DELIVERY_MS,
      "delivery to both nodes",
    );
    assert.deepEqual(onA, [event]);
    assert.deepEqual(onB, [event]);
    await subA.unsubscribe();
    await subB.unsubscribe();
  };

  test("delivers a login event to every node, the publishing one included", async (nodes) => {
    const event: ChatLoginEvent = {
      type: "login",
      user: "alice",
      failed: true,
      node: "node-a",
    };
    await deliveredToBoth(nodes, event);
  });

  test("delivers a revoke event to every node, the publishing one included", async (nodes) => {
    await deliveredToBoth(nodes, { type: "revoke", user: "alice" });
  });

  test("keeps the publish order of one chat's messages", async ([a, b]) => {
    const seen: number[] = [];
    const sub = await b.subscribe((event) => {
      if (event.type === "message" && event.chat.id === 7) {
        seen.push(event.message.seq);
      }
    });
    const expected = Array.from({ length: 200 }, (_, i) => i + 1);
    // Not awaited one by one: a server publishes as commits complete.
    await Promise.all(expected.map((seq) => a.publish(message(7, seq))));
    await until(() => seen.length >= 200, DELIVERY_MS, "200 messages");
    assert.deepEqual(seen, expected);
    await sub.unsubscribe();
  });

  test("answers online() from the presence of every node, per user over sessions", async ([a, b]) => {
    assert.deepEqual(await a.online(), []);
    await a.publish(presence("carol", "s1", true));
    await b.publish(presence("bob", "s2", true));
    await b.publish(presence("carol", "s3", true));
    const both = async () =>
      JSON.stringify([await a.online(), await b.online()]);
    const want = JSON.stringify([["bob", "carol"], ["bob", "carol"]]);
    await waitFor(async () => await both() === want, "bob and carol online");
    // One of carol's two sessions ends: she is still online.
    await a.publish(presence("carol", "s1", false));
    await b.publish(presence("bob", "s2", false));
    const carolOnly = JSON.stringify([["carol"], ["carol"]]);
    await waitFor(async () => await both() === carolOnly, "only carol online");
    await a.publish(presence("carol", "s3", false));
    await waitFor(
      async () => await both() === JSON.stringify([[], []]),
      "nobody online",
    );
  });

  test("stops delivering to a listener once unsubscribed, not to the others", async ([a, b]) => {
    const kept: number[] = [];
    const dropped: number[] = [];
    const keep = await b.subscribe((event) => {
      if (event.type === "message") kept.push(event.message.seq);
    });
    const drop = await b.subscribe((event) => {
      if (event.type === "message") dropped.push(event.message.seq);
    });
    await a.publish(message(3, 1));
    await until(() => dropped.length === 1, DELIVERY_MS, "first message");
    await drop.unsubscribe();
    await a.publish(message(3, 2));
    await until(() => kept.length === 2, DELIVERY_MS, "second message");
    assert.deepEqual(kept, [1, 2]);
    assert.deepEqual(dropped, [1]);
    await keep.unsubscribe();
  });
}

async function waitFor(
  condition: () => Promise<boolean>,
  what: string,
): Promise<void> {
  const start = performance.now();
  while (!(await condition())) {
    if (performance.now() - start > DELIVERY_MS) {
      throw new Error(`Deadline: ${what} not reached in ${DELIVERY_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
