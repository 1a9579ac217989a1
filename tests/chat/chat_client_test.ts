// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  errorFrame,
  type Frame,
  type FramedConn,
  FrameType,
  listen,
} from "../../mod.ts";
import {
  ChatAdminClient,
  ChatClient,
  type ChatClientOptions,
  ChatError,
  type ChatEvent,
} from "../../chat/mod.ts";
import { HANG_BOUND_MS } from "../_utils.ts";
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

// --- Bounded waits -----------------------------------------------------------

/**
 * A chat server stand-in on loopback that reads the login and answers it
 * (or not) with `answer`; the connection is held open until the test ends.
 */
async function withFakeServer(
  answer: (login: Record<string, unknown>) => Frame[],
  fn: (port: number) => Promise<void>,
  afterLogin: (conn: FramedConn) => Promise<void> = async () => {},
): Promise<void> {
  using listener = listen({ port: 0 });
  const served = (async () => {
    using conn = await listener.accept();
    const login = decode((await conn.receive())!);
    for (const frame of answer(login)) await conn.send(frame);
    await afterLogin(conn);
    // Hold the connection until the client closes it.
    while ((await conn.receive()) !== null) { /* drop */ }
  })();
  try {
    await fn(listener.addr.port);
  } finally {
    await within(HANG_BOUND_MS, served.catch(() => {}), "the fake server");
  }
}

function welcome(login: Record<string, unknown>): Frame {
  return {
    type: FrameType.Chat,
    payload: new TextEncoder().encode(JSON.stringify({
      op: "welcome",
      id: login.id,
      user: login.user,
      registered: false,
      admin: false,
      unread: {},
    })),
  };
}

Deno.test("ChatClient.connect fails with the server's code when an Error frame without an id answers the login", async () => {
  await withFakeServer(
    () => [errorFrame("INTERNAL_ERROR", "Cannot log in: the store failed")],
    async (port) => {
      const error = await within(
        HANG_BOUND_MS,
        ChatClient.connect({ port, user: "alice", password: PASSWORD })
          .then(() => assert.fail("the login succeeded"), (error) => error),
        "the refused login",
      );
      assert.ok(error instanceof ChatError);
      assert.equal(error.code, "INTERNAL_ERROR");
    },
  );
});

Deno.test("ChatClient.connect fails with TIMED_OUT after loginTimeoutMs when the login gets no answer", async () => {
  await withFakeServer(() => [], async (port) => {
    const error = await within(
      HANG_BOUND_MS,
      ChatClient.connect({
        port,
        user: "alice",
        password: PASSWORD,
        loginTimeoutMs: 50,
      }).then(() => assert.fail("the login succeeded"), (error) => error),
      "the unanswered login",
    );
    assert.ok(error instanceof ChatError);
    assert.equal(error.code, "TIMED_OUT");
    assert.match(error.message, /login.*50 ms/);
  });
});

Deno.test("ChatClient commands fail with TIMED_OUT after requestTimeoutMs and the connection stays usable", async () => {
  await withFakeServer(
    (login) => [welcome(login)],
    async (port) => {
      await using client = await ChatClient.connect({
        port,
        user: "alice",
        password: PASSWORD,
        requestTimeoutMs: 50,
      });
      const error = await within(
        HANG_BOUND_MS,
        client.history("@bob").then(
          () => assert.fail("history was answered"),
          (error) => error,
        ),
        "the unanswered history",
      );
      assert.ok(error instanceof ChatError);
      assert.equal(error.code, "TIMED_OUT");
      assert.equal(client.closed, false);
    },
  );
});

Deno.test("ChatClient commands pending together each time out on their own, and an answered one does not", async () => {
  await withFakeServer(
    (login) => [welcome(login)],
    async (port) => {
      await using client = await ChatClient.connect({
        port,
        user: "alice",
        password: PASSWORD,
        requestTimeoutMs: 100,
      });
      const settled = (promise: Promise<unknown>) =>
        promise.then((value) => ({ value }), (error) => ({ error }));
      // The fake server answers only the send with id "answered".
      const [first, answered, last] = await within(
        HANG_BOUND_MS,
        Promise.all([
          settled(client.send("@bob", "one", { id: "lost-1" })),
          settled(client.send("@bob", "two", { id: "answered" })),
          settled(client.send("@bob", "three", { id: "lost-2" })),
        ]),
        "the three sends",
      );
      assert.deepEqual(answered, {
        value: { chat: "@bob", mid: 7, seq: 1, ts: 0, duplicate: false },
      });
      for (const [outcome, id] of [[first, "lost-1"], [last, "lost-2"]]) {
        const error = (outcome as { error?: unknown }).error;
        assert.ok(error instanceof ChatError, `${id}: ${error}`);
        assert.equal(error.code, "TIMED_OUT");
        assert.equal(error.id, id);
      }
      // Nothing pending now; a later command gets its own deadline.
      const later = await within(
        HANG_BOUND_MS,
        settled(client.send("@bob", "four", { id: "lost-3" })),
        "the later send",
      );
      assert.equal((later as { error?: ChatError }).error?.code, "TIMED_OUT");
      assert.equal(client.closed, false);
    },
    async (conn) => {
      for (let seen = 0; seen < 3; seen++) {
        const command = decode((await conn.receive())!);
        if (command.id !== "answered") continue;
        await conn.send({
          type: FrameType.Chat,
          payload: new TextEncoder().encode(JSON.stringify({
            op: "ack",
            id: "answered",
            chat: "@bob",
            mid: 7,
            seq: 1,
            ts: 0,
          })),
        });
      }
    },
  );
});

Deno.test("ChatAdminClient.connect fails with TIMED_OUT after loginTimeoutMs when the login gets no answer", async () => {
  await withFakeServer(() => [], async (port) => {
    const error = await within(
      HANG_BOUND_MS,
      ChatAdminClient.connect({ port, token: "t0ken", loginTimeoutMs: 50 })
        .then(() => assert.fail("the login succeeded"), (error) => error),
      "the unanswered admin login",
    );
    assert.ok(error instanceof ChatError);
    assert.equal(error.code, "TIMED_OUT");
  });
});

Deno.test("ChatClient.connect under connectTimeoutMs still reports a refused connect as ConnectionRefused", async () => {
  const error = await within(
    HANG_BOUND_MS,
    ChatClient.connect({
      port: freePort(),
      user: "alice",
      password: PASSWORD,
      connectTimeoutMs: 1000,
    }).then(() => assert.fail("connected"), (error) => error),
    "the refused connect",
  );
  assert.ok(error instanceof Deno.errors.ConnectionRefused);
});

Deno.test("ChatClient options refuse a negative or non-numeric timeout before connecting", async () => {
  for (
    const key of ["connectTimeoutMs", "loginTimeoutMs", "requestTimeoutMs"]
  ) {
    await assert.rejects(
      ChatClient.connect({
        port: 1,
        user: "alice",
        password: PASSWORD,
        [key]: -1,
      }),
      RangeError,
      key,
    );
    await assert.rejects(
      ChatClient.connect({
        port: 1,
        user: "alice",
        password: PASSWORD,
        [key]: "5",
      } as unknown as ChatClientOptions),
      TypeError,
      key,
    );
  }
});

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}
