// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  checkChatBackendFlags,
  isPostgresUrl,
  openChatBackends,
} from "../../cli/_chat_backends.ts";
import { main } from "../../cli/server.ts";

Deno.test("--db is PostgreSQL for postgres:// and postgresql:// URLs, a SQLite path otherwise", () => {
  assert.equal(isPostgresUrl("postgres://u@127.0.0.1:5432/chat"), true);
  assert.equal(isPostgresUrl("POSTGRESQL://u@h/db"), true);
  assert.equal(isPostgresUrl("data/chat.db"), false);
  assert.equal(isPostgresUrl("./postgres://x"), false);
});

Deno.test("--cluster without a PostgreSQL --db is refused with the reason", () => {
  assert.throws(
    () =>
      checkChatBackendFlags({
        db: "chat.db",
        cluster: "nats://127.0.0.1:4222",
        nodeId: undefined,
      }),
    /--cluster needs a PostgreSQL --db \(postgres:\/\/USER@HOST:PORT\/DB\)/,
  );
  assert.throws(
    () =>
      checkChatBackendFlags({
        db: "postgres://u@127.0.0.1/chat",
        cluster: "http://127.0.0.1:4222",
        nodeId: undefined,
      }),
    /invalid --cluster "http:\/\/127.0.0.1:4222": expected nats:\/\/HOST:PORT/,
  );
  checkChatBackendFlags({
    db: "postgres://u@127.0.0.1/chat",
    cluster: "nats://127.0.0.1:4222",
    nodeId: "n1",
  });
});

Deno.test("a SQLite --db opens nothing here: the chat server opens its file", async () => {
  const backends = await openChatBackends({
    db: "chat.db",
    cluster: undefined,
    nodeId: undefined,
  });
  assert.equal(backends.store, undefined);
  assert.equal(backends.bus, undefined);
  await backends.close();
});

Deno.test("cli/server.ts exits 1 on --cluster with a SQLite --db, before creating the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "framewire_cluster_flags_" });
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void errors.push(args.join(" "));
  try {
    const code = await main([
      "--port",
      "0",
      "--db",
      `${dir}/chat.db`,
      "--cluster",
      "nats://127.0.0.1:4222",
    ]);
    assert.equal(code, 1);
    assert.match(errors.join("\n"), /--cluster needs a PostgreSQL --db/);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    console.error = original;
    await Deno.remove(dir, { recursive: true });
  }
});
