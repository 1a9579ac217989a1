// Copyright 2026 the framewire authors. MIT license.
// The server's repair of live delivery when the bus loses or reorders
// message events (as NATS core may between nodes): a member with the chat
// open still gets every message, once, in seq order; after a resync, a
// member without it open gets the true unread count.
import assert from "node:assert/strict";
import {
  type ChatBusEvent,
  type ChatBusListener,
  type ChatBusSubscription,
  type ChatClient,
  type ChatNodeReporter,
  ChatStoreUnavailableError,
  InProcessChatBus,
  SqliteChatStore,
  type StoredMessage,
  type UserChatSummary,
} from "../../chat/mod.ts";
import {
  type ChatHarness,
  nextEvents,
  nextMessages,
  withChat,
} from "./_chat_utils.ts";
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

/** What a test of {@linkcode withLossyChat} gets. */
interface LossyChat<S extends SqliteChatStore> {
  readonly bus: LossyBus;
  readonly store: S;
  readonly chat: ChatHarness;
  /** Logged in, in the order of the names given; closed after the test. */
  readonly clients: ChatClient[];
}

/**
 * Runs `fn` with a chat server on a {@linkcode LossyBus} and a store of its
 * own (from `openStore`, in a temporary directory), and a client logged in
 * for each of `users`; closes the clients, the store and the bus after.
 */
