// Copyright 2026 the framewire authors. MIT license.
// `send` and `read` on a chat the session has open, and `send` to a direct
// chat sent to before: no store lookups of the chat (its record and
// membership are known).
import assert from "node:assert/strict";
import type { ChatStore } from "../../chat/mod.ts";
import { nextMessages, withChat } from "./_chat_utils.ts";

/** Counts calls of the store's chat lookups (and `lastSeq`) from now on. */
function countLookups(store: ChatStore): Record<string, number> {
  const counts: Record<string, number> = {};
  for (
    const name of [
      "room",
      "isMember",
      "findDirectChat",
      "directChat",
      "lastSeq",
    ] as const
  ) {
    const original = store[name] as (...args: unknown[]) => unknown;
    counts[name] = 0;
    (store as unknown as Record<string, unknown>)[name] = (
      ...args: unknown[]
    ) => {
      counts[name]++;
      return original.apply(store, args);
    };
  }
  return counts;
}

Deno.test("send and read on an open chat look nothing up in the store", async () => {
  await withChat(async (harness) => {
    await using alice = await harness.login("alice");
    await using bob = await harness.login("bob");
    await alice.join("#den");
    await bob.join("#den");
    await alice.openChat("#den");
    await bob.openChat("#den");
    const den = (await harness.chat.store.room("den"))!;
    const counts = countLookups(harness.chat.store);
    await alice.send("#den", "one");
    await alice.send("#den", "two");
    assert.deepEqual(
      (await nextMessages(bob, 2)).map((message) => message.seq),
      [1, 2],
    );
    // bob's client confirmed what it read; wait for the cursor.
    const deadline = Date.now() + 5_000;
    while ((await harness.chat.store.cursor(den.id, "bob")) !== 2) {
      assert.ok(Date.now() < deadline, "bob's cursor never reached 2");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.deepEqual(counts, {
      room: 0,
      isMember: 0,
      findDirectChat: 0,
      directChat: 0,
      lastSeq: 0,
    });
  });
});

Deno.test("send to a direct chat not open looks it up once per session, and an unknown user is refused every time", async () => {
  await withChat(async (harness) => {
    await using alice = await harness.login("alice");
    await using bob = await harness.login("bob");
    await bob.openChat("@alice");
    const counts = countLookups(harness.chat.store);
    for (const text of ["one", "two", "three"]) await alice.send("@bob", text);
    assert.deepEqual(
      (await nextMessages(bob, 3)).map((message) => message.text),
      ["one", "two", "three"],
    );
    assert.equal(counts.findDirectChat, 1);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(alice.send("@nobody", "x"), {
        code: "UNKNOWN_USER",
      });
    }
    assert.equal(counts.findDirectChat, 3);
  });
});
