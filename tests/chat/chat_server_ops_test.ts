// Copyright 2026 the framewire authors. MIT license.
// ChatServer's operations surface: health() and registerMetrics(). (Kept
// apart from chat_server_test.ts while issue 11 is merged; same source.)
import assert from "node:assert/strict";
import {
  type ChatBus,
  ChatServer,
  type ChatStore,
  ChatStoreUnavailableError,
  InProcessChatBus,
  SqliteChatStore,
} from "../../chat/mod.ts";
import { MetricsRegistry } from "../../mod.ts";
import { nextEvents, register, withChat } from "./_chat_utils.ts";

/** `target` with some members replaced, its methods bound to it. */
function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) {
        return (overrides as Record<PropertyKey, unknown>)[property];
      }
      const value = Reflect.get(object, property, object);
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}

async function withStore(
  fn: (store: SqliteChatStore) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "framewire_ops_" });
  const store = new SqliteChatStore(`${dir}/chat.db`);
  try {
    await fn(store);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("ChatServer.health is ready when the store answers ping and the bus is connected", async () => {
  await withChat(async ({ chat }) => {
    assert.deepEqual(await chat.health(), {
      ready: true,
      checks: { store: "ok", bus: "ok" },
    });
  });
});

Deno.test("ChatServer.health is not ready when the store's ping rejects, with its reason", async () => {
  await withStore(async (real) => {
    const store = overriding<ChatStore>(real, {
      ping: () =>
        Promise.reject(
          new ChatStoreUnavailableError("connection refused\nby the host"),
        ),
    });
    await using chat = new ChatServer({ store, logger: null });
    const health = await chat.health();
    assert.equal(health.ready, false);
    assert.equal(health.checks.bus, "ok");
    assert.match(health.checks.store, /connection refused by the host/);
    assert.doesNotMatch(health.checks.store, /\n/);
  });
});

Deno.test("ChatServer.health gives up on a store that does not answer within timeoutMs", async () => {
  await withStore(async (real) => {
    const store = overriding<ChatStore>(real, {
      ping: () => new Promise<void>(() => {}), // hangs, holds no timer
    });
    await using chat = new ChatServer({ store, logger: null });
    const started = performance.now();
    const health = await chat.health({ timeoutMs: 50 });
    assert.deepEqual(health, {
      ready: false,
      checks: { store: "no answer in 50 ms", bus: "ok" },
    });
    assert.ok(performance.now() - started < 1000);
    await assert.rejects(() => chat.health({ timeoutMs: 0 }), RangeError);
  });
});

Deno.test("ChatServer.health is not ready when the bus is not connected", async () => {
  await withStore(async (store) => {
    const real = new InProcessChatBus();
    const bus = overriding<ChatBus>(real, { connected: false });
    try {
      await using chat = new ChatServer({ store, bus, logger: null });
      assert.deepEqual(await chat.health(), {
        ready: false,
        checks: { store: "ok", bus: "not connected" },
      });
    } finally {
      await real.close();
    }
  });
});

Deno.test("ChatServer.health is not ready once the server is closing", async () => {
  await withStore(async (store) => {
    const chat = new ChatServer({ store, logger: null });
    await chat.close();
    assert.deepEqual(await chat.health(), {
      ready: false,
      checks: { chat: "closed" },
    });
  });
});

Deno.test("ChatServer.registerMetrics counts a stored and delivered message, and the sessions", async () => {
  await withChat(async (harness) => {
    const metrics = new MetricsRegistry();
    harness.chat.registerMetrics(metrics);
    await register(harness, "alice", "bob");
    await using bob = await harness.login("bob");
    await using alice = await harness.login("alice");
    assert.equal(await bob.openChat("@alice"), 0);
    await alice.send("@bob", "one");
    await alice.send("@bob", "two");
    const events = await nextEvents(bob, 2);
    assert.deepEqual(
      events.map((event) => event.type === "message" && event.message.text),
      ["one", "two"],
    );
    const lines = metrics.render().split("\n");
    const sample = (name: string) =>
      lines.find((line) => line.startsWith(`${name} `));
    assert.equal(
      sample("framewire_chat_messages_stored_total"),
      "framewire_chat_messages_stored_total 2",
    );
    assert.equal(
      sample("framewire_chat_messages_delivered_total"),
      "framewire_chat_messages_delivered_total 2",
    );
    assert.equal(
      sample("framewire_chat_store_append_seconds_count"),
      "framewire_chat_store_append_seconds_count 2",
    );
    assert.equal(
      sample("framewire_chat_bus_lag_seconds_count"),
      "framewire_chat_bus_lag_seconds_count 2",
    );
    assert.equal(
      sample("framewire_chat_gaps_repaired_total"),
      "framewire_chat_gaps_repaired_total 0",
    );
    assert.equal(
      sample("framewire_chat_users_online"),
      "framewire_chat_users_online 2",
    );
    assert.equal(
      sample("framewire_chat_sessions"),
      "framewire_chat_sessions 2",
    );
    assert.throws(() => harness.chat.registerMetrics(metrics), TypeError);
  });
});
