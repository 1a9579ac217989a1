// Copyright 2026 the framewire authors. MIT license.
// PostgresChatStore against a real PostgreSQL: one throw-away server for
// this file (started on first use, stopped by the last test or, if a test
// run stops early, by dev/postgres.ts's unload hook), a fresh database per
// test. Without PostgreSQL installed the tests are ignored, unless
// FRAMEWIRE_REQUIRE_SERVICES=1 (CI), where they must run.
import assert from "node:assert/strict";
import {
  ChatStoreUnavailableError,
  PostgresChatStore,
  type PostgresChatStoreOptions,
  type StoredMessage,
} from "../../chat/mod.ts";
import {
  postgresBinaries,
  type PostgresDatabase,
  type PostgresInstance,
  startPostgres,
} from "../../dev/postgres.ts";
import {
  MIGRATIONS,
  POSTGRES_MODULE,
} from "../../chat/_postgres_chat_schema.ts";
import { chatStoreContract } from "./_chat_store_contract.ts";

const required = Deno.env.get("FRAMEWIRE_REQUIRE_SERVICES") === "1";
const available = postgresBinaries() !== undefined;
const ignore = !available && !required;

let server: Promise<PostgresInstance> | undefined;
function postgres(): Promise<PostgresInstance> {
  return server ??= startPostgres();
}

/** A fresh database, and a store on it; both gone after `fn`. */
async function withDatabase(
  fn: (db: PostgresDatabase, pg: PostgresInstance) => Promise<void>,
): Promise<void> {
  const pg = await postgres();
  const db = await pg.createDatabase();
  try {
    await fn(db, pg);
  } finally {
    await db.drop();
  }
}

/** A raw client for checks behind the store's back. */
async function rawClient(url: string) {
  const { default: postgres } = await import("postgres");
  return postgres(url, { max: 1, onnotice: () => {} });
}

const fast: PostgresChatStoreOptions = {
  queryTimeoutMs: 2000,
  connectTimeoutMs: 2000,
};

if (ignore) {
  Deno.test({
    name:
      "PostgresChatStore tests need PostgreSQL (initdb, pg_ctl): not installed, ignored",
    ignore: true,
    fn() {},
  });
} else {
  chatStoreContract("PostgresChatStore", async () => {
    const db = await (await postgres()).createDatabase();
    const store = await PostgresChatStore.connect(db.url, fast);
    return {
      store,
      async dispose() {
        await store.close();
        await db.drop();
      },
    };
  });
}

Deno.test("PostgresChatStore loads the client version pinned in deno.json", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  assert.equal(POSTGRES_MODULE, config.imports.postgres);
});

function test(name: string, fn: () => Promise<void>): void {
  Deno.test({ name: `PostgresChatStore ${name}`, ignore, fn });
}

test("validates its URL and options before connecting", async () => {
  await assert.rejects(
    PostgresChatStore.connect("mysql://u:secret@h/db"),
    {
      name: "TypeError",
      message:
        'Cannot use url "mysql://u:***@h/db": expected a postgres:// URL',
    },
  );
  await assert.rejects(
    PostgresChatStore.connect("postgres://h/db", { queryTimeoutMs: 0 }),
    {
      name: "RangeError",
      message: "Cannot use queryTimeoutMs 0: expected an integer of at least 1",
    },
  );
  await assert.rejects(
    PostgresChatStore.connect("postgres://h/db", {
      maxConnections: "4" as unknown as number,
    }),
    {
      name: "TypeError",
      message: 'Cannot use maxConnections "4": expected a number',
    },
  );
});

test("connect rejects with ChatStoreUnavailableError when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await assert.rejects(
    PostgresChatStore.connect(`postgres://u@127.0.0.1:${port}/db`, fast),
    (error: Error) => {
      assert.ok(error instanceof ChatStoreUnavailableError);
      assert.match(error.message, /ECONNREFUSED/);
      return true;
    },
  );
});

