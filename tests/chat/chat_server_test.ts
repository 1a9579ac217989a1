// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { FrameRouter, FrameType, serve } from "../../mod.ts";
import {
  ChatClient,
  ChatError,
  ChatServer,
  InProcessChatBus,
  SqliteChatStore,
} from "../../chat/mod.ts";
import {
  decode,
  exchange,
  nextEvents,
  nextMessages,
  PASSWORD,
  rawConnection,
  register,
  TEST_ITERATIONS,
  withChat,
  within,
} from "./_chat_utils.ts";
import { HANG_BOUND_MS } from "../_utils.ts";

const texts = (messages: { text: string }[]) => messages.map((m) => m.text);

Deno.test("ChatServer delivers between online users at once and keeps an offline user's messages until the chat is opened", async () => {
  await withChat(async (harness) => {
    await register(harness, "carol");
    await using alice = await harness.login("alice");
    await using bob = await harness.login("bob");
    assert.equal(alice.welcome.registered, true);
    await alice.openChat("@bob");
    await bob.openChat("@alice");

    const ack = await alice.send("@bob", "hi bob");
    assert.deepEqual([ack.chat, ack.seq, ack.duplicate], ["@bob", 1, false]);
    const [received] = await nextMessages(bob, 1);
    assert.deepEqual(
      [received.chat, received.seq, received.from, received.text],
      ["@alice", 1, "alice", "hi bob"],
    );
    await bob.send("@alice", "hi alice");
    assert.deepEqual(texts(await nextMessages(alice, 1)), ["hi alice"]);

    // carol is offline: stored, acknowledged, delivered later.
    assert.equal((await alice.send("@carol", "one")).seq, 1);
    assert.equal((await alice.send("@carol", "two")).seq, 2);
    assert.equal((await bob.send("@carol", "from bob")).seq, 1);

    const carol = await harness.login("carol");
    try {
      assert.equal(carol.welcome.registered, false);
      assert.deepEqual(carol.welcome.unread, { "@alice": 2, "@bob": 1 });
      assert.equal(await carol.openChat("@alice"), 2);
      const stored = await nextMessages(carol, 2);
      assert.deepEqual(texts(stored), ["one", "two"]);
      assert.deepEqual(stored.map((m) => m.seq), [1, 2]);
      // Live now that the chat is open; nothing came in between.
      await alice.send("@carol", "three");
      assert.deepEqual(texts(await nextMessages(carol, 1)), ["three"]);
      // Not open: only a notice.
      await bob.send("@carol", "again");
      assert.deepEqual(await nextEvents(carol, 1), [
        { type: "unread", chat: "@bob", count: 2 },
      ]);
      assert.equal(await carol.openChat("@bob"), 2);
      assert.deepEqual(texts(await nextMessages(carol, 2)), [
        "from bob",
        "again",
      ]);
    } finally {
      await carol.close();
    }
    // carol's clean close committed her reads: nothing is unread or re-sent.
    await using again = await harness.login("carol");
    assert.deepEqual(again.welcome.unread, {});
    assert.equal(await again.openChat("@alice"), 0);
    assert.equal(await again.openChat("@bob"), 0);
  });
});

