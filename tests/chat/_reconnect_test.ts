// Copyright 2026 the framewire authors. MIT license.
// Client failover through ChatClient with `addresses` / `reconnect`: real
// chat nodes on loopback (one store, one bus), a proxy that dies like a
// killed node in front of the first one.
import assert from "node:assert/strict";
import {
  ChatAdminClient,
  ChatClient,
  type ChatClientOptions,
  type ChatError,
  type ChatEvent,
  ChatUnreachableError,
} from "../../chat/mod.ts";
import { nextMessages, PASSWORD, within } from "./_chat_utils.ts";
import { deadAddress, NodeProxy, withNodes } from "./_chat_nodes.ts";
import { HANG_BOUND_MS } from "../_utils.ts";

// Short waits, so that a failing test fails in well under a second.
const FAST = {
  initialDelayMs: 10,
  maxDelayMs: 50,
  maxReconnectMs: 2000,
  connectTimeoutMs: 1000,
  loginTimeoutMs: 2000,
};

function login(
  user: string,
  addresses: string[],
  extra: Partial<ChatClientOptions> = {},
): Promise<ChatClient> {
  return ChatClient.connect({
    addresses,
    user,
    password: PASSWORD,
    reconnect: FAST,
    ...extra,
  } as ChatClientOptions);
}

/** Events until one matches `until` (included), within a deadline. */
async function eventsUntil(
  client: ChatClient,
  until: (event: ChatEvent) => boolean,
  ms = 5000,
): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  await within(
    ms,
    (async () => {
      while (true) {
        const event = await client.nextEvent();
        if (event === undefined) throw new Error("The client ended");
        events.push(event);
        if (until(event)) return;
      }
    })(),
    "an event",
  );
  return events;
}

Deno.test("ChatClient with addresses fails over to the next node and logs in again", async () => {
  await withNodes(2, async ([a, b]) => {
    await using proxy = new NodeProxy(a.port);
    await using alice = await login("alice", [
      proxy.address,
      `127.0.0.1:${b.port}`,
    ]);
    assert.deepEqual(a.chat.onlineUsers, ["alice"]);
    await proxy.kill();
    const events = await eventsUntil(alice, (e) => e.type === "reconnected");
    assert.deepEqual(events.map((event) => event.type), [
      "reconnecting",
      "reconnected",
    ]);
    const [reconnecting, reconnected] = events;
    assert.ok(reconnecting.type === "reconnecting");
    assert.equal(reconnecting.attempt, 1);
    assert.equal(reconnecting.address, `127.0.0.1:${b.port}`);
    assert.equal((reconnecting.error as ChatError).code, "CONNECTION_CLOSED");
    assert.ok(reconnected.type === "reconnected");
    assert.equal(reconnected.address, `127.0.0.1:${b.port}`);
    assert.deepEqual(await alice.who(), ["alice"]);
    assert.deepEqual(b.chat.onlineUsers, ["alice"]);
    assert.equal(alice.closed, false);
  });
});

Deno.test("ChatClient logged in by resume token logs in again after a failover with the newest token", async () => {
  await withNodes(2, async ([a, b]) => {
    let token: string;
    {
      await using first = await login("alice", [`127.0.0.1:${b.port}`], {
        remember: true,
      });
      token = first.resume!;
    }
    await using proxy = new NodeProxy(a.port);
    await using alice = await login(
      "alice",
      [proxy.address, `127.0.0.1:${b.port}`],
      { password: undefined, resume: token },
    );
    const second = alice.resume!;
    assert.notEqual(second, token);
    await proxy.kill();
    // The spent token would get AUTH_FAILED and end the client.
    const events = await eventsUntil(alice, (e) => e.type === "reconnected");
    assert.equal(events.at(-1)?.type, "reconnected");
    assert.notEqual(alice.resume, second);
    assert.notEqual(alice.resume, undefined);
    assert.deepEqual(b.chat.onlineUsers, ["alice"]);
  });
});

Deno.test("ChatClient resends a send whose ack died with the node: stored once, acked once, shown once", async () => {
  await withNodes(2, async ([a, b]) => {
    await using bob = await login("bob", [`127.0.0.1:${b.port}`]);
    await using proxy = new NodeProxy(a.port);
    await using alice = await login("alice", [
      proxy.address,
      `127.0.0.1:${b.port}`,
    ]);
    await bob.openChat("@alice");
    // The node stores the message, then dies before its ack gets out.
    proxy.dropDown = true;
    const sending = alice.send("@bob", "once", { id: "m-1" });
    const [stored] = await nextMessages(bob, 1);
    assert.deepEqual([stored.seq, stored.text], [1, "once"]);
    await proxy.kill();
    const ack = await within(5000, sending, "the ack");
    assert.deepEqual([ack.seq, ack.duplicate], [1, true]);
    // Stored once; the next message is seq 2 and bob sees it next.
    assert.equal((await alice.send("@bob", "after")).seq, 2);
    const [next] = await nextMessages(bob, 1);
    assert.deepEqual([next.seq, next.text], [2, "after"]);
    const { messages } = await bob.history("@alice");
    assert.deepEqual(messages.map((m) => m.text), ["once", "after"]);
  });
});