async function withLossyChat<S extends SqliteChatStore = SqliteChatStore>(
  users: string[],
  fn: (run: LossyChat<S>) => Promise<void>,
  openStore: (path: string) => S = (path) => new SqliteChatStore(path) as S,
): Promise<void> {
  const bus = new LossyBus();
  const dir = await Deno.makeTempDir({ prefix: "framewire_gap_" });
  const store = openStore(`${dir}/chat.db`);
  try {
    await withChat(async (chat) => {
      const clients: ChatClient[] = [];
      try {
        for (const user of users) clients.push(await chat.login(user));
        await fn({ bus, store, chat, clients });
      } finally {
        for (const client of clients) await client.close();
      }
    }, { bus, store });
  } finally {
    await store.close();
    await bus.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const seqOf = (event: ChatBusEvent) =>
  event.type === "message" ? event.message.seq : 0;

Deno.test("chat server repairs a lost message event from the store when the next one arrives", async () => {
  await withLossyChat(
    ["alice", "bob"],
    async ({ bus, chat, clients: [alice, bob] }) => {
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
    },
  );
});

Deno.test("chat server delivers reordered message events once each, in seq order", async () => {
  await withLossyChat(
    ["alice", "bob"],
    async ({ bus, clients: [alice, bob] }) => {
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
    },
  );
});

Deno.test("chat server pushes what a resync finds in the store (the last event was lost)", async () => {
  await withLossyChat(
    ["alice", "bob"],
    async ({ bus, chat, clients: [alice, bob] }) => {
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
    },
  );
});

Deno.test("chat server counts the member's own messages, so they are no gap", async () => {
  await withLossyChat(
    ["alice", "bob"],
    async ({ chat, clients: [alice, bob] }) => {
      await alice.openChat("@bob");
      await bob.openChat("@alice");
      await alice.send("@bob", "a1");
      await bob.send("@alice", "b2");
      await alice.send("@bob", "a3");
      assert.deepEqual((await nextMessages(bob, 2)).map((m) => m.seq), [1, 3]);
      assert.deepEqual((await nextMessages(alice, 1)).map((m) => m.seq), [2]);
      assert.equal(chat.chat.gapsRepaired, 0);
    },
  );
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
  await withLossyChat(
    ["alice", "bob"],
    async ({ bus, store, chat, clients: [alice, bob] }) => {
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
    },
    (path: string) => new FlakyStore(path),
  );
});

// --- unread counts of chats not open, after a resync ---

const unread = (chat: string, count: number) => ({
  type: "unread",
  chat,
  count,
});

Deno.test("chat server sets right the unread counts of chats not open after a resync (their events were lost)", async () => {
  await withLossyChat(
    ["alice", "bob"],
    async ({ bus, clients: [alice, bob] }) => {
      await alice.send("@bob", "counted");
      assert.deepEqual(await nextEvents(bob, 1), [unread("@alice", 1)]);
      bus.fate = (event) => event.type === "message" ? "drop" : "pass";
      await alice.send("@bob", "lost 1");
      await alice.send("@bob", "lost 2");
      bus.resync();
      assert.deepEqual(await nextEvents(bob, 1), [unread("@alice", 3)]);
      bus.fate = () => "pass";
      await alice.send("@bob", "after");
      assert.deepEqual(await nextEvents(bob, 1), [unread("@alice", 4)]);
    },
  );
});

Deno.test("chat server counts no late event of a message the unread repair counted already", async () => {
  await withLossyChat(
    ["alice", "bob", "carol"],
    async ({ bus, clients: [alice, bob, carol] }) => {
      bus.fate = (event) => event.type === "message" ? "hold" : "pass";
      await alice.send("@bob", "late 1");
      await alice.send("@bob", "late 2");
      bus.resync();
      assert.deepEqual(await nextEvents(bob, 1), [unread("@alice", 2)]);
      bus.fate = () => "pass";
      await bus.release();
      // Were the late events counted, their notices would come first.
      await carol.send("@bob", "hi");
      assert.deepEqual(await nextEvents(bob, 1), [unread("@carol", 1)]);
    },
  );
});

/**
 * A store whose `userChats` of one user can be held after its read, and
 * whose cursor moves can be held before they are stored.
 */
class GatedStore extends SqliteChatStore {
  gate: { user: string; open: PromiseWithResolvers<void> } | undefined;
  held = 0;
  cursorGate: PromiseWithResolvers<void> | undefined;
  cursorsHeld = 0;

  override async moveCursor(
    chatId: number,
    user: string,
    seq: number,
  ): Promise<void> {
    const gate = this.cursorGate;
    if (gate !== undefined) {
      this.cursorsHeld++;
      await gate.promise;
    }
    return await super.moveCursor(chatId, user, seq);
  }

  override async userChats(user: string): Promise<UserChatSummary[]> {
    const summaries = await super.userChats(user);
    const gate = this.gate;
    if (gate?.user === user) {
      this.held++;
      await gate.open.promise;
    }
    return summaries;
  }
}

/**
 * Sends `resync` and waits until the unread repair has read `user`'s
 * counts, which it is then held from using; returns what lets it go on.
 */
async function resyncHoldingRead(
  bus: LossyBus,
  store: GatedStore,
  user: string,
): Promise<() => void> {
  const open = Promise.withResolvers<void>();
  store.gate = { user, open };
  bus.resync();
  await until(() => store.held === 1, 5_000, "the repair's read");
  return () => {
    store.gate = undefined;
    open.resolve();
  };
}

Deno.test("chat server adds what was counted while the unread repair read the store", async () => {
  await withLossyChat(
    ["alice", "bob"],
    async ({ bus, store, clients: [alice, bob] }) => {
      bus.fate = (event) => event.type === "message" ? "drop" : "pass";
      await alice.send("@bob", "lost");
      bus.fate = () => "pass";
      const release = await resyncHoldingRead(bus, store, "bob");
      // Committed after the read: not in its count, counted live.
      await alice.send("@bob", "during");
      assert.deepEqual(await nextEvents(bob, 1), [unread("@alice", 1)]);
      release();
      assert.deepEqual(await nextEvents(bob, 1), [unread("@alice", 2)]);
    },
    (path: string) => new GatedStore(path),
  );
});

Deno.test("chat server's unread repair leaves alone a chat whose cursor is moving", async () => {
  await withLossyChat(
    ["alice", "bob", "carol"],
    async ({ bus, store, clients: [alice, bob, carol] }) => {
      await bob.openChat("@alice");
      const cursorGate = Promise.withResolvers<void>();
      store.cursorGate = cursorGate;
      await alice.send("@bob", "seen");
      assert.deepEqual((await nextMessages(bob, 1)).map((m) => m.text), [
        "seen",
      ]);
      // The client confirms it with a `read`, held before it is stored.
      await until(() => store.cursorsHeld === 1, 5_000, "bob's read");
      await bob.closeChat("@alice");
      bus.fate = (event) => event.type === "message" ? "drop" : "pass";
      await alice.send("@bob", "lost");
      bus.fate = () => "pass";
      // The repair reads bob's counts with the read still held: "seen"
      // counted as unread, so a repair that trusted the read would tell
      // bob 2.
      const release = await resyncHoldingRead(bus, store, "bob");
      store.cursorGate = undefined;
      cursorGate.resolve();
      release();
      await carol.send("@bob", "hi");
      assert.deepEqual(await nextEvents(bob, 1), [unread("@carol", 1)]);
    },
    (path: string) => new GatedStore(path),
  );
});
