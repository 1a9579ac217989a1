// Copyright 2026 the framewire authors. MIT license.
// Chat on several nodes (cli/server.ts subprocesses) over a real PostgreSQL
// and a real nats-server: PROTOCOL §15's rules hold when sender, recipient
// and admin sit on different nodes, and through engine faults.
import assert from "node:assert/strict";
import {
  ChatAdminClient,
  ChatClient,
  ChatError,
  ChatErrorCode,
} from "../../chat/mod.ts";
import { nextEvents, nextMessages } from "../chat/_chat_utils.ts";
import { until, within } from "../_utils.ts";
import {
  ADMIN_TOKEN,
  clusterIgnored,
  PASSWORD,
  withCluster,
} from "./_cluster.ts";

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name: `cluster: ${name}`, ignore: clusterIgnored, fn });

async function closeAll(...clients: (ChatClient | undefined)[]) {
  await Promise.all(clients.map((client) => client?.close()));
}

test("a direct message, a room message and an offline message cross nodes", async () => {
  await withCluster(3, async ({ nodes: [n1, n2, n3] }) => {
    const alice = await n1.login("alice");
    const bob = await n2.login("bob");
    let carol: ChatClient | undefined;
    try {
      // carol exists, but is offline while alice writes.
      await (await n3.login("carol")).close();
      await bob.openChat("@alice");
      const ack = await alice.send("@bob", "hi bob");
      assert.equal(ack.seq, 1);
      const [got] = await nextMessages(bob, 1);
      assert.deepEqual([got.chat, got.from, got.text, got.seq], [
        "@alice",
        "alice",
        "hi bob",
        1,
      ]);

      await alice.join("#den");
      await bob.join("#den");
      await bob.openChat("#den");
      await alice.send("#den", "to the den");
      const [room] = await nextMessages(bob, 1);
      assert.deepEqual([room.chat, room.text], ["#den", "to the den"]);

      await alice.send("@carol", "while you were away");
      carol = await n3.login("carol");
      const chats = await carol.chats();
      assert.deepEqual(
        chats.map((chat) => [chat.chat, chat.unread]),
        [["@alice", 1]],
      );
      assert.equal(await carol.openChat("@alice"), 1);
      // alice's ack can come back before n3 hears of her message over the
      // bus; if carol is logged in by then, n3 tells her of it with an
      // `unread` push, which carries the chat's unread total: 1, as above.
      let [offline] = await nextEvents(carol, 1);
      if (offline.type === "unread") {
        assert.deepEqual([offline.chat, offline.count], ["@alice", 1]);
        [offline] = await nextEvents(carol, 1);
      }
      assert.equal(offline.type, "message");
      assert.equal(offline.message.text, "while you were away");
    } finally {
      await closeAll(alice, bob, carol);
    }
  });
});

test("concurrent senders on three nodes into one room: gap-free seq, each message once", async () => {
  await withCluster(3, async ({ nodes }) => {
    const senders = await Promise.all(
      nodes.map((node, i) => node.login(`s${i + 1}`)),
    );
    const reader = await nodes[0].login("reader");
    try {
      for (const client of [...senders, reader]) await client.join("#busy");
      await reader.openChat("#busy");
      const perSender = 40;
      const acks = await Promise.all(senders.map((sender, i) =>
        Promise.all(
          Array.from(
            { length: perSender },
            (_, k) => sender.send("#busy", `s${i + 1}-${k}`),
          ),
        )
      ));
      const seqs = acks.flat().map((ack) => ack.seq).sort((a, b) => a - b);
      const total = perSender * senders.length;
      assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => i + 1));
      const got = await nextMessages(reader, total, 30_000);
      assert.deepEqual(
        got.map((message) => message.seq),
        Array.from({ length: total }, (_, i) => i + 1),
      );
      // Each sender's own messages arrive in the order it sent them.
      for (let i = 0; i < senders.length; i++) {
        const own = got.filter((m) => m.from === `s${i + 1}`).map((m) =>
          m.text
        );
        assert.deepEqual(
          own,
          Array.from({ length: perSender }, (_, k) => `s${i + 1}-${k}`),
        );
      }
    } finally {
      await closeAll(...senders, reader);
    }
  });
});