Deno.test("ChatClient sends lost, in flight and issued during the outage once each, in their original order", async () => {
  await withNodes(2, async ([a, b]) => {
    await using bob = await login("bob", [`127.0.0.1:${b.port}`]);
    await using proxy = new NodeProxy(a.port);
    // The second node accepts but holds the login until we open it.
    await using slow = new NodeProxy(b.port, false);
    await using alice = await login("alice", [proxy.address, slow.address]);
    slow.open();
    await bob.openChat("@alice");
    await alice.send("@bob", "m0");
    proxy.dropUp = true; // m1 and m2 never reach the node.
    const sends = [alice.send("@bob", "m1"), alice.send("@bob", "m2")];
    await proxy.kill();
    // Issued while reconnecting: they wait, then go out after m1 and m2.
    sends.push(alice.send("@bob", "m3"), alice.send("@bob", "m4"));
    const acks = await within(5000, Promise.all(sends), "the acks");
    assert.deepEqual(acks.map((ack) => ack.seq), [2, 3, 4, 5]);
    assert.deepEqual(acks.map((ack) => ack.duplicate), [
      false,
      false,
      false,
      false,
    ]);
    const messages = await nextMessages(bob, 5);
    assert.deepEqual(messages.map((m) => [m.seq, m.text]), [
      [1, "m0"],
      [2, "m1"],
      [3, "m2"],
      [4, "m3"],
      [5, "m4"],
    ]);
  });
});

Deno.test("ChatClient re-opens its chats after a failover: what arrived meanwhile comes once, in seq order", async () => {
  await withNodes(2, async ([a, b]) => {
    await using bob = await login("bob", [`127.0.0.1:${b.port}`]);
    await using proxy = new NodeProxy(a.port);
    await using gated = new NodeProxy(b.port, false);
    await using alice = await login("alice", [proxy.address, gated.address], {
      reconnect: { ...FAST, loginTimeoutMs: 5000 },
    });
    // (The first login waited for nothing: the first address answered.)
    await alice.openChat("@bob");
    await bob.send("@alice", "before");
    const [before] = await nextMessages(alice, 1);
    assert.equal(before.text, "before");
    // alice's `read` of "before" may die with the node: it must not come
    // again.
    await proxy.kill();
    await eventsUntil(alice, (event) => event.type === "reconnecting");
    for (const text of ["away 1", "away 2", "away 3"]) {
      await bob.send("@alice", text);
    }
    gated.open();
    const events = await eventsUntil(
      alice,
      (event) => event.type === "message" && event.message.text === "away 3",
    );
    const shown = events.flatMap((event) =>
      event.type === "message" ? [[event.message.seq, event.message.text]] : []
    );
    assert.deepEqual(shown, [[2, "away 1"], [3, "away 2"], [4, "away 3"]]);
    assert.ok(events.some((event) => event.type === "reconnected"));
    // Live again: the next message is pushed, once.
    await bob.send("@alice", "live");
    const [live] = await nextMessages(alice, 1);
    assert.deepEqual([live.seq, live.text], [5, "live"]);
  });
});

