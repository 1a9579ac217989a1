// Copyright 2026 the framewire authors. MIT license.
// What every ChatStore must do, as Deno tests registered for one
// implementation: `chatStoreContract("SqliteChatStore", open)`. A store for
// several nodes (PostgreSQL) runs the same tests with its own factory.
import assert from "node:assert/strict";
import type { ChatStore } from "../../chat/mod.ts";

/** A fresh, empty store, and how to get rid of it after a test. */
export interface ChatStoreFixture {
  readonly store: ChatStore;
  /** Closes the store and removes what it stored. */
  dispose(): Promise<void>;
}

/** Registers the contract tests of `name`, each on a store from `open`. */
export function chatStoreContract(
  name: string,
  open: () => Promise<ChatStoreFixture>,
): void {
  const test = (what: string, fn: (store: ChatStore) => Promise<void>) =>
    Deno.test(`${name} ${what}`, async () => {
      const fixture = await open();
      try {
        await fn(fixture.store);
      } finally {
        await fixture.dispose();
      }
    });

  test("numbers each chat's messages from 1 without gaps, in append order", async (store) => {
    const rooms = await Promise.all(
      ["a", "b", "c"].map((room) => store.createRoom(room)),
    );
    const stored = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        store.append({
          chatId: rooms[i % 3].id,
          sender: "u",
          clientId: `m${i}`,
          text: `t${i}`,
        })),
    );
    for (let r = 0; r < 3; r++) {
      const seqs = stored.filter((m) => m.chatId === rooms[r].id)
        .map((m) => m.seq);
      assert.deepEqual(seqs, Array.from({ length: 20 }, (_, i) => i + 1));
    }
    assert.equal(await store.lastSeq(rooms[1].id), 20);
    assert.deepEqual(
      (await store.lastMessages(rooms[1].id, 2)).map((m) => m.text),
      ["t55", "t58"],
    );
    assert.deepEqual(
      (await store.lastMessages(rooms[1].id, 2, 20)).map((m) => m.seq),
      [18, 19],
    );
  });

  test("stores a (sender, clientId) once, also within one batch", async (store) => {
    const room = await store.createRoom("r");
    const message = {
      chatId: room.id,
      sender: "u",
      clientId: "same",
      text: "x",
    };
    const [first, second] = await Promise.all([
      store.append(message),
      store.append({ ...message, text: "changed" }),
    ]);
    const third = await store.append(message);
    assert.deepEqual(
      [first.duplicate, second.duplicate, third.duplicate],
      [false, true, true],
    );
    assert.deepEqual([second.mid, second.seq, second.text], [
      first.mid,
      1,
      "x",
    ]);
    // Another sender may use the same id.
    const other = await store.append({ ...message, sender: "v" });
    assert.deepEqual([other.duplicate, other.seq], [false, 2]);
  });

  test("moves cursors forward only, never past the chat's last message", async (store) => {
    const chat = await store.directChat("alice", "bob");
    assert.deepEqual(await store.members(chat.id), ["alice", "bob"]);
    assert.equal((await store.findDirectChat("bob", "alice"))?.id, chat.id);
    for (let i = 0; i < 5; i++) {
      await store.append({
        chatId: chat.id,
        sender: "alice",
        clientId: `${i}`,
        text: "x",
      });
    }
    await store.moveCursor(chat.id, "bob", 3);
    await store.moveCursor(chat.id, "bob", 1);
    assert.equal(await store.cursor(chat.id, "bob"), 3);
    await store.moveCursor(chat.id, "bob", 99);
    assert.equal(await store.cursor(chat.id, "bob"), 5);
    assert.equal(await store.cursor(chat.id, "carol"), undefined);
    // Unread counts leave out the reader's own messages.
    assert.deepEqual(
      (await store.userChats("alice")).map((
        c,
      ) => [c.chat.name, c.unread, c.lastSeq]),
      [["alice,bob", 0, 5]],
    );
    // A joiner's cursor starts at the end: old messages are not unread.
    const room = await store.createRoom("r");
    await store.append({
      chatId: room.id,
      sender: "bob",
      clientId: "r1",
      text: "x",
    });
    assert.equal(await store.isMember(room.id, "alice"), false);
    assert.equal(await store.addMember(room.id, "alice"), true);
    assert.equal(await store.addMember(room.id, "alice"), false);
    assert.equal(await store.isMember(room.id, "alice"), true);
    assert.equal(await store.isMember(chat.id, "alice"), true);
    assert.equal(await store.isMember(chat.id, "carol"), false);
    assert.equal(await store.cursor(room.id, "alice"), 1);
    assert.equal(await store.removeMember(room.id, "alice"), true);
    assert.equal(await store.removeMember(room.id, "alice"), false);
    assert.equal(await store.isMember(room.id, "alice"), false);
    assert.deepEqual(await store.members(room.id), []);
  });

  test("clamps a cursor moved past the chat's end to the last seq stored before the move", async (store) => {
    const room = await store.createRoom("general");
    await store.addMember(room.id, "bob");
    await store.append({
      chatId: room.id,
      sender: "alice",
      clientId: "m1",
      text: "one",
    });
    const moved = store.moveCursor(room.id, "bob", 1000);
    // Stored after the move, maybe in the same commit: not read.
    const appended = store.append({
      chatId: room.id,
      sender: "alice",
      clientId: "m2",
      text: "two",
    });
    await Promise.all([moved, appended]);
    assert.equal(await store.cursor(room.id, "bob"), 1);
    assert.deepEqual(
      (await store.messagesAfter(room.id, 1, "bob", 10)).map((m) => m.text),
      ["two"],
    );
    assert.deepEqual(
      (await store.userChats("bob")).map((c) => c.unread),
      [1],
    );
  });

  test("reads back a text and a client id containing U+0000 whole", async (store) => {
    const room = await store.createRoom("general");
    const text = "before\u0000after";
    const message = {
      chatId: room.id,
      sender: "alice",
      clientId: "id\u0000one",
      text,
    };
    const stored = await store.append(message);
    const again = await store.append(message);
    assert.equal(stored.seq, 1);
    assert.deepEqual([again.duplicate, again.text, again.clientId], [
      true,
      text,
      "id\u0000one",
    ]);
    assert.deepEqual(
      (await store.lastMessages(room.id, 10)).map((m) => [m.text, m.clientId]),
      [[text, "id\u0000one"]],
    );
    assert.deepEqual(
      (await store.messagesAfter(room.id, 0, "bob", 10)).map((m) => m.text),
      [text],
    );
  });

  test("registers a name once and counts users", async (store) => {
    const hash = {
      salt: new Uint8Array(16).fill(1),
      hash: new Uint8Array(32).fill(2),
      iterations: 1000,
    };
    assert.equal(await store.user("alice"), undefined);
    assert.equal(await store.createUser("alice", hash), true);
    assert.equal(
      await store.createUser("alice", { ...hash, iterations: 5 }),
      false,
    );
    const stored = await store.user("alice");
    assert.deepEqual(
      [stored?.salt, stored?.hash, stored?.iterations],
      [hash.salt, hash.hash, 1000],
    );
    assert.equal(await store.userCount(), 1);
  });

  test("keeps a room's creator only when it created the room, and lists chats by activity", async (store) => {
    const a = await store.createRoom("a", "alice");
    await store.createRoom("b", "alice");
    assert.equal((await store.createRoom("a", "bob")).id, a.id);
    const direct = await store.directChat("alice", "bob");
    assert.equal(await store.roomsCreatedBy("alice"), 2);
    assert.equal(await store.roomsCreatedBy("bob"), 0);
    assert.deepEqual(await store.chatById(direct.id), direct);
    assert.equal(await store.chatById(direct.id + 1000), undefined);
    assert.equal((await store.room("a"))?.id, a.id);
    assert.equal(await store.room("zzz"), undefined);
    await store.append({
      chatId: direct.id,
      sender: "alice",
      clientId: "1",
      text: "x",
    });
    const chats = await store.allChats();
    assert.deepEqual(chats[0].chat, direct);
    assert.equal(chats[0].messages, 1);
    assert.equal(typeof chats[0].lastAtMs, "number");
    assert.equal(chats.length, 3);
  });

  // A token's digest: 32 bytes, distinct per `n`.
  const digest = (n: number) => new Uint8Array(32).fill(n);
  const t = 1_700_000_000_000;

  test("takes a resume token once, for its user only, and not once expired", async (store) => {
    await store.addResumeToken("alice", digest(1), t + 100, t, 5);
    assert.equal(await store.takeResumeToken("bob", digest(1), t), false);
    assert.equal(await store.takeResumeToken("alice", digest(9), t), false);
    assert.equal(await store.takeResumeToken("alice", digest(1), t + 99), true);
    assert.equal(await store.takeResumeToken("alice", digest(1), t), false);
    // Expired at exactly its expiry; taking it deletes it all the same.
    await store.addResumeToken("alice", digest(2), t + 100, t, 5);
    assert.equal(
      await store.takeResumeToken("alice", digest(2), t + 100),
      false,
    );
    assert.equal(await store.takeResumeToken("alice", digest(2), t), false);
  });

  test("keeps the resume tokens added last, also within one millisecond, and only the user's", async (store) => {
    await store.addResumeToken("bob", digest(9), t + 100, t, 1);
    for (const n of [1, 2, 3]) {
      await store.addResumeToken("alice", digest(n), t + 100, t, 2);
    }
    assert.equal(await store.takeResumeToken("alice", digest(1), t), false);
    assert.equal(await store.takeResumeToken("alice", digest(2), t), true);
    assert.equal(await store.takeResumeToken("alice", digest(3), t), true);
    assert.equal(await store.takeResumeToken("bob", digest(9), t), true);
  });

  test("drops a user's expired resume tokens when adding one, without counting them against keep", async (store) => {
    await store.addResumeToken("alice", digest(1), t + 1000, t, 2);
    await store.addResumeToken("alice", digest(2), t + 10, t + 1, 2);
    await store.addResumeToken("alice", digest(3), t + 1000, t + 20, 2);
    // Taken with an earlier clock, at which it was valid: gone all the same.
    assert.equal(await store.takeResumeToken("alice", digest(2), t), false);
    assert.equal(await store.takeResumeToken("alice", digest(1), t), true);
    assert.equal(await store.takeResumeToken("alice", digest(3), t), true);
  });

  test("drops every resume token of one user, expired ones counted, and no one else's", async (store) => {
    await store.addResumeToken("alice", digest(1), t + 100, t, 5);
    await store.addResumeToken("alice", digest(2), t + 100, t, 5);
    await store.addResumeToken("bob", digest(3), t + 100, t, 5);
    assert.equal(await store.dropResumeTokens("alice"), 2);
    assert.equal(await store.dropResumeTokens("alice"), 0);
    assert.equal(await store.takeResumeToken("alice", digest(1), t), false);
    assert.equal(await store.takeResumeToken("alice", digest(2), t), false);
    assert.equal(await store.takeResumeToken("bob", digest(3), t), true);
  });

  test("answers true to exactly one of concurrent takes of a resume token", async (store) => {
    for (let round = 1; round <= 5; round++) {
      await store.addResumeToken("alice", digest(round), t + 100, t, 10);
      const taken = await Promise.all(
        Array.from(
          { length: 8 },
          () => store.takeResumeToken("alice", digest(round), t),
        ),
      );
      assert.equal(taken.filter((ok) => ok).length, 1);
    }
  });
}
