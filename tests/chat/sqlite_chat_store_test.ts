// Copyright 2026 the framewire authors. MIT license.
import { DatabaseSync } from "node:sqlite";
import assert from "node:assert/strict";
import { ChatServer, SqliteChatStore } from "../../chat/mod.ts";
import { chatStoreContract } from "./_chat_store_contract.ts";

chatStoreContract("SqliteChatStore", async () => {
  const dir = await Deno.makeTempDir({ prefix: "framewire_store_" });
  const store = new SqliteChatStore(`${dir}/chat.db`, {
    synchronous: "NORMAL",
  });
  return {
    store,
    async dispose() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
});

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

Deno.test("SqliteChatStore commits appends of one turn together, in one transaction", async () => {
  await withStore(async (path) => {
    await using store = new SqliteChatStore(path);
    const rooms = await Promise.all(
      ["a", "b", "c"].map((name) => store.createRoom(name)),
    );
    const appends = Array.from({ length: 300 }, (_, i) =>
      store.append({
        chatId: rooms[i % 3].id,
        sender: "u",
        clientId: `m${i}`,
        text: `t${i}`,
      }));
    // Nothing is committed until the turn ends.
    assert.equal(store.pendingWrites, 300);
    assert.equal(await store.lastSeq(rooms[0].id), 0);
    const stored = await Promise.all(appends);
    assert.equal(store.pendingWrites, 0);
    assert.deepEqual(
      stored.filter((m) => m.chatId === rooms[0].id).map((m) => m.seq),
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
  });
});

Deno.test("SqliteChatStore numbers a batch written in multi-row chunks like one written row by row, a retry in a late chunk included", async () => {
  await withStore(async (path) => {
    const append = (store: SqliteChatStore, chatId: number, id: string) =>
      store.append({ chatId, sender: "u", clientId: id, text: `t${id}` });
    const rooms: number[] = [];
    {
      await using store = new SqliteChatStore(path, { synchronous: "NORMAL" });
      for (const name of ["a", "b"]) {
        rooms.push((await store.createRoom(name)).id);
      }
      // 70 rows: chunks of 64, 4, 1 and 1, over two chats.
      const first = await Promise.all(
        Array.from(
          { length: 70 },
          (_, i) => append(store, rooms[i % 2], `${i}`),
        ),
      );
      assert.deepEqual(first.map((m) => m.mid), first.map((_, i) => i + 1));
      assert.deepEqual(
        first.map((m) => m.seq),
        first.map((_, i) => (i >> 1) + 1),
      );
      // A retry of message 3 in the 68th row: the batch is stored row by
      // row, with no gap in seqs or ids, the retry answered by its copy.
      const second = await Promise.all(
        Array.from(
          { length: 69 },
          (_, i) => append(store, rooms[0], i === 67 ? "3" : `b${i}`),
        ),
      );
      assert.deepEqual(
        [second[67].duplicate, second[67].mid, second[67].seq],
        [true, 4, 2],
      );
      const fresh = second.filter((m) => !m.duplicate);
      assert.deepEqual(fresh.map((m) => m.seq), fresh.map((_, i) => 36 + i));
      assert.deepEqual(fresh.map((m) => m.mid), fresh.map((_, i) => 71 + i));
      // The batch after it takes the next ids.
      assert.deepEqual(
        (await append(store, rooms[1], "c")).mid,
        71 + fresh.length,
      );
    }
    await using store = new SqliteChatStore(path, { synchronous: "NORMAL" });
    const reopened = await append(store, rooms[1], "d");
    assert.deepEqual([reopened.mid, reopened.seq], [72 + 68, 37]);
  });
});

Deno.test("SqliteChatStore commits at once when a batch reaches maxBatch", async () => {
  await withStore(async (path) => {
    await using store = new SqliteChatStore(path, {
      maxBatch: 4,
      synchronous: "NORMAL",
    });
    const room = await store.createRoom("r");
    const appends = [1, 2, 3, 4].map((i) =>
      store.append({
        chatId: room.id,
        sender: "u",
        clientId: `${i}`,
        text: "x",
      })
    );
    assert.equal(store.pendingWrites, 0);
    assert.equal(await store.lastSeq(room.id), 4);
    await Promise.all(appends);
  });
});

Deno.test("SqliteChatStore refuses a second store on the same file, and reopens it once closed", async () => {
  await withStore(async (path) => {
    const first = new SqliteChatStore(path);
    try {
      await first.createRoom("kept");
      assert.throws(() => new SqliteChatStore(path), (error: Error) => {
        assert.match(
          error.message,
          /^Cannot open chat database ".*chat\.db": database is locked \(is another server using it\?\)$/,
        );
        return true;
      });
    } finally {
      await first.close();
    }
    await using second = new SqliteChatStore(path);
    assert.equal((await second.room("kept"))?.kind, "room");
  });
});

Deno.test("SqliteChatStore validates its options and refuses use after close", async () => {
  await withStore(async (path) => {
    assert.throws(
      () => new SqliteChatStore(path, { synchronous: "OFF" as "FULL" }),
      {
        name: "TypeError",
        message: 'Cannot use synchronous "OFF": expected "FULL" or "NORMAL"',
      },
    );
    assert.throws(
      () => new SqliteChatStore(path, { maxBatch: 0 }),
      {
        name: "RangeError",
        message: "Cannot use maxBatch 0: expected an integer of at least 1",
      },
    );
    const store = new SqliteChatStore(path);
    await store.close();
    await assert.rejects(
      store.append({ chatId: 1, sender: "u", clientId: "1", text: "x" }),
      { message: `Cannot use chat database "${path}": closed` },
    );
    await assert.rejects(store.room("r"), { message: /closed$/ });
    assert.throws(
      () => new SqliteChatStore(`${path}/missing/dir.db`),
      /^Error: Cannot open chat database/,
    );
  });
});

Deno.test("SqliteChatStore adds the room creator column to a version 1 file", async () => {
  await withStore(async (path) => {
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
    await using store = new SqliteChatStore(path);
    assert.ok(await store.room("legacy") !== undefined);
    await store.createRoom("a", "alice");
    assert.equal(await store.roomsCreatedBy("alice"), 1);
  });
});

Deno.test("SqliteChatStore adds the resume token table to a version 2 file, keeping its data", async () => {
  await withStore(async (path) => {
    const old = new DatabaseSync(path);
    // Version 2's schema, as released.
    old.exec(`CREATE TABLE users (
      name TEXT PRIMARY KEY,
      salt BLOB NOT NULL,
      hash BLOB NOT NULL,
      iterations INTEGER NOT NULL,
      created_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE chats (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('direct', 'room')),
      name TEXT NOT NULL,
      last_seq INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      created_by TEXT,
      UNIQUE (kind, name)
    ) STRICT;
    CREATE TABLE members (
      chat_id INTEGER NOT NULL REFERENCES chats (id),
      user TEXT NOT NULL,
      cursor INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (chat_id, user)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX members_by_user ON members (user);
    CREATE TABLE messages (
      id INTEGER PRIMARY KEY,
      chat_id INTEGER NOT NULL REFERENCES chats (id),
      seq INTEGER NOT NULL,
      sender TEXT NOT NULL,
      client_id TEXT NOT NULL,
      text TEXT NOT NULL,
      sent_at INTEGER NOT NULL,
      UNIQUE (chat_id, seq),
      UNIQUE (sender, client_id)
    ) STRICT;
    CREATE INDEX chats_by_creator ON chats (created_by)
      WHERE created_by IS NOT NULL;
    INSERT INTO users VALUES ('alice', x'01', x'02', 1000, 0);
    INSERT INTO chats (kind, name, created_at, created_by)
      VALUES ('room', 'legacy', 0, 'alice');
    PRAGMA user_version = 2;`);
    old.close();
    {
      await using store = new SqliteChatStore(path);
      assert.equal(await store.roomsCreatedBy("alice"), 1);
      assert.equal((await store.user("alice"))?.iterations, 1000);
      const digest = new Uint8Array(32).fill(7);
      await store.addResumeToken("alice", digest, 200, 100, 3);
      assert.equal(await store.takeResumeToken("alice", digest, 150), true);
      await store.addResumeToken("alice", digest, 200, 100, 3);
    }
    // Recorded as version 3, and the token survives a reopen.
    const db = new DatabaseSync(path);
    try {
      assert.deepEqual(
        { ...db.prepare("PRAGMA user_version").get() },
        { user_version: 3 },
      );
    } finally {
      db.close();
    }
    await using store = new SqliteChatStore(path);
    assert.equal(
      await store.takeResumeToken("alice", new Uint8Array(32).fill(7), 150),
      true,
    );
  });
});

Deno.test("SqliteChatStore clamps a pending cursor move to what is stored, before the commit", async () => {
  await withStore(async (path) => {
    await using store = new SqliteChatStore(path);
    const room = await store.createRoom("general");
    await store.addMember(room.id, "bob");
    await store.append({
      chatId: room.id,
      sender: "alice",
      clientId: "m1",
      text: "one",
    });
    const moved = store.moveCursor(room.id, "bob", 1000);
    assert.equal(store.pendingWrites, 1);
    assert.equal(await store.cursor(room.id, "bob"), 1);
    await moved;
  });
});

// --- Durability (issue 14) ---------------------------------------------------

/**
 * What a `kill -9` right now would leave: a copy of the database file and its
 * write-ahead log, opened by a fresh connection (which recovers the log).
 * Returns the texts of the messages it holds.
 */
function textsAfterCrashNow(path: string, copyDir: string): string[] {
  for (const suffix of ["", "-wal"]) {
    try {
      Deno.writeFileSync(
        `${copyDir}/copy.db${suffix}`,
        Deno.readFileSync(`${path}${suffix}`),
      );
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  const db = new DatabaseSync(`${copyDir}/copy.db`);
  try {
    return (db.prepare("SELECT text FROM messages ORDER BY id").all() as {
      text: string;
    }[]).map((row) => row.text);
  } finally {
    db.close();
    for (const suffix of ["", "-wal", "-shm"]) {
      try {
        Deno.removeSync(`${copyDir}/copy.db${suffix}`);
      } catch { /* not created */ }
    }
  }
}

Deno.test("SqliteChatStore has committed an append when its promise resolves: a crash at that moment keeps it", async () => {
  await withStore(async (path) => {
    const copyDir = await Deno.makeTempDir({ prefix: "framewire_crash_" });
    try {
      await using store = new SqliteChatStore(path);
      const room = await store.createRoom("r");
      // Several appends in one batch, and one alone: each is checked in the
      // very callback that sees it resolve, before anything else runs.
      const seenAtResolve: string[][] = [];
      const check = (text: string) => (stored: { text: string }) => {
        assert.equal(stored.text, text);
        seenAtResolve.push(textsAfterCrashNow(path, copyDir));
      };
      await Promise.all(
        ["a", "b", "c"].map((text) =>
          store.append({ chatId: room.id, sender: "u", clientId: text, text })
            .then(check(text))
        ),
      );
      await store.append({
        chatId: room.id,
        sender: "u",
        clientId: "d",
        text: "d",
      })
        .then(check("d"));
      assert.deepEqual(seenAtResolve, [
        ["a", "b", "c"],
        ["a", "b", "c"],
        ["a", "b", "c"],
        ["a", "b", "c", "d"],
      ]);
    } finally {
      await Deno.remove(copyDir, { recursive: true });
    }
  });
});

Deno.test("SqliteChatStore runs with synchronous FULL by default and NORMAL only when asked", async () => {
  await withStore(async (path) => {
    {
      await using store = new SqliteChatStore(path);
      assert.equal(store.synchronous, "FULL");
    }
    {
      await using store = new SqliteChatStore(path, { synchronous: "NORMAL" });
      assert.equal(store.synchronous, "NORMAL");
    }
    assert.throws(
      () =>
        new SqliteChatStore(path, {
          synchronous: "OFF" as unknown as "FULL",
        }),
      TypeError,
    );
  });
});

Deno.test("ChatServer opens its database with synchronous FULL unless told otherwise", async () => {
  const dir = await Deno.makeTempDir({ prefix: "framewire_store_" });
  try {
    for (
      const [given, expected] of [[undefined, "FULL"], [
        "NORMAL",
        "NORMAL",
      ]] as const
    ) {
      const chat = new ChatServer({
        path: `${dir}/chat.db`,
        logger: null,
        ...(given === undefined ? {} : { synchronous: given }),
      });
      try {
        assert.ok(chat.store instanceof SqliteChatStore);
        assert.equal(chat.store.synchronous, expected);
      } finally {
        await chat.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
