// Copyright 2026 the framewire authors. MIT license.
import { DatabaseSync } from "node:sqlite";
import assert from "node:assert/strict";
import { ChatStore } from "../../chat/mod.ts";

async function withStore(
  fn: (path: string) => Promise<void> | void,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "framewire_store_" });
  try {
    await fn(`${dir}/chat.db`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("ChatStore commits appends of one turn together, numbering each chat from 1 in append order", async () => {
  await withStore(async (path) => {
    using store = new ChatStore(path);
    const rooms = ["a", "b", "c"].map((name) => store.createRoom(name));
    const appends = Array.from({ length: 300 }, (_, i) =>
      store.append({
        chatId: rooms[i % 3].id,
        sender: "u",
        clientId: `m${i}`,
        text: `t${i}`,
      }));
    // Nothing is committed until the turn ends.
    assert.equal(store.pendingWrites, 300);
    assert.equal(store.lastSeq(rooms[0].id), 0);
    const stored = await Promise.all(appends);
    assert.equal(store.pendingWrites, 0);
    for (let r = 0; r < 3; r++) {
      const seqs = stored.filter((m) => m.chatId === rooms[r].id).map((m) =>
        m.seq
      );
      assert.deepEqual(seqs, Array.from({ length: 100 }, (_, i) => i + 1));
    }
    assert.deepEqual(
      store.lastMessages(rooms[1].id, 2).map((m) => m.text),
      ["t295", "t298"],
    );
  });
});

Deno.test("ChatStore commits at once when a batch reaches maxBatch", async () => {
  await withStore(async (path) => {
    using store = new ChatStore(path, { maxBatch: 4, synchronous: "NORMAL" });
    const room = store.createRoom("r");
    const appends = [1, 2, 3, 4].map((i) =>
      store.append({
        chatId: room.id,
        sender: "u",
        clientId: `${i}`,
        text: "x",
      })
    );
    assert.equal(store.pendingWrites, 0);
    assert.equal(store.lastSeq(room.id), 4);
    await Promise.all(appends);
  });
});

Deno.test("ChatStore stores a (sender, clientId) once, also within one batch", async () => {
  await withStore(async (path) => {
    using store = new ChatStore(path);
    const room = store.createRoom("r");
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
});

Deno.test("ChatStore moves cursors forward only, never past the chat's last message", async () => {
  await withStore(async (path) => {
    using store = new ChatStore(path);
    const chat = store.directChat("alice", "bob");
    assert.deepEqual([...store.members(chat.id)].sort(), ["alice", "bob"]);
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
    assert.equal(store.cursor(chat.id, "bob"), 3);
    await store.moveCursor(chat.id, "bob", 99);
    assert.equal(store.cursor(chat.id, "bob"), 5);
    assert.equal(store.cursor(chat.id, "carol"), undefined);
    // Unread counts leave out the reader's own messages.
    assert.deepEqual(
      store.userChats("alice").map((c) => [c.chat.name, c.unread, c.lastSeq]),
      [["alice,bob", 0, 5]],
    );
    // A joiner's cursor starts at the end: old messages are not unread.
    const room = store.createRoom("r");
    await store.append({
      chatId: room.id,
      sender: "bob",
      clientId: "r1",
      text: "x",
    });
    store.addMember(room.id, "alice");
    assert.equal(store.cursor(room.id, "alice"), 1);
  });
});

Deno.test("ChatStore refuses a second store on the same file, and reopens it once closed", async () => {
  await withStore((path) => {
    const first = new ChatStore(path);
    try {
      first.createRoom("kept");
      assert.throws(() => new ChatStore(path), (error: Error) => {
        assert.match(
          error.message,
          /^Cannot open chat database ".*chat\.db": database is locked \(is another server using it\?\)$/,
        );
        return true;
      });
    } finally {
      first.close();
    }
    using second = new ChatStore(path);
    assert.equal(second.room("kept")?.kind, "room");
  });
});

Deno.test("ChatStore validates its options and refuses writes after close", async () => {
  await withStore((path) => {
    assert.throws(
      () => new ChatStore(path, { synchronous: "OFF" as "FULL" }),
      {
        name: "TypeError",
        message: 'Cannot use synchronous "OFF": expected "FULL" or "NORMAL"',
      },
    );
    assert.throws(() => new ChatStore(path, { maxBatch: 0 }), RangeError);
    const store = new ChatStore(path);
    store.close();
    assert.throws(
      () => store.append({ chatId: 1, sender: "u", clientId: "1", text: "x" }),
      { message: `Cannot write to chat database "${path}": closed` },
    );
    assert.throws(
      () => new ChatStore(`${path}/missing/dir.db`),
      /^Error: Cannot open chat database/,
    );
  });
});

Deno.test("ChatStore reads back a text and a client id containing U+0000 whole", async () => {
  await withStore(async (path) => {
    using store = new ChatStore(path);
    const room = store.createRoom("general");
    // SQLite's text accessor stops at the first NUL; the store must not.
    const text = "before\u0000after";
    const stored = await store.append({
      chatId: room.id,
      sender: "alice",
      clientId: "id\u0000one",
      text,
    });
    const again = await store.append({
      chatId: room.id,
      sender: "alice",
      clientId: "id\u0000one",
      text,
    });
    assert.equal(again.duplicate, true);
    assert.equal(again.text, text);
    assert.equal(again.clientId, "id\u0000one");
    assert.deepEqual(
      store.lastMessages(room.id, 10).map((m) => [m.text, m.clientId]),
      [[text, "id\u0000one"]],
    );
    assert.deepEqual(
      store.messagesAfter(room.id, 0, "bob", 10).map((m) => m.text),
      [text],
    );
    assert.equal(stored.seq, 1);
  });
});

Deno.test("ChatStore adds the room creator column to a version 1 file and counts rooms per creator", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/chat.db`;
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE chats (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('direct', 'room')),
      name TEXT NOT NULL,
      last_seq INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      UNIQUE (kind, name)
    ) STRICT;
    INSERT INTO chats (kind, name, created_at) VALUES ('room', 'legacy', 0);
    PRAGMA user_version = 1;`);
    old.close();
    using store = new ChatStore(path);
    assert.ok(store.room("legacy") !== undefined);
    store.createRoom("a", "alice");
    store.createRoom("b", "alice");
    store.createRoom("a", "bob"); // Exists: bob did not create it.
    store.directChat("alice", "bob");
    assert.equal(store.roomsCreatedBy("alice"), 2);
    assert.equal(store.roomsCreatedBy("bob"), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ChatStore clamps a cursor moved past the chat's end to the last seq stored before the move", async () => {
  await withStore(async (path) => {
    using store = new ChatStore(path);
    const room = store.createRoom("general");
    store.addMember(room.id, "bob");
    await store.append({
      chatId: room.id,
      sender: "alice",
      clientId: "m1",
      text: "one",
    });
    const moved = store.moveCursor(room.id, "bob", 1000);
    // Before the commit: never beyond what is stored.
    assert.equal(store.cursor(room.id, "bob"), 1);
    // Stored in the same batch as the move, after it: not read.
    const appended = store.append({
      chatId: room.id,
      sender: "alice",
      clientId: "m2",
      text: "two",
    });
    await Promise.all([moved, appended]);
    assert.equal(store.cursor(room.id, "bob"), 1);
    assert.deepEqual(
      store.messagesAfter(room.id, 1, "bob", 10).map((m) => m.text),
      ["two"],
    );
  });
});
