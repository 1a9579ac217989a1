// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { type ChatAck, ChatClient, type ChatMessage } from "../../chat/mod.ts";
import { startChatServer, withTempDir } from "./_chat_spawn.ts";

const PASSWORD = "password1";
const TOTAL = 500;

Deno.test("cli/server.ts killed with SIGKILL mid-stream loses no acknowledged message, and a retry stores the rest once", async () => {
  await withTempDir(async (dir) => {
    const dbPath = `${dir}/chat.db`;
    const acked = new Map<string, ChatAck>();
    {
      await using server = await startChatServer(dbPath);
      await (await ChatClient.connect({
        port: server.port,
        user: "bob",
        password: PASSWORD,
      })).close();
      const alice = await ChatClient.connect({
        port: server.port,
        user: "alice",
        password: PASSWORD,
      });
      try {
        // 100 acknowledged first, then 400 more in flight when SIGKILL
        // lands (at the 150th ack): some of those are acknowledged, some
        // stored without an ack, some neither.
        const send = (i: number) =>
          alice.send("@bob", `m${i}`, { id: `id-${i}` }).then(
            (ack) => {
              acked.set(`id-${i}`, ack);
              if (acked.size === 150) server.kill("SIGKILL");
            },
            (error) => assert.equal(error.code, "CONNECTION_CLOSED"),
          );
        await Promise.all(Array.from({ length: 100 }, (_, i) => send(i)));
        await Promise.all(
          Array.from({ length: TOTAL - 100 }, (_, i) => send(100 + i)),
        );
        server.kill("SIGKILL"); // In case all 500 were acknowledged first.
        const { signal } = await server.exit();
        assert.equal(signal, "SIGKILL");
      } finally {
        await alice.close();
      }
    }
    assert.ok(acked.size >= 150, `${acked.size} acked`);

    await using server = await startChatServer(dbPath);
    try {
      // Accounts survived: a wrong password is still refused.
      await assert.rejects(
        ChatClient.connect({
          port: server.port,
          user: "bob",
          password: "wrong-password",
        }),
        { code: "AUTH_FAILED" },
      );
      await using alice = await ChatClient.connect({
        port: server.port,
        user: "alice",
        password: PASSWORD,
      });
      // Retry everything with the same ids: acknowledged ones come back as
      // duplicates with their first seq; the rest are stored now, once.
      const retried = await Promise.all(
        Array.from(
          { length: TOTAL },
          (_, i) => alice.send("@bob", `m${i}`, { id: `id-${i}` }),
        ),
      );
      for (const [i, ack] of retried.entries()) {
        const first = acked.get(`id-${i}`);
        if (first !== undefined) {
          assert.deepEqual([ack.duplicate, ack.seq, ack.mid], [
            true,
            first.seq,
            first.mid,
          ]);
        }
      }
      await using bob = await ChatClient.connect({
        port: server.port,
        user: "bob",
        password: PASSWORD,
      });
      assert.deepEqual(bob.welcome.unread, { "@alice": TOTAL });
      await bob.openChat("@alice");
      const messages: ChatMessage[] = [];
      while (messages.length < TOTAL) {
        const event = await bob.nextEvent();
        if (event?.type !== "message") {
          throw new Error(`unexpected ${JSON.stringify(event)}`);
        }
        messages.push(event.message);
      }
      // Every message exactly once, numbered 1..500 without a gap.
      assert.deepEqual(
        messages.map((m) => m.seq),
        Array.from({ length: TOTAL }, (_, i) => i + 1),
      );
      assert.equal(new Set(messages.map((m) => m.text)).size, TOTAL);
      // What was acknowledged before the kill kept its place.
      for (const message of messages) {
        const first = acked.get(`id-${message.text.slice(1)}`);
        if (first !== undefined) assert.equal(message.seq, first.seq);
      }
    } finally {
      server.kill("SIGTERM");
      assert.equal((await server.exit()).code, 0);
    }
  });
});
