// Copyright 2026 the framewire authors. MIT license.
// The server's repair of live delivery when the bus loses or reorders
// message events (as NATS core may between nodes): a member with the chat
// open still gets every message, once, in seq order.
import assert from "node:assert/strict";
import {
  type ChatBusEvent,
  type ChatBusListener,
  type ChatBusSubscription,
  type ChatNodeReporter,
  ChatStoreUnavailableError,
  InProcessChatBus,
  SqliteChatStore,
  type StoredMessage,
} from "../../chat/mod.ts";
import { nextMessages, withChat } from "./_chat_utils.ts";
import { until } from "../_utils.ts";

/** What a lossy bus does with one published event. */
type Fate = "pass" | "drop" | "hold";

/**
 * An in-process bus that drops or holds back message events as told, and
 * can emit `resync` as a networked bus does after reconnecting.
 */
class LossyBus extends InProcessChatBus {
  fate: (event: ChatBusEvent) => Fate = () => "pass";
  readonly held: ChatBusEvent[] = [];
  #listeners: ChatBusListener[] = [];

  override publish(event: ChatBusEvent): Promise<void> {
    const fate = this.fate(event);
    if (fate === "drop") return Promise.resolve();
    if (fate === "hold") {
      this.held.push(event);
      return Promise.resolve();
    }
    return super.publish(event);
  }

  /** Delivers the held events, in the order given. */
  async release(order: (held: ChatBusEvent[]) => ChatBusEvent[] = (h) => h) {
    const events = order(this.held.splice(0));
    for (const event of events) await super.publish(event);
  }

  override async subscribe(
    listener: ChatBusListener,
    reporter?: ChatNodeReporter,
  ): Promise<ChatBusSubscription> {
    this.#listeners.push(listener);
    return await super.subscribe(listener, reporter);
  }

  resync(): void {
    for (const listener of this.#listeners) listener({ type: "resync" });
  }
}

const seqOf = (event: ChatBusEvent) =>
  event.type === "message" ? event.message.seq : 0;

Deno.test("chat server repairs a lost message event from the store when the next one arrives", async () => {
  const bus = new LossyBus();
  await withChat(async (chat) => {
    const alice = await chat.login("alice");
    const bob = await chat.login("bob");
    try {
      assert.equal(await bob.openChat("@alice"), 0);
      bus.fate = (event) => seqOf(event) === 2 ? "drop" : "pass";
      for (const text of ["one", "two", "three"]) {
        await alice.send("@bob", text);
      }
      const got = await nextMessages(bob, 3);
      assert.deepEqual(got.map((m) => [m.seq, m.text]), [
        [1, "one"],
        [2, "two"],
        [3, "three"],
      ]);
      assert.equal(chat.chat.gapsRepaired, 1);
    } finally {
      await alice.close();
      await bob.close();
    }
  }, { bus });
  await bus.close();
});

Deno.test("chat server delivers reordered message events once each, in seq order", async () => {
  const bus = new LossyBus();
  await withChat(async (chat) => {
    const alice = await chat.login("alice");
    const bob = await chat.login("bob");
    try {
      await bob.openChat("@alice");
      bus.fate = (event) => event.type === "message" ? "hold" : "pass";
      for (const text of ["one", "two", "three"]) {
        await alice.send("@bob", text);
      }
      await bus.release((held) => held.reverse());
      const got = await nextMessages(bob, 3);
      assert.deepEqual(got.map((m) => m.seq), [1, 2, 3]);
      // Nothing more: the late events of 1 and 2 were dropped as old.
      await alice.send("@bob", "four");
      bus.fate = () => "pass";
      await bus.release();
      assert.deepEqual((await nextMessages(bob, 1)).map((m) => m.seq), [4]);
    } finally {
      await alice.close();
      await bob.close();
    }
  }, { bus });
  await bus.close();
});

Deno.test("chat server pushes what a resync finds in the store (the last event was lost)", async () => {
  const bus = new LossyBus();
  await withChat(async (chat) => {
    const alice = await chat.login("alice");
    const bob = await chat.login("bob");
    try {
      await alice.join("#den");
      await bob.join("#den");
      await bob.openChat("#den");
      await alice.send("#den", "seen");
      assert.deepEqual((await nextMessages(bob, 1)).map((m) => m.text), [
        "seen",
      ]);
      bus.fate = (event) => event.type === "message" ? "drop" : "pass";
      await alice.send("#den", "lost 1");
      await alice.send("#den", "lost 2");
      bus.resync();
      const got = await nextMessages(bob, 2);
      assert.deepEqual(got.map((m) => [m.seq, m.text]), [
        [2, "lost 1"],
        [3, "lost 2"],
      ]);
      await until(() => chat.chat.gapsRepaired === 1, 5_000, "one repair");
    } finally {
      await alice.close();
      await bob.close();
    }
  }, { bus });
  await bus.close();
});

Deno.test("chat server counts the member's own messages, so they are no gap", async () => {
  const bus = new LossyBus();
  await withChat(async (chat) => {
    const alice = await chat.login("alice");
    const bob = await chat.login("bob");
    try {
      await alice.openChat("@bob");
      await bob.openChat("@alice");
      await alice.send("@bob", "a1");
      await bob.send("@alice", "b2");
      await alice.send("@bob", "a3");
      assert.deepEqual((await nextMessages(bob, 2)).map((m) => m.seq), [1, 3]);
      assert.deepEqual((await nextMessages(alice, 1)).map((m) => m.seq), [2]);
      assert.equal(chat.chat.gapsRepaired, 0);
    } finally {
      await alice.close();
      await bob.close();
    }
  }, { bus });
  await bus.close();
});

/** A store whose next `failures` reads of messages fail as unreachable. */
class FlakyStore extends SqliteChatStore {
  failures = 0;
  reads = 0;

  override messagesAfter(
    chatId: number,
    afterSeq: number,
    exceptSender: string,
    limit: number,
  ): Promise<StoredMessage[]> {
    this.reads++;
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new ChatStoreUnavailableError("down for a test"));
    }
    return super.messagesAfter(chatId, afterSeq, exceptSender, limit);
  }
}

Deno.test("chat server keeps the held messages and reads again while the store fails a repair", async () => {
  const bus = new LossyBus();
  const dir = await Deno.makeTempDir({ prefix: "framewire_gap_" });
  const store = new FlakyStore(`${dir}/chat.db`);
  try {
    await withChat(async (chat) => {
      const alice = await chat.login("alice");
      const bob = await chat.login("bob");
      try {
        await bob.openChat("@alice");
        bus.fate = (event) => seqOf(event) === 1 ? "drop" : "pass";
        store.failures = 2;
        const readsBefore = store.reads;
        await alice.send("@bob", "one");
        await alice.send("@bob", "two");
        const got = await nextMessages(bob, 2);
        assert.deepEqual(got.map((m) => [m.seq, m.text]), [
          [1, "one"],
          [2, "two"],
        ]);
        // Two failed reads, then the one that worked.
        assert.equal(store.reads - readsBefore, 3);
        assert.equal(chat.chat.gapsRepaired, 1);
      } finally {
        await alice.close();
        await bob.close();
      }
    }, { bus, store });
  } finally {
    await store.close();
    await bus.close();
    await Deno.remove(dir, { recursive: true });
  }
});