Deno.test("ChatClient does not reconnect after SESSION_REPLACED: the error reaches the program and the client ends", async () => {
  await withNodes(2, async ([a, b]) => {
    const addresses = [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`];
    await using first = await login("alice", addresses);
    await using second = await login("alice", [`127.0.0.1:${b.port}`]);
    const event = await within(HANG_BOUND_MS, first.nextEvent(), "an event");
    assert.ok(event?.type === "error");
    assert.equal(event.error.code, "SESSION_REPLACED");
    assert.equal(
      await within(HANG_BOUND_MS, first.nextEvent(), "the end"),
      undefined,
    );
    assert.equal(first.closed, true);
    await assert.rejects(first.who(), { code: "SESSION_REPLACED" });
    // Well past a few backoff delays: the second session is untouched.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(await second.who(), ["alice"]);
    assert.equal(second.closed, false);
  });
});

Deno.test("the operator's revoke on one node closes the user's session on another, and the client does not reconnect", async () => {
  await withNodes(2, async ([a, b]) => {
    const addresses = [`127.0.0.1:${b.port}`, `127.0.0.1:${a.port}`];
    await using alice = await login("alice", addresses, { remember: true });
    const token = alice.resume!;
    await using bob = await login("bob", [`127.0.0.1:${b.port}`]);
    await using admin = await ChatAdminClient.connect({
      port: a.port,
      token: "t0ken",
    });
    assert.equal(await admin.revoke("alice"), 1);
    const event = await within(HANG_BOUND_MS, alice.nextEvent(), "an event");
    assert.ok(event?.type === "error");
    assert.equal(event.error.code, "SESSION_REVOKED");
    assert.equal(
      await within(HANG_BOUND_MS, alice.nextEvent(), "the end"),
      undefined,
    );
    assert.equal(alice.closed, true);
    await assert.rejects(
      ChatClient.connect({ port: b.port, user: "alice", resume: token }),
      { code: "AUTH_FAILED" },
    );
    // Past a few backoff delays: alice stayed out, bob was not touched.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(await bob.who(), ["bob"]);
  });
});

Deno.test("ChatClient with addresses fails with ChatUnreachableError when no address answers", async () => {
  const addresses = [deadAddress(), deadAddress()];
  const error = await login("alice", addresses).then(
    () => assert.fail("connected to nothing"),
    (error) => error,
  );
  assert.ok(error instanceof ChatUnreachableError);
  assert.equal(error.code, "UNREACHABLE");
  assert.equal(error.attempts, 2);
  assert.deepEqual(error.addresses, addresses);
  assert.ok(error.cause instanceof Deno.errors.ConnectionRefused);
});

Deno.test("ChatClient gives up reconnecting after maxReconnectMs with UNREACHABLE, failing what waited", async () => {
  await withNodes(1, async ([a]) => {
    await using proxy = new NodeProxy(a.port);
    await using alice = await login("alice", [proxy.address], {
      reconnect: { ...FAST, maxReconnectMs: 300 },
    });
    await proxy.kill();
    const started = performance.now();
    const waiting = alice.send("#nowhere", "lost").catch((error) => error);
    const events = await eventsUntil(alice, (event) => event.type === "error");
    const elapsed = performance.now() - started;
    const last = events.at(-1)!;
    assert.ok(last.type === "error");
    assert.ok(last.error instanceof ChatUnreachableError);
    assert.ok(last.error.attempts >= 2, `${last.error.attempts} attempts`);
    assert.ok(
      events.slice(0, -1).every((event) => event.type === "reconnecting"),
    );
    assert.ok(elapsed < 2000, `gave up after ${elapsed} ms`);
    assert.equal((await waiting).code, "UNREACHABLE");
    assert.equal(await alice.nextEvent(), undefined);
    assert.equal(alice.closed, true);
  });
});

Deno.test("ChatClient reconnects after its node shuts down, without showing SHUTTING_DOWN", async () => {
  await withNodes(2, async ([a, b]) => {
    await using alice = await login("alice", [
      `127.0.0.1:${a.port}`,
      `127.0.0.1:${b.port}`,
    ]);
    await a.server.shutdown({ timeoutMs: 0 });
    const events = await eventsUntil(alice, (e) => e.type === "reconnected");
    assert.deepEqual(events.map((event) => event.type), [
      "reconnecting",
      "reconnected",
    ]);
    const [reconnecting] = events;
    assert.ok(reconnecting.type === "reconnecting");
    assert.equal((reconnecting.error as ChatError).code, "SHUTTING_DOWN");
    assert.deepEqual(await alice.who(), ["alice"]);
  });
});

Deno.test("ChatClient with one server and reconnect off ends with its connection, as before", async () => {
  await withNodes(1, async ([a]) => {
    await using proxy = new NodeProxy(a.port);
    await using alice = await ChatClient.connect({
      port: proxy.port,
      user: "alice",
      password: PASSWORD,
    });
    await proxy.kill();
    assert.equal(
      await within(HANG_BOUND_MS, alice.nextEvent(), "the end"),
      undefined,
    );
    await assert.rejects(alice.who(), { code: "CONNECTION_CLOSED" });
  });
});

Deno.test("ChatClient refuses bad addresses and reconnect options before connecting", async () => {
  await assert.rejects(login("alice", []), TypeError);
  await assert.rejects(login("alice", ["nowhere"]), {
    name: "TypeError",
    message: 'Cannot use address "nowhere": expected HOST:PORT',
  });
  await assert.rejects(
    login("alice", ["127.0.0.1:1"], { reconnect: { maxDelayMs: -1 } }),
    RangeError,
  );
});