test("a second login on another node replaces the first session; who is cluster-wide", async () => {
  await withCluster(2, async ({ nodes: [n1, n2] }) => {
    const bob = await n2.login("bob");
    const first = await n1.login("alice");
    let second: ChatClient | undefined;
    try {
      assert.deepEqual(await bob.who(), ["alice", "bob"]);
      second = await n2.login("alice");
      const [replaced] = await nextEvents(first, 1);
      assert.equal(
        replaced.type === "error" && replaced.error.code,
        ChatErrorCode.SessionReplaced,
      );
      assert.deepEqual(await second.who(), ["alice", "bob"]);
    } finally {
      await closeAll(first, second, bob);
    }
  });
});

test("the admin on one node lists every node's connections and watches a chat held elsewhere", async () => {
  await withCluster(3, async ({ nodes: [n1, n2, n3] }) => {
    const alice = await n2.login("alice");
    const bob = await n3.login("bob");
    const admin = await ChatAdminClient.connect({
      hostname: "127.0.0.1",
      port: n1.port,
      token: ADMIN_TOKEN,
    });
    try {
      await alice.send("@bob", "before the watch");
      const connections = await admin.connections();
      const where = connections
        .filter((c) => c.user !== null && c.user !== "admin")
        .map((c) => `${c.user}@${c.node}`).sort();
      assert.deepEqual(where, ["alice@n2", "bob@n3"]);
      assert.ok(connections.some((c) => c.admin && c.node === "n1"));
      const chats = await admin.chats();
      assert.deepEqual(
        chats.map((c) => [c.chat, c.online.slice().sort()]),
        [["@alice,bob", ["alice", "bob"]]],
      );
      const seen: string[] = [];
      const backlog = await admin.watch(
        "@alice,bob",
        (message) => seen.push(message.text),
      );
      assert.deepEqual(backlog.map((m) => m.text), ["before the watch"]);
      await bob.send("@alice", "watched from n1");
      await until(() => seen.length === 1, 10_000, "the watched message");
      assert.deepEqual(seen, ["watched from n1"]);
    } finally {
      await admin.close();
      await closeAll(alice, bob);
    }
  });
});

test("a NATS restart loses no live message and no unread notice: the node repairs from PostgreSQL", async () => {
  await withCluster(2, async ({ nats, nodes: [n1, n2] }) => {
    const alice = await n1.login("alice");
    const bob = await n2.login("bob");
    // carol has no chat open: she learns of messages by unread notices.
    const carol = await n2.login("carol");
    try {
      await bob.openChat("@alice");
      await alice.send("@bob", "before");
      assert.deepEqual((await nextMessages(bob, 1)).map((m) => m.text), [
        "before",
      ]);
      await alice.send("@carol", "before");
      assert.deepEqual(await nextEvents(carol, 1), [
        { type: "unread", chat: "@alice", count: 1 },
      ]);
      await nats.kill();
      // Stored in PostgreSQL and acknowledged while the bus is down.
      const during = await alice.send("@bob", "during the outage");
      assert.equal(during.seq, 2);
      await alice.send("@carol", "during the outage");
      await nats.start();
      const got = await nextMessages(bob, 1, 30_000);
      assert.deepEqual(got.map((m) => [m.seq, m.text]), [
        [2, "during the outage"],
      ]);
      assert.deepEqual(await nextEvents(carol, 1, 30_000), [
        { type: "unread", chat: "@alice", count: 2 },
      ]);
      await alice.send("@bob", "after");
      assert.deepEqual(
        (await nextMessages(bob, 1, 30_000)).map((m) => m.seq),
        [3],
      );
    } finally {
      await closeAll(alice, bob, carol);
    }
  });
});

