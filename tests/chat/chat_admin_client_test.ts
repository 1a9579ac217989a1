// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { type Frame, FramedConn, FrameType, listen } from "../../mod.ts";
import {
  ChatAdminClient,
  ChatClient,
  type ChatError,
  type ChatMessage,
  type ChatReconnectEvent,
} from "../../chat/mod.ts";
import { NodeProxy, withNodes } from "./_chat_nodes.ts";
import {
  decode,
  exchange,
  nextEvents,
  nextMessages,
  PASSWORD,
  rawConnection,
  withChat,
  within,
} from "./_chat_utils.ts";
import { HANG_BOUND_MS } from "../_utils.ts";

const TOKEN = "s3cret-admin-token";

const json = new TextEncoder();
const text = new TextDecoder();

function chatFrame(value: Record<string, unknown>): Frame {
  return { type: FrameType.Chat, payload: json.encode(JSON.stringify(value)) };
}

/**
 * A scripted admin server on loopback: welcomes the login, then answers each
 * command with the frames `script` returns (written together, so the client
 * reads them in one batch). Lets a test fix the order of pushes and answers
 * that a real server produces only by chance.
 */
async function withScriptedServer(
  script: (command: Record<string, unknown>) => Frame[],
  fn: (port: number) => Promise<void>,
): Promise<void> {
  using listener = listen({ port: 0 });
  const serving = (async () => {
    using conn = await listener.accept();
    const login = JSON.parse(text.decode((await conn.receive())!.payload));
    await conn.send(chatFrame({
      op: "welcome",
      id: login.id,
      user: "admin",
      registered: false,
      admin: true,
      unread: {},
    }));
    while (true) {
      const frame = await conn.receive();
      if (frame === null) return;
      await conn.sendMany(script(JSON.parse(text.decode(frame.payload))));
    }
  })();
  try {
    await fn(listener.addr.port);
  } finally {
    await within(5000, serving, "the scripted server");
  }
}

function liveMessage(seq: number): Record<string, unknown> {
  return {
    op: "message",
    chat: "@alice,bob",
    mid: seq,
    seq,
    from: "bob",
    text: `live ${seq}`,
    ts: 1767225600000,
  };
}

/** Collects watched messages; `next(n)` waits for n more. */
function watchLog() {
  const messages: ChatMessage[] = [];
  let wake: (() => void) | undefined;
  return {
    messages,
    onMessage: (message: ChatMessage) => {
      messages.push(message);
      wake?.();
    },
    async until(count: number): Promise<void> {
      await within(
        5000,
        (async () => {
          while (messages.length < count) {
            await new Promise<void>((resolve) => wake = resolve);
          }
        })(),
        `${count} watched messages`,
      );
    },
  };
}