Deno.test("ChatServer room of 20: every online member gets each message once, in the room's order", async () => {
  await withChat(async (harness) => {
    const names = Array.from({ length: 20 }, (_, i) => `m${i}`);
    const clients = await Promise.all(names.map((name) => harness.login(name)));
    try {
      for (const client of clients) await client.join("#crowd");
      await Promise.all(clients.map((client) => client.openChat("#crowd")));
      assert.deepEqual(
        (await clients[0].members("#crowd")).map((m) => m.user),
        [...names].sort(),
      );
      // Five senders, three messages each, all at once.
      const senders = clients.slice(0, 5);
      const acks = await Promise.all(
        senders.flatMap((client) =>
          [0, 1, 2].map((n) => client.send("#crowd", `${client.user}:${n}`))
        ),
      );
      const seqs = acks.map((ack) => ack.seq).sort((a, b) => a - b);
      assert.deepEqual(seqs, Array.from({ length: 15 }, (_, i) => i + 1));
      const bySeq = new Map<number, string>();
      acks.forEach((ack, i) =>
        bySeq.set(ack.seq, `${senders[Math.floor(i / 3)].user}:${i % 3}`)
      );
      for (const client of clients) {
        const own = senders.includes(client) ? 3 : 0;
        const messages = await nextMessages(client, 15 - own);
        // Exactly the others' messages, each once, in seq order.
        const expected = [...bySeq.entries()]
          .sort(([a], [b]) => a - b)
          .filter(([, text]) => !text.startsWith(`${client.user}:`))
          .map(([seq, text]) => ({ seq, text }));
        assert.deepEqual(
          messages.map(({ seq, text }) => ({ seq, text })),
          expected,
        );
        assert.equal(client.duplicatesDropped, 0);
      }
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});

Deno.test("ChatServer keeps accounts and offline messages across a restart", async () => {
  await withChat(async (harness) => {
    await register(harness, "bob");
    {
      await using alice = await harness.login("alice");
      await alice.join("#ops");
      for (const text of ["a", "b", "c"]) await alice.send("@bob", text);
    }
    await harness.restart();
    await assert.rejects(harness.login("bob", "not the password"), {
      code: "AUTH_FAILED",
    });
    await using bob = await harness.login("bob");
    assert.equal(bob.welcome.registered, false);
    assert.deepEqual(bob.welcome.unread, { "@alice": 3 });
    await bob.openChat("@alice");
    const messages = await nextMessages(bob, 3);
    assert.deepEqual(texts(messages), ["a", "b", "c"]);
    assert.deepEqual(messages.map((m) => m.seq), [1, 2, 3]);
    // The room survived too; seq numbering continues where it was.
    assert.deepEqual(await bob.join("#ops"), {
      created: false,
      members: ["alice", "bob"],
    });
    await using alice = await harness.login("alice");
    assert.equal((await alice.send("@bob", "d")).seq, 4);
  });
});

Deno.test("ChatServer refuses a wrong password and a name hijack, and keeps the real user's session", async () => {
  await withChat(async (harness) => {
    await using alice = await harness.login("alice");
    await using bob = await harness.login("bob");
    await alice.openChat("@bob");
    const error = await harness.login("alice", "guessed-password").then(
      () => assert.fail("the hijack logged in"),
      (error) => error as ChatError,
    );
    assert.ok(error instanceof ChatError);
    assert.equal(error.code, "AUTH_FAILED");
    assert.equal(error.message, 'Cannot log in as "alice": wrong credentials');
    // The real alice is still connected and still gets her messages.
    await bob.send("@alice", "still there?");
    assert.deepEqual(texts(await nextMessages(alice, 1)), ["still there?"]);
    assert.ok(
      harness.log.some((event) =>
        event.event === "chat_login_failed" &&
        event.message.includes('"alice"') &&
        !event.message.includes("guessed-password")
      ),
    );
  });
});

Deno.test("ChatServer closes a connection after its third failed login", async () => {
  await withChat(async (harness) => {
    await register(harness, "alice");
    using raw = await rawConnection(harness);
    const login = (id: string) =>
      JSON.stringify({
        type: "chat",
        user: "alice",
        password: "wrong-one",
        id,
      });
    for (const id of ["1", "2"]) {
      const reply = decode(
        await exchange(raw, FrameType.ClientType, login(id)),
      );
      assert.deepEqual([reply.error, reply.id], ["AUTH_FAILED", id]);
    }
    const last = decode(await exchange(raw, FrameType.ClientType, login("3")));
    assert.deepEqual(last, {
      error: "AUTH_FAILED",
      code: "AUTH_FAILED",
      message:
        'Cannot log in as "alice": wrong credentials (3 failures, closing)',
      id: "3",
    });
    assert.equal(await within(5000, raw.receive(), "the close"), null);
  });
});

Deno.test("ChatServer refuses logins and commands that break the rules", async () => {
  await withChat(async (harness) => {
    const cases: [string, string, () => Promise<unknown>][] = [
      ["WEAK_PASSWORD", "short password", () => harness.login("dave", "short")],
      ["INVALID_NAME", "uppercase name", () => harness.login("Dave")],
      ["INVALID_NAME", "reserved name", () => harness.login("admin")],
    ];
    for (const [code, what, attempt] of cases) {
      await assert.rejects(attempt(), { code }, what);
    }
    // Nothing was registered by the refused attempts.
    assert.equal(await harness.chat.store.userCount(), 0);

    using raw = await rawConnection(harness);
    const before = decode(
      await exchange(raw, 0, '{"op":"chats","id":"early"}'),
    );
    assert.deepEqual([before.error, before.id], ["NOT_LOGGED_IN", "early"]);
    const welcome = decode(
      await exchange(
        raw,
        FrameType.ClientType,
        JSON.stringify({
          type: "chat",
          user: "erin",
          password: PASSWORD,
          id: "l",
        }),
      ),
    );
    assert.deepEqual(welcome, {
      op: "welcome",
      id: "l",
      user: "erin",
      registered: true,
      admin: false,
      unread: {},
    });
    const twice = decode(
      await exchange(
        raw,
        FrameType.ClientType,
        JSON.stringify({
          type: "chat",
          user: "erin",
          password: PASSWORD,
          id: "l2",
        }),
      ),
    );
    assert.deepEqual([twice.error, twice.id], ["ALREADY_LOGGED_IN", "l2"]);
  });
});

Deno.test("ChatServer answers bad input with an Error frame carrying the command id and keeps the connection", async () => {
  await withChat(async (harness) => {
    await register(harness, "bob");
    {
      await using owner = await harness.login("owner");
      await owner.join("#private");
    }
    using raw = await rawConnection(harness);
    await exchange(
      raw,
      FrameType.ClientType,
      JSON.stringify({ type: "chat", user: "alice", password: PASSWORD }),
    );
    const long = "x".repeat(65);
    // [what, payload, expected code, expected id]
    const cases: [string, string | Uint8Array, string, string | undefined][] = [
      [
        "unknown recipient",
        '{"op":"send","id":"1","chat":"@nobody","text":"hi"}',
        "UNKNOWN_USER",
        "1",
      ],
      [
        "unknown room",
        '{"op":"send","id":"2","chat":"#nowhere","text":"hi"}',
        "UNKNOWN_ROOM",
        "2",
      ],
      [
        "room not joined",
        '{"op":"send","id":"3","chat":"#private","text":"hi"}',
        "NOT_A_MEMBER",
        "3",
      ],
      ["invalid JSON", '{"op":"send","id":"4",', "INVALID_JSON", undefined],
      [
        "not UTF-8",
        new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
        "INVALID_TEXT",
        undefined,
      ],
      [
        "not UTF-8 in the text",
        new Uint8Array([
          ...new TextEncoder().encode(
            '{"op":"send","id":"19","chat":"@bob","text":"a',
          ),
          0xff,
          ...new TextEncoder().encode('"}'),
        ]),
        "INVALID_TEXT",
        "19",
      ],
      [
        "lone surrogate in the text",
        '{"op":"send","id":"20","chat":"@bob","text":"a\\ud800"}',
        "INVALID_TEXT",
        "20",
      ],
      ["not an object", '["send"]', "INVALID_JSON", undefined],
      ["missing op", '{"id":"5"}', "MISSING_FIELD", "5"],
      [
        "missing text",
        '{"op":"send","id":"6","chat":"@bob"}',
        "MISSING_FIELD",
        "6",
      ],
      ["missing chat", '{"op":"open","id":"7"}', "MISSING_FIELD", "7"],
      [
        "missing id",
        '{"op":"send","chat":"@bob","text":"hi"}',
        "MISSING_FIELD",
        undefined,
      ],
      [
        "text not a string",
        '{"op":"send","id":"8","chat":"@bob","text":5}',
        "INVALID_FIELD",
        "8",
      ],
      [
        "empty text",
        '{"op":"send","id":"9","chat":"@bob","text":""}',
        "INVALID_FIELD",
        "9",
      ],
      [
        "chat without sigil",
        '{"op":"send","id":"10","chat":"bob","text":"hi"}',
        "INVALID_FIELD",
        "10",
      ],
      [
        "bad user name",
        '{"op":"send","id":"11","chat":"@Bob","text":"hi"}',
        "INVALID_NAME",
        "11",
      ],
      [
        "to yourself",
        '{"op":"send","id":"12","chat":"@alice","text":"hi"}',
        "INVALID_FIELD",
        "12",
      ],
      ["unknown op", '{"op":"dance","id":"13"}', "UNKNOWN_OP", "13"],
      [
        "over the limit",
        `{"op":"send","id":"14","chat":"@bob","text":"${long}"}`,
        "MESSAGE_TOO_LONG",
        "14",
      ],
      [
        "history limit 0",
        '{"op":"history","id":"15","chat":"@bob","limit":0}',
        "INVALID_FIELD",
        "15",
      ],
      [
        "join a direct chat",
        '{"op":"join","id":"16","chat":"@bob"}',
        "INVALID_FIELD",
        "16",
      ],
      [
        "leave unknown room",
        '{"op":"leave","id":"17","chat":"#nowhere"}',
        "UNKNOWN_ROOM",
        "17",
      ],
      ["admin command", '{"op":"admin_chats","id":"18"}', "FORBIDDEN", "18"],
    ];
    for (const [what, payload, code, id] of cases) {
      const reply = decode(await exchange(raw, FrameType.Chat, payload));
      assert.equal(reply.error, code, what);
      assert.equal(reply.id, id, what);
    }
    // Still open and working.
    const ack = decode(
      await exchange(
        raw,
        0,
        '{"op":"send","id":"ok","chat":"@bob","text":"fine"}',
      ),
    );
    assert.deepEqual([ack.op, ack.id, ack.seq], ["ack", "ok", 1]);
    const exact = decode(
      await exchange(
        raw,
        0,
        `{"op":"send","id":"x","chat":"@bob","text":"${long}"}`,
      ),
    );
    assert.equal(
      exact.message,
      "Cannot send: text is 65 bytes, more than the limit of 64",
    );
  }, { maxMessageBytes: 64 });
});

Deno.test("ChatServer clamps a read beyond the chat's end, so a message stored in the same commit is still delivered", async () => {
  await withChat(async (harness) => {
    await using alice = await harness.login("alice");
    await register(harness, "bob");
    await alice.send("@bob", "one");
    using raw = await rawConnection(harness);
    await exchange(
      raw,
      FrameType.ClientType,
      JSON.stringify({ type: "chat", user: "bob", password: PASSWORD }),
    );
    // The operator's message is stored in the same group commit as bob's
    // bogus cursor move, queued right after it.
    const store = harness.chat.store;
    const moveCursor = store.moveCursor;
    let sameBatch: Promise<unknown> | undefined;
    store.moveCursor = (chatId, user, seq) => {
      const moved = moveCursor.call(store, chatId, user, seq);
      sameBatch ??= harness.chat.admin().send("@alice,bob", "two");
      return moved;
    };
    await raw.send({
      type: FrameType.Chat,
      payload: new TextEncoder().encode(
        '{"op":"read","id":"r","chat":"@alice","seq":1000}',
      ),
    });
    const beforeOk: unknown[] = [];
    while (true) {
      const reply = decode((await within(5000, raw.receive(), "ok"))!);
      if (reply.id === "r") break;
      beforeOk.push(reply.op);
    }
    store.moveCursor = moveCursor;
    await sameBatch;
    assert.deepEqual(beforeOk, ["unread"]);
    await raw.send({
      type: FrameType.Chat,
      payload: new TextEncoder().encode(
        '{"op":"open","id":"o","chat":"@alice"}',
      ),
    });
    const opened: Record<string, unknown>[] = [];
    while (opened.at(-1)?.op !== "opened") {
      opened.push(decode((await within(5000, raw.receive(), "opened"))!));
    }
    assert.deepEqual(opened.map((reply) => [reply.op, reply.text]), [
      ["message", "two"],
      ["opened", undefined],
    ]);
  });
});

Deno.test("ChatServer stores a retried send once and acknowledges it as a duplicate", async () => {
  await withChat(async (harness) => {
    await using bob = await harness.login("bob");
    await using alice = await harness.login("alice");
    await bob.openChat("@alice");
    const first = await alice.send("@bob", "once", { id: "msg-1" });
    const retry = await alice.send("@bob", "once", { id: "msg-1" });
    assert.deepEqual(
      [first.seq, first.duplicate, retry.seq, retry.mid, retry.duplicate],
      [1, false, 1, first.mid, true],
    );
    await alice.send("@bob", "next", { id: "msg-2" });
    // bob gets "once" a single time, then "next".
    assert.deepEqual(texts(await nextMessages(bob, 2)), ["once", "next"]);
  });
});

Deno.test("ChatServer returns the last N messages of a chat, paging backwards", async () => {
  await withChat(async (harness) => {
    await using alice = await harness.login("alice");
    await using bob = await harness.login("bob");
    for (let i = 1; i <= 5; i++) {
      await (i % 2 === 1
        ? alice.send("@bob", `m${i}`)
        : bob.send("@alice", `m${i}`));
    }
    const last = await alice.history("@bob", { limit: 3 });
    assert.deepEqual(texts(last.messages), ["m3", "m4", "m5"]);
    assert.deepEqual(last.messages.map((m) => m.from), [
      "alice",
      "bob",
      "alice",
    ]);
    assert.equal(last.truncated, false);
    const older = await alice.history("@bob", { limit: 3, before: 3 });
    assert.deepEqual(texts(older.messages), ["m1", "m2"]);
    // History is not delivery: bob's messages to alice are still unread.
    assert.deepEqual(
      (await alice.chats()).map(({ chat, unread, lastSeq }) => ({
        chat,
        unread,
        lastSeq,
      })),
      [{ chat: "@bob", unread: 2, lastSeq: 5 }],
    );
  });
});

Deno.test("ChatServer rooms: join creates, leave ends membership, joiners start with nothing unread", async () => {
  await withChat(async (harness) => {
    await using alice = await harness.login("alice");
    await using bob = await harness.login("bob");
    assert.deepEqual(await alice.join("#team"), {
      created: true,
      members: ["alice"],
    });
    await alice.send("#team", "before bob");
    assert.deepEqual(await bob.join("#team"), {
      created: false,
      members: ["alice", "bob"],
    });
    assert.equal(await bob.openChat("#team"), 0);
    await alice.send("#team", "after bob");
    assert.deepEqual(texts(await nextMessages(bob, 1)), ["after bob"]);
    assert.deepEqual(await alice.members("#team"), [
      { user: "alice", online: true },
      { user: "bob", online: true },
    ]);
    await bob.leave("#team");
    await assert.rejects(bob.send("#team", "gone"), { code: "NOT_A_MEMBER" });
    await assert.rejects(bob.leave("#team"), { code: "NOT_A_MEMBER" });
    assert.deepEqual(await alice.who(), ["alice", "bob"]);
  });
});

Deno.test("ChatServer closes the older session when the same user logs in again", async () => {
  await withChat(async (harness) => {
    const first = await harness.login("alice");
    try {
      await using second = await harness.login("alice");
      const events = await nextEvents(first, 1);
      assert.equal(events[0].type, "error");
      assert.equal(
        events[0].type === "error" && events[0].error.code,
        "SESSION_REPLACED",
      );
      assert.equal(
        await within(5000, first.nextEvent(), "the close"),
        undefined,
      );
      assert.deepEqual(await second.who(), ["alice"]);
    } finally {
      await first.close();
    }
  });
});

Deno.test("ChatServer sends a long offline backlog in pages, in order, without closing the reader", async () => {
  await withChat(async (harness) => {
    await register(harness, "bob");
    await using alice = await harness.login("alice");
    const total = 450;
    await Promise.all(
      Array.from(
        { length: total },
        (_, i) => alice.send("@bob", `${i}:${"y".repeat(1500)}`),
      ),
    );
    await using bob = await harness.login("bob");
    assert.deepEqual(bob.welcome.unread, { "@alice": total });
    assert.equal(await bob.openChat("@alice"), total);
    const messages = await nextMessages(bob, total);
    assert.deepEqual(
      messages.map((m) => m.seq),
      Array.from({ length: total }, (_, i) => i + 1),
    );
    assert.equal(messages[total - 1].text.split(":")[0], String(total - 1));
  });
});

Deno.test("ChatClient rejects pending commands with CONNECTION_CLOSED when the server goes away", async () => {
  await withChat(async (harness) => {
    const client = await harness.login("alice");
    try {
      await harness.stop();
      const [goodbye] = await nextEvents(client, 1);
      assert.equal(
        goodbye.type === "error" && goodbye.error.code,
        "SHUTTING_DOWN",
      );
      assert.equal(
        await within(5000, client.nextEvent(), "end of events"),
        undefined,
      );
      await assert.rejects(client.chats(), { code: "CONNECTION_CLOSED" });
      assert.equal(client.closed, true);
    } finally {
      await client.close();
    }
  });
});

Deno.test("ChatClient.connect fails cleanly when the password is wrong", async () => {
  await withChat(async (harness) => {
    await register(harness, "alice");
    await assert.rejects(
      ChatClient.connect({
        port: harness.port,
        user: "alice",
        password: "wrong-password",
      }),
      (error: unknown) =>
        error instanceof ChatError && error.code === "AUTH_FAILED" &&
        error.id === "login",
    );
  });
});

Deno.test("ChatServer delivers a stored text containing U+0000 whole, live and from the backlog", async () => {
  await withChat(async (harness) => {
    await register(harness, "bob");
    const text = "a\u0000b";
    {
      await using alice = await harness.login("alice");
      await alice.send("@bob", text);
    }
    await using bob = await harness.login("bob");
    assert.equal(await bob.openChat("@alice"), 1);
    assert.deepEqual(texts(await nextMessages(bob, 1)), [text]);
    assert.deepEqual(texts((await bob.history("@alice")).messages), [text]);
  });
});

/** One login on a fresh connection (as a reconnecting guesser would): the decoded answer. */
async function loginOnce(
  harness: Parameters<Parameters<typeof withChat>[0]>[0],
  user: string,
  password: string,
): Promise<Record<string, unknown>> {
  using raw = await rawConnection(harness);
  return decode(
    await exchange(
      raw,
      FrameType.ClientType,
      JSON.stringify({ type: "chat", user, password, id: "l" }),
    ),
  );
}

Deno.test("ChatServer throttles a user name after repeated failures across reconnects, without hashing, with a doubling backoff", async () => {
  let nowMs = 1_000_000;
  await withChat(async (harness) => {
    await register(harness, "alice", "bob");
    const hashesBefore = harness.chat.passwordHashStats.hashes;
    // Five guesses, each on a new connection: the per-connection count
    // never reaches 3, the per-name one does.
    for (let i = 0; i < 5; i++) {
      const reply = await loginOnce(harness, "alice", `guess-${i}-wrong`);
      assert.equal(reply.error, "AUTH_FAILED", `guess ${i}`);
    }
    assert.equal(harness.chat.passwordHashStats.hashes, hashesBefore + 5);
    // Even the right password is refused now, and costs no hash.
    const refused = await loginOnce(harness, "alice", PASSWORD);
    assert.deepEqual([refused.error, refused.id], ["LOGIN_THROTTLED", "l"]);
    assert.equal(
      refused.message,
      'Cannot log in as "alice": too many failed logins, retry in 1 s',
    );
    assert.equal(harness.chat.passwordHashStats.hashes, hashesBefore + 5);
    // Other names are not affected.
    assert.equal((await loginOnce(harness, "bob", PASSWORD)).op, "welcome");

    nowMs += 999;
    assert.equal(
      (await loginOnce(harness, "alice", PASSWORD)).error,
      "LOGIN_THROTTLED",
    );
    nowMs += 1; // The first backoff (1 s) is over: one more guess is hashed.
    assert.equal(
      (await loginOnce(harness, "alice", "guess-6-wrong")).error,
      "AUTH_FAILED",
    );
    // The next backoff doubles (2 s), capped at loginThrottleMaxMs (3 s).
    nowMs += 1999;
    assert.equal(
      (await loginOnce(harness, "alice", PASSWORD)).error,
      "LOGIN_THROTTLED",
    );
    nowMs += 1;
    assert.equal(
      (await loginOnce(harness, "alice", "guess-7-wrong")).error,
      "AUTH_FAILED",
    );
    nowMs += 2999;
    assert.equal(
      (await loginOnce(harness, "alice", PASSWORD)).error,
      "LOGIN_THROTTLED",
    );
    nowMs += 1;
    // A success resets the count: four more failures are not throttled yet.
    assert.equal((await loginOnce(harness, "alice", PASSWORD)).op, "welcome");
    for (let i = 0; i < 4; i++) {
      assert.equal(
        (await loginOnce(harness, "alice", `again-${i}-wrong`)).error,
        "AUTH_FAILED",
      );
    }
    assert.equal((await loginOnce(harness, "alice", PASSWORD)).op, "welcome");
    assert.ok(
      harness.log.some((event) => event.code === "LOGIN_THROTTLED"),
    );
  }, {
    clock: () => nowMs,
    loginThrottleMs: 1000,
    loginThrottleMaxMs: 3000,
  });
});

Deno.test("ChatServer hashes at most maxConcurrentHashes passwords at once; without a queue every login still gets welcome or LOGIN_BUSY", async () => {
  // Many logins at once, with a hash slow enough that they overlap: the
  // peak never exceeds the cap, and every login still gets its answer.
  await withChat(async (harness) => {
    const names = Array.from({ length: 12 }, (_, i) => `u${i}`);
    const replies = await Promise.all(
      names.map((name) => loginOnce(harness, name, PASSWORD)),
    );
    assert.deepEqual(
      replies.map((reply) => reply.op),
      names.map(() => "welcome"),
    );
    const stats = harness.chat.passwordHashStats;
    assert.equal(stats.hashes, 12);
    assert.ok(
      stats.peakHashing >= 1 && stats.peakHashing <= 2,
      `peak ${stats.peakHashing}`,
    );
    assert.deepEqual([stats.hashing, stats.queued], [0, 0]);
  }, { maxConcurrentHashes: 2, passwordIterations: 20_000 });
  // No queue: a login that finds the only slot taken is refused, not hashed.
  await withChat(async (harness) => {
    const replies = await Promise.all(
      Array.from(
        { length: 8 },
        (_, i) => loginOnce(harness, `v${i}`, PASSWORD),
      ),
    );
    const busy = replies.filter((reply) => reply.error === "LOGIN_BUSY");
    const welcomed = replies.filter((reply) => reply.op === "welcome");
    assert.equal(busy.length + welcomed.length, 8);
    assert.ok(welcomed.length >= 1);
    assert.equal(harness.chat.passwordHashStats.hashes, welcomed.length);
    assert.equal(harness.chat.passwordHashStats.peakHashing, 1);
    assert.equal(await harness.chat.store.userCount(), welcomed.length);
  }, {
    maxConcurrentHashes: 1,
    maxQueuedHashes: 0,
    passwordIterations: 20_000,
  });
});

Deno.test("ChatServer answers LOGIN_BUSY to a login that finds the only hash slot taken when no queue is allowed", async () => {
  // The first login is held inside its hash slot (its account lookup there
  // waits on a gate), so the second one deterministically finds it taken.
  const dir = await Deno.makeTempDir({ prefix: "framewire_chat_" });
  const inner = new SqliteChatStore(`${dir}/chat.db`);
  const gate = Promise.withResolvers<void>();
  const holding = Promise.withResolvers<void>();
  let blockerLookups = 0;
  const store = new Proxy(inner, {
    get(target, key) {
      if (key === "user") {
        return async (name: string) => {
          // The first lookup is before the slot, the second inside it.
          if (name === "blocker" && ++blockerLookups === 2) {
            holding.resolve();
            await gate.promise;
          }
          return await target.user(name);
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  try {
    await withChat(async (harness) => {
      const blocker = loginOnce(harness, "blocker", PASSWORD);
      await within(HANG_BOUND_MS, holding.promise, "the first login's slot");
      const busy = await within(
        HANG_BOUND_MS,
        loginOnce(harness, "second", PASSWORD),
        "the second login's answer",
      );
      assert.deepEqual([busy.error, busy.id, busy.message], [
        "LOGIN_BUSY",
        "l",
        'Cannot log in as "second": the server is busy with other logins, try again later',
      ]);
      gate.resolve();
      assert.equal((await blocker).op, "welcome");
      // The refused login cost no hash, and the slot is free again.
      assert.equal(harness.chat.passwordHashStats.hashes, 1);
      assert.equal(
        (await loginOnce(harness, "second", PASSWORD)).op,
        "welcome",
      );
      assert.ok(harness.log.some((event) => event.code === "LOGIN_BUSY"));
    }, { store, maxConcurrentHashes: 1, maxQueuedHashes: 0 });
  } finally {
    gate.resolve();
    await inner.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ChatServer refuses new accounts beyond maxAccounts and keeps existing ones", async () => {
  await withChat(async (harness) => {
    await register(harness, "alice", "bob");
    await assert.rejects(harness.login("carol"), {
      code: "ACCOUNT_LIMIT",
      message: 'Cannot register "carol": the server has its 2 accounts',
    });
    assert.equal(await harness.chat.store.userCount(), 2);
    await using alice = await harness.login("alice");
    assert.equal(alice.welcome.registered, false);
  }, { maxAccounts: 2 });
});

Deno.test("ChatServer limits rooms created per account (across restarts) and members per room", async () => {
  await withChat(async (harness) => {
    {
      await using alice = await harness.login("alice");
      await alice.join("#r1");
      await alice.join("#r2");
      await assert.rejects(alice.join("#r3"), {
        code: "ROOM_LIMIT",
        message:
          'Cannot create "#r3": you have created 2 rooms, the most allowed',
      });
      // Leaving does not give the quota back: rooms are never deleted.
      await alice.leave("#r1");
      await assert.rejects(alice.join("#r3"), { code: "ROOM_LIMIT" });
      assert.equal(await harness.chat.store.room("r3"), undefined);
    }
    await harness.restart();
    await using alice = await harness.login("alice");
    await assert.rejects(alice.join("#r4"), { code: "ROOM_LIMIT" });
    // Joining a room someone else created is not creating one.
    await using bob = await harness.login("bob");
    await bob.join("#bobs");
    await alice.join("#bobs");
    await using carol = await harness.login("carol");
    await assert.rejects(carol.join("#bobs"), {
      code: "ROOM_FULL",
      message: 'Cannot join "#bobs": it has its 2 members',
    });
    await alice.join("#bobs"); // Already a member: no change, no refusal.
    await alice.leave("#bobs");
    await carol.join("#bobs");
    assert.deepEqual(
      (await bob.members("#bobs")).map((member) => member.user),
      ["bob", "carol"],
    );
  }, { maxRoomsPerUser: 2, maxRoomMembers: 2 });
});

Deno.test("ChatServer validates its quota and throttle options up front", () => {
  for (
    const [name, value] of [
      ["maxConcurrentHashes", 0],
      ["maxQueuedHashes", -1],
      ["loginThrottleFailures", 0],
      ["loginThrottleMs", 1.5],
      ["loginThrottleMaxMs", 0],
      ["loginThrottleMaxNames", 0],
      ["maxAccounts", 0],
      ["maxRoomsPerUser", -2],
      ["maxRoomMembers", Number.NaN],
    ] as const
  ) {
    assert.throws(
      () => new ChatServer({ path: "/nonexistent/never.db", [name]: value }),
      RangeError,
      name,
    );
  }
});

Deno.test("ChatServer.onServe sizes history answers to half the server's send limit unless maxReplyBytes is set", async () => {
  const dir = await Deno.makeTempDir({ prefix: "framewire_chat_" });
  const chat = new ChatServer({
    path: `${dir}/chat.db`,
    passwordIterations: TEST_ITERATIONS,
    logger: null,
  });
  const server = serve(
    { port: 0, logger: null, maxFrameLength: 64 * 1024 },
    new FrameRouter().use(chat),
  );
  try {
    const login = { port: server.port!, password: PASSWORD };
    await using alice = await ChatClient.connect({ ...login, user: "alice" });
    await alice.join("#big");
    const text = "x".repeat(4000);
    for (let i = 0; i < 20; i++) await alice.send("#big", text);
    // 20 messages of 4 KB do not fit in 32 KiB: the oldest are left out
    // (without onServe the 512 KiB answer could not be sent at all).
    const page = await alice.history("#big", { limit: 20 });
    assert.equal(page.truncated, true);
    assert.ok(page.messages.length > 0 && page.messages.length < 8);
    assert.equal(page.messages.at(-1)?.seq, 20);
  } finally {
    await server.shutdown();
    await chat.close();
    await Deno.remove(dir, { recursive: true });
  }
  await using store = new SqliteChatStore(":memory:");
  const limits = { maxFrameLength: 1000, maxSendFrameLength: 1000 };
  const set = new ChatServer({ store, maxReplyBytes: 1000, logger: null });
  set.onServe(limits);
  await set.close();
  const over = new ChatServer({ store, maxReplyBytes: 1001, logger: null });
  assert.throws(() => over.onServe(limits), {
    name: "RangeError",
    message:
      "Cannot use maxReplyBytes 1001: expected at most the server's maxSendFrameLength 1000",
  });
  await over.close();
});

Deno.test("ChatServer nodes sharing a store and a bus act as one chat: delivery, presence and one session per user", async () => {
  const dir = await Deno.makeTempDir({ prefix: "framewire_chat_" });
  const store = new SqliteChatStore(`${dir}/chat.db`);
  const bus = new InProcessChatBus();
  const nodes = [0, 1].map(() => {
    const chat = new ChatServer({
      store,
      bus,
      passwordIterations: TEST_ITERATIONS,
      logger: null,
    });
    const server = serve(
      { port: 0, logger: null, lingerMs: 200 },
      new FrameRouter().use(chat),
    );
    return { chat, server };
  });
  const [a, b] = nodes.map(({ server }) => server.port!);
  try {
    await using alice = await ChatClient.connect({
      port: a,
      user: "alice",
      password: PASSWORD,
    });
    await using bob = await ChatClient.connect({
      port: b,
      user: "bob",
      password: PASSWORD,
    });
    assert.deepEqual(await alice.who(), ["alice", "bob"]);
    assert.deepEqual(nodes[0].chat.onlineUsers, ["alice"]);
    await bob.openChat("@alice");
    // Stored through node A, pushed by node B.
    assert.equal((await alice.send("@bob", "across")).seq, 1);
    const [message] = await nextMessages(bob, 1);
    assert.deepEqual([message.chat, message.text], ["@alice", "across"]);
    // A login on node B ends alice's session on node A.
    await using again = await ChatClient.connect({
      port: b,
      user: "alice",
      password: PASSWORD,
    });
    const [replaced] = await nextEvents(alice, 1);
    assert.equal(
      replaced.type === "error" && replaced.error.code,
      "SESSION_REPLACED",
    );
    assert.deepEqual(nodes[0].chat.onlineUsers, []);
    assert.deepEqual(await again.who(), ["alice", "bob"]);
  } finally {
    for (const { server, chat } of nodes) {
      await server.shutdown();
      await chat.close();
    }
    await bus.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ChatServer refuses text that cannot round-trip instead of storing it altered", async () => {
  await withChat(async (harness) => {
    await using alice = await harness.login("alice");
    await using bob = await harness.login("bob");
    for (const text of ["\ud800", "a\udc00b", "\udc00\ud800"]) {
      await assert.rejects(alice.send("@bob", text), {
        name: "ChatError",
        code: "INVALID_TEXT",
      });
    }
    // A pair is one character: stored and read back exactly.
    const text = "\u{1f600} caf\u00e9 \u202e";
    assert.equal((await alice.send("@bob", text)).seq, 1);
    const { messages } = await bob.history("@alice");
    assert.deepEqual(messages.map((message) => message.text), [text]);
    // A password with a lone surrogate would hash like one with U+FFFD.
    await assert.rejects(
      ChatClient.connect({
        port: harness.port,
        user: "carol",
        password: "password\ud800",
      }),
      { code: "INVALID_TEXT" },
    );
  });
});

Deno.test("ChatServer refuses a user's sends beyond messageRateLimit with RATE_LIMITED and a retry-after, storing none of them", async () => {
  let now = 1_000_000;
  await withChat(async (harness) => {
    await using alice = await harness.login("alice");
    await using bob = await harness.login("bob");
    for (let i = 1; i <= 3; i++) {
      assert.equal((await alice.send("@bob", `m${i}`)).seq, i);
    }
    const error = await alice.send("@bob", "m4").then(
      () => assert.fail("the fourth send was accepted"),
      (error) => error,
    );
    assert.equal(error.code, "RATE_LIMITED");
    assert.equal(error.retryAfterMs, 500);
    assert.match(error.message, /retry in 500 ms/);
    // Another user has a bucket of their own.
    assert.equal((await bob.send("@alice", "hi")).seq, 4);
    // Reconnecting refills nothing: the bucket is the user's.
    await alice.close();
    await using again = await harness.login("alice");
    await assert.rejects(again.send("@bob", "m4"), { code: "RATE_LIMITED" });
    now += 500;
    assert.equal((await again.send("@bob", "m4")).seq, 5);
    const { messages } = await bob.history("@alice");
    assert.deepEqual(messages.map((message) => message.text), [
      "m1",
      "m2",
      "m3",
      "hi",
      "m4",
    ]);
  }, { messageRateLimit: 2, messageBurst: 3, clock: () => now });
});

Deno.test("ChatServer's RATE_LIMITED Error frame carries the command id and retryAfterMs; messageRateLimit 0 is no limit", async () => {
  await withChat(async (harness) => {
    await register(harness, "bob");
    using raw = await rawConnection(harness);
    await exchange(
      raw,
      FrameType.ClientType,
      JSON.stringify({ type: "chat", user: "alice", password: PASSWORD }),
    );
    const send = (id: string) =>
      exchange(
        raw,
        FrameType.Chat,
        JSON.stringify({ op: "send", id, chat: "@bob", text: "x" }),
      ).then(decode);
    assert.equal((await send("1")).op, "ack");
    const refused = await send("2");
    assert.equal(refused.error, "RATE_LIMITED");
    assert.equal(refused.id, "2");
    assert.ok(
      typeof refused.retryAfterMs === "number" && refused.retryAfterMs > 0 &&
        refused.retryAfterMs <= 100_000,
    );
  }, { messageRateLimit: 0.01, messageBurst: 1 });
  await withChat(async (harness) => {
    await using alice = await harness.login("alice");
    await register(harness, "bob");
    const acks = await Promise.all(
      Array.from({ length: 300 }, (_, i) => alice.send("@bob", `m${i}`)),
    );
    assert.equal(acks.at(-1)!.seq, 300);
  }, { messageRateLimit: 0, messageBurst: 1 });
});

Deno.test("ChatServer checks messageRateLimit and messageBurst", () => {
  assert.throws(
    () => new ChatServer({ path: ":memory:", messageRateLimit: -1 }),
    RangeError,
  );
  assert.throws(
    () => new ChatServer({ path: ":memory:", messageBurst: 0 }),
    RangeError,
  );
  assert.throws(
    () => new ChatServer({ path: ":memory:", messageBurst: "5" as never }),
    TypeError,
  );
});

Deno.test("a history sent right behind a send (pipelined, unacknowledged) includes that message", async () => {
  await withChat(async (harness) => {
    await register(harness, "bob");
    await using alice = await harness.login("alice");
    // Sends are accepted before their commit; the history must wait for it.
    const sent = [alice.send("@bob", "one"), alice.send("@bob", "two")];
    const page = await alice.history("@bob");
    await Promise.all(sent);
    assert.deepEqual(page.messages.map((message) => message.text), [
      "one",
      "two",
    ]);
  });
});
