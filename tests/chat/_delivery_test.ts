// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  type ChatAdminConnectionInfo,
  type ChatBus,
  type ChatBusEvent,
  type ChatBusListener,
  type ChatBusSubscription,
  ChatClient,
  type ChatMessage,
  type ChatNodeReporter,
} from "../../chat/mod.ts";
import { HANG_BOUND_MS } from "../_utils.ts";
import { withNodes } from "./_chat_nodes.ts";
import { PASSWORD, withChat, within } from "./_chat_utils.ts";

const USERS = 100;
const MESSAGES = 100;
const PEERS = 4;

const name = (i: number) => `u${String((i + USERS) % USERS).padStart(2, "0")}`;

/** Reads events until `count` messages arrived, skipping unread notices. */
async function collect(
  client: ChatClient,
  count: number,
): Promise<ChatMessage[]> {
  const messages: ChatMessage[] = [];
  while (messages.length < count) {
    const event = await client.nextEvent();
    if (event === undefined) throw new Error(`${client.user} was disconnected`);
    if (event.type === "message") messages.push(event.message);
    if (event.type === "error") throw event.error;
  }
  return messages;
}

Deno.test("ChatServer: 100 users send 100 messages each at once; none lost, none twice, order kept per chat", async () => {
  await withChat(async (harness) => {
    // Three ways to receive: users 0–44 have their incoming chats open
    // (live pushes); 45–89 are online with them closed (unread notices,
    // then the stored backlog when they open); 90–99 log out as soon as
    // their own sends are acknowledged, while the others still send, and
    // log in again at the end (stored for offline delivery).
    const isLeaver = (i: number) => i >= 90;
    const clients = new Map<number, ChatClient>();
    const all: ChatClient[] = [];
    const login = async (i: number) => {
      const client = await harness.login(name(i));
      clients.set(i, client);
      all.push(client);
      return client;
    };
    try {
      await Promise.all(Array.from({ length: USERS }, (_, i) => login(i)));
      // User i sends message j to user i+1+(j mod 4): each user has 4
      // incoming chats of 25 messages each.
      const incoming = (i: number) =>
        Array.from({ length: PEERS }, (_, p) => `@${name(i - 1 - p)}`);
      for (const [i, client] of clients) {
        if (i < 45) {
          for (const chat of incoming(i)) await client.openChat(chat);
        }
      }
      const acks = await within(
        40_000,
        Promise.all([...clients].map(async ([i, client]) => {
          const userAcks = await Promise.all(
            Array.from(
              { length: MESSAGES },
              (_, j) =>
                client.send(`@${name(i + 1 + (j % PEERS))}`, `${name(i)}:${j}`),
            ),
          );
          if (isLeaver(i)) await client.close();
          return userAcks;
        })),
        "10,000 acknowledged sends",
      );
      // Acks of one chat come in sending order, with increasing seq.
      for (const userAcks of acks) {
        const lastSeq = new Map<string, number>();
        for (const ack of userAcks) {
          assert.ok(ack.seq > (lastSeq.get(ack.chat) ?? 0));
          lastSeq.set(ack.chat, ack.seq);
        }
      }
      const received = await within(
        40_000,
        Promise.all(Array.from({ length: USERS }, async (_, i) => {
          const client = isLeaver(i) ? await login(i) : clients.get(i)!;
          if (isLeaver(i)) {
            // Everything sent to a leaver is unread: it never opened a chat.
            assert.deepEqual(
              client.welcome.unread,
              Object.fromEntries(
                incoming(i).map((chat) => [chat, MESSAGES / PEERS]),
              ),
            );
          }
          if (i >= 45) {
            for (const chat of incoming(i)) await client.openChat(chat);
          }
          return await collect(client, MESSAGES);
        })),
        "10,000 deliveries",
      );
      received.forEach((messages, i) => {
        assert.equal(clients.get(i)!.duplicatesDropped, 0);
        assert.equal(messages.length, MESSAGES);
        for (const chat of incoming(i)) {
          const sender = Number(chat.slice(2));
          // Exactly the 25 messages this sender sent here, in its order.
          const expected = Array.from({ length: MESSAGES }, (_, j) => j)
            .filter((j) => name(sender + 1 + (j % PEERS)) === name(i))
            .map((j) => `${name(sender)}:${j}`);
          const inChat = messages.filter((m) => m.chat === chat);
          assert.deepEqual(
            inChat.map((m) => m.text),
            expected,
            `${name(i)} ${chat}`,
          );
          assert.ok(
            inChat.every((m, k) => k === 0 || m.seq > inChat[k - 1].seq),
          );
        }
      });
      const stored = (await harness.chat.store.allChats()).reduce(
        (sum, chat) => sum + chat.messages,
        0,
      );
      assert.equal(stored, USERS * MESSAGES);
    } finally {
      await Promise.all(all.map((client) => client.close()));
    }
    // 100 logins at once: more than the default login queue (64) holds.
  }, { maxQueuedHashes: 128 });
});

/**
 * The bus of one node whose message events are held until `release()`: a
 * message committed on another node arrives late, as over a slow broker.
 */
class HeldBus implements ChatBus {
  readonly #bus: ChatBus;
  #held: ChatBusEvent[] | undefined = [];
  #listener: ChatBusListener | undefined;

  constructor(bus: ChatBus) {
    this.#bus = bus;
  }

  get connected(): boolean {
    return this.#bus.connected;
  }

  publish(event: ChatBusEvent): Promise<void> {
    return this.#bus.publish(event);
  }

  subscribe(
    listener: ChatBusListener,
    reporter?: ChatNodeReporter,
  ): Promise<ChatBusSubscription> {
    this.#listener = listener;
    return this.#bus.subscribe((event) => {
      if (this.#held !== undefined && event.type === "message") {
        this.#held.push(event);
      } else {
        listener(event);
      }
    }, reporter);
  }

  /** Delivers what was held, and from now on everything at once. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const event of held) this.#listener?.(event);
  }

  online(): Promise<string[]> {
    return this.#bus.online();
  }

  connections(): Promise<ChatAdminConnectionInfo[]> {
    return this.#bus.connections();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test("ChatServer: a message the bus brings after the recipient logged in on another node is not counted twice in its unread total", async () => {
  let held: HeldBus | undefined;
  await withNodes(2, async (nodes) => {
    const login = (node: number, user: string) =>
      ChatClient.connect({ port: nodes[node].port, user, password: PASSWORD });
    await using alice = await login(0, "alice");
    await (await login(1, "carol")).close();
    await alice.send("@carol", "one");
    await alice.send("@carol", "two");
    // carol logs in on the second node before its bus brings the messages.
    await using carol = await login(1, "carol");
    assert.deepEqual(
      (await carol.chats()).map((chat) => [chat.chat, chat.unread]),
      [["@alice", 2]],
    );
    held!.release();
    // A third message, live: the one notice carol gets, with the true total.
    await alice.send("@carol", "three");
    assert.equal(await carol.openChat("@alice"), 3);
    const notices: unknown[] = [];
    const texts: string[] = [];
    while (texts.length < 3) {
      const event = await within(
        HANG_BOUND_MS,
        carol.nextEvent(),
        "carol's events",
      );
      if (event?.type === "unread") notices.push(event);
      else if (event?.type === "message") texts.push(event.message.text);
      else assert.fail(`unexpected event ${JSON.stringify(event)}`);
    }
    assert.deepEqual(notices, [{ type: "unread", chat: "@alice", count: 3 }]);
    assert.deepEqual(texts, ["one", "two", "three"]);
  }, (node, shared) => node === 1 ? held = new HeldBus(shared) : shared);
});
