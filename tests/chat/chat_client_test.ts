// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { FrameType } from "../../mod.ts";
import { ChatClient, type ChatEvent } from "../../chat/mod.ts";
import {
  decode,
  exchange,
  nextMessages,
  PASSWORD,
  rawConnection,
  register,
  withChat,
  within,
} from "./_chat_utils.ts";

Deno.test("ChatClient drops messages redelivered after a crash that it lists as seen", async () => {
  await withChat(async (harness) => {
    await register(harness, "bob");
    {
      await using alice = await harness.login("alice");
      for (const text of ["1", "2", "3"]) await alice.send("@bob", text);
    }
    // bob's first session gets the messages but dies before any `read`.
    {
      using raw = await rawConnection(harness);
      await exchange(
        raw,
        FrameType.ClientType,
        JSON.stringify({ type: "chat", user: "bob", password: PASSWORD }),
      );
      await raw.send({
        type: 0,
        payload: new TextEncoder().encode(
          '{"op":"open","id":"o","chat":"@alice"}',
        ),
      });
      const frames = [];
      for (let i = 0; i < 4; i++) frames.push(decode((await raw.receive())!));
      assert.deepEqual(frames.map((f) => f.op), [
        "message",
        "message",
        "message",
        "opened",
      ]);
    }
    // At least once: the server delivers all three again; the program had
    // shown the first two and says so.
    await using bob = await ChatClient.connect({
      port: harness.port,
      user: "bob",
      password: PASSWORD,
      seen: { "@alice": 2 },
    });
    assert.deepEqual(bob.welcome.unread, { "@alice": 3 });
    assert.equal(await bob.openChat("@alice"), 3);
    assert.deepEqual((await nextMessages(bob, 1)).map((m) => m.text), ["3"]);
    assert.equal(bob.duplicatesDropped, 2);
    assert.deepEqual(bob.seen, { "@alice": 3 });
  });
});

Deno.test("ChatClient is an async iterable of events that ends with the connection", async () => {
  await withChat(async (harness) => {
    const bob = await harness.login("bob");
    await using alice = await harness.login("alice");
    await bob.openChat("@alice");
    await alice.send("@bob", "one");
    await alice.send("@bob", "two");
    const seen: ChatEvent[] = [];
    const reading = (async () => {
      for await (const event of bob) {
        seen.push(event);
        if (seen.length === 2) await bob.close();
      }
    })();
    await within(5000, reading, "the iteration");
    assert.deepEqual(
      seen.map((event) => event.type === "message" && event.message.text),
      ["one", "two"],
    );
    // The reads were committed by close(): nothing is unread.
    await using again = await harness.login("bob");
    assert.deepEqual(again.welcome.unread, {});
  });
});

Deno.test("ChatClient validates closeTimeoutMs before connecting", async () => {
  await assert.rejects(
    ChatClient.connect({
      port: 1,
      user: "a",
      password: PASSWORD,
      closeTimeoutMs: -1,
    }),
    {
      name: "RangeError",
      message: "Cannot use closeTimeoutMs -1: expected a number of at least 0",
    },
  );
});

Deno.test("ChatClient with register: false logs in to an existing account and never registers a new name", async () => {
  await withChat(async (harness) => {
    const refused = await ChatClient.connect({
      port: harness.port,
      user: "newbie",
      password: PASSWORD,
      register: false,
    }).then(() => undefined, (error) => error);
    assert.equal(refused?.code, "UNKNOWN_USER");
    // Nothing was registered: a later default login registers the name.
    {
      await using first = await harness.login("newbie");
      assert.equal(first.welcome.registered, true);
    }
    await using again = await ChatClient.connect({
      port: harness.port,
      user: "newbie",
      password: PASSWORD,
      register: false,
    });
    assert.equal(again.welcome.registered, false);
  });
});

// --- chat fan-out (issue 12): ordered message ids ---
Deno.test("ChatClient gives its messages ids that share one random prefix and sort in sending order", async () => {
  await withChat(async (harness) => {
    await register(harness, "bob");
    await using alice = await harness.login("alice");
    // Past 35 a base-10 counter would sort "10" before "9": 40 sends.
    for (let i = 0; i < 40; i++) await alice.send("@bob", `m${i}`);
    const chat = (await harness.chat.store.findDirectChat("alice", "bob"))!;
    const ids = (await harness.chat.store.lastMessages(chat.id, 100))
      .map((message) => message.clientId);
    assert.equal(ids.length, 40);
    assert.deepEqual([...ids].sort(), ids);
    const prefixes = new Set(ids.map((id) => id.slice(0, 36)));
    assert.equal(prefixes.size, 1);
    assert.match([...prefixes][0], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
    // A second client of the same user draws another prefix.
    await alice.close();
    await using again = await harness.login("alice");
    await again.send("@bob", "later");
    const last = (await harness.chat.store.lastMessages(chat.id, 1))[0];
    assert.notEqual(last.clientId.slice(0, 36), [...prefixes][0]);
  });
});
// --- end of chat fan-out ---