Deno.test("ChatAdminClient lists chats and connections, watches a chat live and sends into it as admin", async () => {
  await withChat(async (harness) => {
    await using alice = await harness.login("alice");
    await using bob = await harness.login("bob");
    await alice.join("#general");
    await bob.join("#general");
    await bob.openChat("#general");
    await alice.openChat("@bob");
    await alice.send("#general", "morning");
    await alice.send("@bob", "psst");

    await using admin = await ChatAdminClient.connect({
      port: harness.port,
      token: TOKEN,
    });
    const chats = await admin.chats();
    assert.deepEqual(
      chats.map(({ chat, kind, members, online, active, messages }) => ({
        chat,
        kind,
        members,
        online,
        active,
        messages,
      })),
      [
        {
          chat: "@alice,bob",
          kind: "direct",
          members: ["alice", "bob"],
          online: ["alice", "bob"],
          active: true,
          messages: 1,
        },
        {
          chat: "#general",
          kind: "room",
          members: ["alice", "bob"],
          online: ["alice", "bob"],
          active: true,
          messages: 1,
        },
      ].sort((a, b) =>
        chats.findIndex((c) => c.chat === a.chat) -
        chats.findIndex((c) => c.chat === b.chat)
      ),
    );
    const connections = await admin.connections();
    assert.deepEqual(
      connections.map(({ user, admin, clientType, open }) => ({
        user,
        admin,
        clientType,
        open,
      })),
      [
        { user: "alice", admin: false, clientType: "chat", open: ["@bob"] },
        { user: "bob", admin: false, clientType: "chat", open: ["#general"] },
        { user: "admin", admin: true, clientType: "chat-admin", open: [] },
      ],
    );

    const log = watchLog();
    const backlog = await admin.watch("#general", log.onMessage);
    assert.deepEqual(backlog.map((m) => [m.from, m.text]), [[
      "alice",
      "morning",
    ]]);
    await alice.send("#general", "anyone?");
    await log.until(1);
    assert.deepEqual(
      log.messages.map((m) => [m.chat, m.from, m.text]),
      [["#general", "alice", "anyone?"]],
    );
    // Sent as admin: stored, delivered to the members like any message.
    const ack = await admin.send("#general", "maintenance at noon");
    assert.equal(ack.seq, 3);
    // bob has only #general open: alice's direct message is just a notice.
    assert.deepEqual(
      (await nextEvents(bob, 4)).map((event) =>
        event.type === "message"
          ? [event.message.from, event.message.text]
          : [event.type, event.type === "unread" && event.chat]
      ),
      [
        ["alice", "morning"],
        ["unread", "@alice"],
        ["alice", "anyone?"],
        ["admin", "maintenance at noon"],
      ],
    );
    await log.until(2);
    assert.equal(log.messages[1].from, "admin");

    // A direct chat is watched by its two names, in either order.
    const direct = watchLog();
    const psst = await admin.watch("@bob,alice", direct.onMessage);
    assert.deepEqual(psst.map((m) => [m.chat, m.text]), [[
      "@alice,bob",
      "psst",
    ]]);
    await bob.send("@alice", "what?");
    await direct.until(1);
    assert.deepEqual(direct.messages.map((m) => m.text), ["what?"]);
    await admin.unwatch("#general");
    await assert.rejects(admin.watch("@alice", () => {}), {
      code: "INVALID_FIELD",
    });
    await assert.rejects(admin.watch("#nope", () => {}), {
      code: "UNKNOWN_ROOM",
    });
  }, { adminToken: TOKEN });
});

Deno.test("ChatAdminClient.watch hands over messages read in the same batch as the watching answer", async () => {
  await withScriptedServer(
    (command) => {
      if (command.op === "admin_watch") {
        // A push on either side of the answer, in one read: the callback
        // must exist before the answer is dispatched.
        return [
          chatFrame(liveMessage(2)),
          chatFrame({
            op: "watching",
            id: command.id,
            chat: "@alice,bob",
            messages: [],
            truncated: false,
          }),
          chatFrame(liveMessage(3)),
        ];
      }
      return [chatFrame({ op: "admin_chats", id: command.id, chats: [] })];
    },
    async (port) => {
      await using admin = await ChatAdminClient.connect({ port, token: TOKEN });
      const log = watchLog();
      assert.deepEqual(await admin.watch("@bob,alice", log.onMessage), []);
      // Answered after the pushes: by now every push has been dispatched.
      await admin.chats();
      assert.deepEqual(log.messages.map((m) => m.text), ["live 2", "live 3"]);
    },
  );
});

