// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { FrameType } from "../../mod.ts";
import {
  ChatAdminClient,
  type ChatError,
  type ChatMessage,
} from "../../chat/mod.ts";
import {
  decode,
  exchange,
  nextEvents,
  nextMessages,
  rawConnection,
  withChat,
  within,
} from "./_chat_utils.ts";

const TOKEN = "s3cret-admin-token";

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