test("numbers appends from two stores (two nodes) into one room 1..N, each once, in each store's order", async () => {
  await withDatabase(async (db) => {
    const [a, b] = await Promise.all([
      PostgresChatStore.connect(db.url, fast),
      PostgresChatStore.connect(db.url, fast),
    ]);
    try {
      const room = await a.createRoom("general");
      assert.equal((await b.createRoom("general")).id, room.id);
      const n = 100;
      const append = (store: PostgresChatStore, who: string, i: number) =>
        store.append({
          chatId: room.id,
          sender: who,
          clientId: `${i}`,
          text: `${who}${i}`,
        });
      // Sent in waves, so both stores have transactions open at once.
      const stored: StoredMessage[] = [];
      for (let wave = 0; wave < n; wave += 10) {
        const part = [];
        for (let i = wave; i < wave + 10; i++) {
          part.push(append(a, "a", i), append(b, "b", i));
        }
        stored.push(...await Promise.all(part));
      }
      const seqs = stored.map((m) => m.seq).sort((x, y) => x - y);
      assert.deepEqual(seqs, Array.from({ length: 2 * n }, (_, i) => i + 1));
      for (const who of ["a", "b"]) {
        const mine = stored.filter((m) => m.sender === who).map((m) => m.seq);
        assert.deepEqual(mine, [...mine].sort((x, y) => x - y));
      }
      assert.equal(await b.lastSeq(room.id), 2 * n);
      const history = await a.lastMessages(room.id, 3 * n);
      assert.deepEqual(history.map((m) => m.seq), seqs);
      assert.equal(new Set(history.map((m) => m.text)).size, 2 * n);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

test("stores a clientId sent through two stores at once only once", async () => {
  await withDatabase(async (db) => {
    const [a, b] = await Promise.all([
      PostgresChatStore.connect(db.url, fast),
      PostgresChatStore.connect(db.url, fast),
    ]);
    try {
      const room = await a.createRoom("r");
      for (let i = 0; i < 20; i++) {
        const message = {
          chatId: room.id,
          sender: "alice",
          clientId: `retry${i}`,
          text: `t${i}`,
        };
        const [x, y] = await Promise.all([
          a.append(message),
          b.append(message),
        ]);
        assert.equal(x.mid, y.mid);
        assert.equal(x.seq, i + 1);
        assert.deepEqual(
          [x.duplicate, y.duplicate].sort(),
          [false, true],
        );
      }
      assert.equal(await a.lastSeq(room.id), 20);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

test("creates its schema once when two nodes connect together, records the version, and reconnects without migrating", async () => {
  await withDatabase(async (db) => {
    const stores = await Promise.all([
      PostgresChatStore.connect(db.url, fast),
      PostgresChatStore.connect(db.url, fast),
    ]);
    await stores[0].createRoom("kept");
    await Promise.all(stores.map((store) => store.close()));
    const raw = await rawClient(db.url);
    try {
      const [before] = await raw`SELECT version, migrated_at
        FROM framewire_schema_version`;
      assert.equal(before.version, 2);
      await using again = await PostgresChatStore.connect(db.url, fast);
      assert.equal((await again.room("kept"))?.kind, "room");
      const rows = await raw`SELECT version, migrated_at
        FROM framewire_schema_version`;
      assert.deepEqual(rows.map((r) => ({ ...r })), [{ ...before }]);
      // A database migrated by a newer framewire is refused, untouched.
      await raw`UPDATE framewire_schema_version SET version = 99`;
      await assert.rejects(PostgresChatStore.connect(db.url, fast), {
        message:
          "Cannot use chat database schema version 99: this framewire knows versions up to 2 (upgrade framewire)",
      });
    } finally {
      await raw.end();
    }
  });
});

test("migrates a version 1 database to version 2, keeping its data, and resume tokens work", async () => {
  await withDatabase(async (db) => {
    const raw = await rawClient(db.url);
    try {
      // Version 1 as released: its migration, and the version recorded.
      await raw.begin(async (tx) => {
        await tx.unsafe(MIGRATIONS[0]);
        await tx.unsafe(`CREATE TABLE framewire_schema_version (
          one boolean PRIMARY KEY DEFAULT true CHECK (one),
          version integer NOT NULL,
          migrated_at bigint NOT NULL
        )`);
        await tx`INSERT INTO framewire_schema_version VALUES (true, 1, 0)`;
        await tx`INSERT INTO chats (kind, name, created_at, created_by)
          VALUES ('room', 'legacy', 0, 'alice')`;
      });
      await using store = await PostgresChatStore.connect(db.url, fast);
      assert.equal(await store.roomsCreatedBy("alice"), 1);
      const [row] = await raw`SELECT version FROM framewire_schema_version`;
      assert.equal(row.version, 2);
      const digest = new Uint8Array(32).fill(7);
      await store.addResumeToken("alice", digest, 200, 100, 3);
      assert.equal(await store.takeResumeToken("bob", digest, 150), false);
      assert.equal(await store.takeResumeToken("alice", digest, 150), true);
    } finally {
      await raw.end();
    }
  });
});

test("rejects with ChatStoreUnavailableError while PostgreSQL is down, and serves again once it is back", async () => {
  await withDatabase(async (db, pg) => {
    const queryTimeoutMs = 1000;
    await using store = await PostgresChatStore.connect(db.url, {
      queryTimeoutMs,
      connectTimeoutMs: 1000,
      maxConnections: 4,
    });
    const room = await store.createRoom("r");
    const append = (clientId: string) =>
      store.append({ chatId: room.id, sender: "a", clientId, text: "x" });
    assert.equal((await append("before")).seq, 1);
    await pg.kill();
    try {
      for (
        const operation of [
          () => append("during"),
          () => store.ping(),
          () => store.lastSeq(room.id),
          () => store.userChats("a"),
        ]
      ) {
        const started = performance.now();
        await assert.rejects(operation(), ChatStoreUnavailableError);
        // Bounded by the query timeout (generously: a loaded machine).
        assert.ok(performance.now() - started < queryTimeoutMs + 3000);
      }
    } finally {
      await pg.start();
    }
    // The pool reconnects by itself.
    await store.ping();
    const after = await append("after");
    assert.deepEqual([after.seq, after.duplicate], [2, false]);
    assert.deepEqual(
      (await store.lastMessages(room.id, 10)).map((m) => m.clientId),
      ["before", "after"],
    );
  });
});

test("rejects within queryTimeoutMs when PostgreSQL hangs, and answers again when it wakes", async () => {
  await withDatabase(async (db, pg) => {
    await using store = await PostgresChatStore.connect(db.url, {
      queryTimeoutMs: 300,
      connectTimeoutMs: 300,
    });
    const room = await store.createRoom("r");
    await pg.pause();
    try {
      await assert.rejects(store.ping(), {
        name: "ChatStoreUnavailableError",
        message: "Cannot reach the chat store: no answer within 300 ms",
      });
      await assert.rejects(
        store.append({
          chatId: room.id,
          sender: "a",
          clientId: "1",
          text: "x",
        }),
        ChatStoreUnavailableError,
      );
    } finally {
      await pg.resume();
    }
    await store.ping();
    // The append that timed out may have committed after all: a retry with
    // the same id gets it back instead of storing it twice.
    const retried = await store.append({
      chatId: room.id,
      sender: "a",
      clientId: "1",
      text: "x",
    });
    assert.equal(retried.seq, 1);
    assert.equal(await store.lastSeq(room.id), 1);
  });
});

// Last in the file: tests run in order, so the server outlives them all.
Deno.test({
  name: "PostgresChatStore tests stop their PostgreSQL server",
  ignore,
  async fn() {
    if (server !== undefined) await (await server).stop();
  },
});