Deno.test("ChatAdminClient.unwatch forgets a direct chat's callback whichever order names it", async () => {
  await withScriptedServer(
    (command) => {
      switch (command.op) {
        case "admin_watch":
          return [chatFrame({
            op: "watching",
            id: command.id,
            chat: "@alice,bob",
            messages: [],
            truncated: false,
          })];
        case "admin_unwatch":
          // A push after the `ok` must not reach a callback that was
          // unwatched.
          return [
            chatFrame({ op: "ok", id: command.id }),
            chatFrame(liveMessage(4)),
          ];
        default:
          return [chatFrame({ op: "admin_chats", id: command.id, chats: [] })];
      }
    },
    async (port) => {
      await using admin = await ChatAdminClient.connect({ port, token: TOKEN });
      const log = watchLog();
      await admin.watch("@alice,bob", log.onMessage);
      await admin.unwatch("@bob,alice");
      await admin.chats();
      assert.deepEqual(log.messages, []);
    },
  );
});

Deno.test("ChatServer answers admin commands before any login with NOT_LOGGED_IN", async () => {
  await withChat(async (harness) => {
    using raw = await rawConnection(harness);
    for (const op of ["admin_chats", "admin_watch", "admin_send"]) {
      const reply = decode(
        await exchange(
          raw,
          FrameType.Chat,
          JSON.stringify({ op, id: op, chat: "#x", text: "t" }),
        ),
      );
      assert.deepEqual([reply.error, reply.id], ["NOT_LOGGED_IN", op]);
    }
  }, { adminToken: TOKEN });
});

Deno.test("ChatServer refuses admin logins without the right token, and admin commands from users", async () => {
  await withChat(async (harness) => {
    await assert.rejects(
      ChatAdminClient.connect({ port: harness.port, token: "guess" }),
      (error: ChatError) =>
        error.code === "AUTH_FAILED" &&
        error.message === 'Cannot log in as "admin": wrong credentials',
    );
    await using alice = await harness.login("alice");
    using raw = await rawConnection(harness);
    await exchange(
      raw,
      FrameType.ClientType,
      JSON.stringify({ type: "chat", user: "bob", password: "password1" }),
    );
    for (
      const op of [
        "admin_chats",
        "admin_connections",
        "admin_watch",
        "admin_send",
      ]
    ) {
      const reply = decode(
        await exchange(
          raw,
          0,
          JSON.stringify({ op, id: op, chat: "#x", text: "t" }),
        ),
      );
      assert.deepEqual(
        [reply.error, reply.id, reply.message],
        ["FORBIDDEN", op, `Cannot ${op}: log in with the admin token first`],
      );
    }
    assert.deepEqual(await alice.who(), ["alice", "bob"]);
  }, { adminToken: "the-real-token" });
  // A server without a token refuses every admin login.
  await withChat(async (harness) => {
    await assert.rejects(
      ChatAdminClient.connect({ port: harness.port, token: "anything" }),
      (error: ChatError) =>
        error.code === "AUTH_FAILED" &&
        error.message ===
          'Cannot log in as "admin": admin logins are disabled on this server',
    );
  });
});

Deno.test("ChatServer.admin gives the local terminal the same powers without a token", async () => {
  await withChat(async (harness) => {
    await using alice = await harness.login("alice");
    await using bob = await harness.login("bob");
    await bob.openChat("@alice");
    await alice.send("@bob", "hello");
    const admin = harness.chat.admin();
    assert.deepEqual((await admin.chats()).map((c) => c.chat), ["@alice,bob"]);
    assert.deepEqual((await admin.connections()).map((c) => c.user), [
      "alice",
      "bob",
    ]);
    const log = watchLog();
    assert.deepEqual(
      (await admin.watch("@alice,bob", log.onMessage)).map((m) => m.text),
      ["hello"],
    );
    await admin.send("@alice,bob", "this is the operator");
    await log.until(1);
    assert.deepEqual(log.messages.map((m) => [m.from, m.text]), [[
      "admin",
      "this is the operator",
    ]]);
    // bob sees the operator's message in his chat with alice.
    assert.deepEqual(
      (await nextMessages(bob, 2)).map((m) => [m.chat, m.from, m.text]),
      [["@alice", "alice", "hello"], [
        "@alice",
        "admin",
        "this is the operator",
      ]],
    );
    await admin.unwatch("@alice,bob");
    await alice.send("@bob", "unwatched");
    await nextMessages(bob, 1);
    assert.equal(log.messages.length, 1);
  });
});