test("PostgreSQL down: sends fail fast with STORE_UNAVAILABLE; service resumes when it is back", async () => {
  await withCluster(1, async ({ postgres, nodes: [n1] }) => {
    await (await n1.login("bob")).close();
    const alice = await n1.login("alice");
    try {
      await alice.send("@bob", "before");
      await postgres.kill();
      const error = await within(
        20_000,
        alice.send("@bob", "during").then(
          () => undefined,
          (error) => error,
        ),
        "the send to fail",
      );
      assert.ok(error instanceof ChatError, String(error));
      assert.equal(error.code, ChatErrorCode.StoreUnavailable);
      await postgres.start();
      // Retried as a client would, with the same client id, until stored.
      const deadline = Date.now() + 30_000;
      while (true) {
        try {
          await alice.send("@bob", "back", { id: "back-1" });
          break;
        } catch (error) {
          const unavailable = error instanceof ChatError &&
            error.code === ChatErrorCode.StoreUnavailable;
          if (!unavailable || Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      const { messages: history } = await alice.history("@bob");
      assert.deepEqual(history.map((m) => m.text), ["before", "back"]);
    } finally {
      await closeAll(alice);
    }
  });
});

test("kill -9 of a node: its client fails over, resends unacked sends with the same id; nothing lost, nothing doubled", async () => {
  await withCluster(2, async ({ nodes: [n1, n2] }) => {
    const bob = await n2.login("bob");
    const alice = await ChatClient.connect({
      addresses: [n1.address, n2.address],
      user: "alice",
      password: PASSWORD,
      reconnect: {
        initialDelayMs: 50,
        maxDelayMs: 500,
        maxReconnectMs: 30_000,
      },
    });
    try {
      await bob.openChat("@alice");
      const total = 100;
      const sends = [];
      for (let i = 0; i < total; i++) {
        sends.push(alice.send("@bob", `m${i}`));
        // Half are in flight or acknowledged when the node dies.
        if (i === total / 2) await n1.kill();
      }
      const acks = await within(60_000, Promise.all(sends), "every ack");
      assert.deepEqual(
        acks.map((ack) => ack.seq),
        Array.from({ length: total }, (_, i) => i + 1),
      );
      const got = await nextMessages(bob, total, 30_000);
      assert.deepEqual(
        got.map((message) => `${message.seq}:${message.text}`),
        Array.from({ length: total }, (_, i) => `${i + 1}:m${i}`),
      );
      const { messages } = await bob.history("@alice", { limit: 100 });
      assert.equal(messages.length, total);
    } finally {
      await closeAll(alice, bob);
    }
  });
});

test("/healthz is ready only with store and bus; /metrics counts the chat", async () => {
  await withCluster(1, async ({ nats, nodes: [n1] }) => {
    const base = `http://127.0.0.1:${n1.httpPort}`;
    const get = async (path: string) => {
      const response = await fetch(`${base}${path}`);
      return { status: response.status, text: await response.text() };
    };
    assert.notEqual(n1.httpPort, 0);
    assert.equal((await get("/healthz")).status, 200);
    await (await n1.login("bob")).close();
    const alice = await n1.login("alice");
    try {
      await alice.send("@bob", "counted");
      const metrics = (await get("/metrics")).text;
      assert.match(metrics, /^framewire_chat_messages_stored_total 1$/m);
      assert.match(metrics, /^framewire_connections_open \d+$/m);
      await nats.kill();
      const down = Date.now() + 20_000;
      let health = await get("/healthz");
      while (health.status === 200 && Date.now() < down) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        health = await get("/healthz");
      }
      assert.equal(health.status, 503);
      assert.match(health.text, /bus/);
      await nats.start();
      const up = Date.now() + 30_000;
      while (health.status !== 200 && Date.now() < up) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        health = await get("/healthz");
      }
      assert.equal(health.status, 200);
    } finally {
      await alice.close();
    }
  });
});