Deno.test("ChatAdminClient with addresses fails over, watches again, and passes on what the watch missed meanwhile", async () => {
  await withNodes(2, async ([a, b]) => {
    await using alice = await ChatClient.connect({
      port: b.port,
      user: "alice",
      password: PASSWORD,
    });
    await alice.join("#ops");
    await using proxy = new NodeProxy(a.port);
    await using gated = new NodeProxy(b.port, false);
    const failover: ChatReconnectEvent[] = [];
    const reconnecting = Promise.withResolvers<void>();
    const reconnected = Promise.withResolvers<void>();
    await using admin = await ChatAdminClient.connect({
      addresses: [proxy.address, gated.address],
      token: "t0ken",
      reconnect: { initialDelayMs: 10, maxDelayMs: 50, maxReconnectMs: 2000 },
      onReconnect: (event) => {
        failover.push(event);
        if (event.type === "reconnecting") reconnecting.resolve();
        else reconnected.resolve();
      },
    });
    const seen: ChatMessage[] = [];
    await admin.watch("#ops", (message) => seen.push(message));
    await alice.send("#ops", "one");
    await within(
      2000,
      (async () => {
        while (seen.length < 1) await new Promise((r) => setTimeout(r, 5));
      })(),
      "the first message",
    );
    await proxy.kill();
    await within(HANG_BOUND_MS, reconnecting.promise, "reconnecting");
    await alice.send("#ops", "two"); // while the admin is away
    gated.open();
    await within(HANG_BOUND_MS, reconnected.promise, "reconnected");
    await alice.send("#ops", "three");
    await within(
      2000,
      (async () => {
        while (seen.length < 3) await new Promise((r) => setTimeout(r, 5));
      })(),
      "three messages",
    );
    assert.deepEqual(seen.map((m) => [m.seq, m.text]), [
      [1, "one"],
      [2, "two"],
      [3, "three"],
    ]);
    assert.equal(failover.at(-1)?.type, "reconnected");
    assert.equal(failover.at(-1)?.address, gated.address);
    assert.equal((await admin.chats())[0].chat, "#ops");
  });
});

async function adminLoginOnce(
  port: number,
  token: string,
): Promise<Record<string, unknown>> {
  using raw = new FramedConn(
    await Deno.connect({ hostname: "127.0.0.1", port }),
  );
  return decode(
    await exchange(
      raw,
      FrameType.ClientType,
      JSON.stringify({ type: "chat-admin", token, id: "l" }),
    ),
  );
}

Deno.test("ChatServer throttles admin token guesses across reconnects: even the right token is refused while locked", async () => {
  let nowMs = 1_000_000;
  await withChat(async (harness) => {
    // Five wrong guesses, each on a new connection (so the per-connection
    // limit never closes one): the "admin" name is locked after them.
    for (let i = 0; i < 5; i++) {
      const reply = await adminLoginOnce(harness.port, `guess-${i}`);
      assert.equal(reply.error, "AUTH_FAILED", `guess ${i}`);
    }
    const refused = await adminLoginOnce(harness.port, TOKEN);
    assert.deepEqual([refused.error, refused.id], ["LOGIN_THROTTLED", "l"]);
    // Locked means locked, whatever is offered.
    assert.equal(
      (await adminLoginOnce(harness.port, "guess-5")).error,
      "LOGIN_THROTTLED",
    );
    nowMs += 1000; // the lock (loginThrottleMs) is over
    assert.equal((await adminLoginOnce(harness.port, TOKEN)).op, "welcome");
  }, {
    adminToken: TOKEN,
    clock: () => nowMs,
    loginThrottleMs: 1000,
    loginThrottleMaxMs: 3000,
  });
});
