// Copyright 2026 the framewire authors. MIT license.
// The browser chat client, run by Deno's own WebSocket against a real chat
// server behind the WebSocket gateway on loopback.
import assert from "node:assert/strict";
import { webSocketGateway } from "../../mod.ts";
import { ChatAdminClient, type ChatMessage } from "../../chat/mod.ts";
import {
  type ChatClient,
  type ChatEvent,
  connectWebChat,
} from "../../web/mod.ts";
import {
  type ChatHarness,
  nextEvents,
  PASSWORD,
  withChat,
  within,
} from "../chat/_chat_utils.ts";
import { until } from "../_utils.ts";

const TOKEN = "web-admin-token";

/** Runs `fn` with a chat server and its gateway on a loopback HTTP port. */
function withWebChat(
  fn: (harness: ChatHarness, url: string) => Promise<void>,
): Promise<void> {
  return withChat(async (harness) => {
    const http = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      webSocketGateway(harness.server),
    );
    try {
      await fn(harness, `ws://127.0.0.1:${http.addr.port}/ws`);
    } finally {
      await harness.stop();
      await http.shutdown();
    }
  }, { adminToken: TOKEN });
}

function webLogin(url: string, user: string): Promise<ChatClient> {
  return connectWebChat({ url, user, password: PASSWORD, reconnect: false });
}

Deno.test("a WebSocket user and a TCP user chat both ways", async () => {
  await withWebChat(async (harness, url) => {
    const web = await webLogin(url, "webby");
    const tcp = await harness.login("tcpuser");
    try {
      assert.equal(web.user, "webby");
      await web.openChat("@tcpuser");
      await tcp.openChat("@webby");
      const ack = await web.send("@tcpuser", "hello from the browser");
      assert.equal(ack.seq, 1);
      const [toTcp] = await nextEvents(tcp, 1);
      assert.equal(toTcp.type, "message");
      if (toTcp.type === "message") {
        assert.equal(toTcp.message.from, "webby");
        assert.equal(toTcp.message.text, "hello from the browser");
      }
      await tcp.send("@webby", "hello from the terminal");
      const [toWeb] = await nextEvents(web, 1);
      assert.equal(toWeb.type, "message");
      if (toWeb.type === "message") {
        assert.equal(toWeb.message.from, "tcpuser");
        assert.equal(toWeb.message.text, "hello from the terminal");
      }
      const transports = harness.server.connections()
        .map((info) => info.transport).sort();
      assert.deepEqual(transports, ["tcp", "ws"]);
    } finally {
      await web.close();
      await tcp.close();
    }
  });
});

Deno.test("an operator's watch, itself over WebSocket, sees the messages of a WebSocket user", async () => {
  await withWebChat(async (harness, url) => {
    const web = await webLogin(url, "webby");
    const admin = await ChatAdminClient.connect({ url, token: TOKEN });
    try {
      await web.join("#lobby");
      const seen: ChatMessage[] = [];
      const arrived = Promise.withResolvers<void>();
      await admin.watch("#lobby", (message) => {
        seen.push(message);
        arrived.resolve();
      });
      await web.send("#lobby", "from the browser");
      await within(10_000, arrived.promise, "the watched message");
      assert.deepEqual(seen.map((m) => [m.chat, m.from, m.text]), [
        ["#lobby", "webby", "from the browser"],
      ]);
      const listed = await admin.connections();
      assert.equal(listed.some((info) => info.user === "webby"), true);
      const transports = harness.server.connections()
        .map((info) => info.transport);
      assert.deepEqual(transports, ["ws", "ws"]);
    } finally {
      await web.close();
      await admin.close();
    }
  });
});

Deno.test("a WebSocket client whose socket is cut reconnects, reopens its chats and gets a message sent meanwhile once", async () => {
  await withWebChat(async (harness, url) => {
    const tcp = await harness.login("tcpuser");
    const web = await connectWebChat({
      url,
      user: "webby",
      password: PASSWORD,
      reconnect: { initialDelayMs: 10, maxDelayMs: 50, maxReconnectMs: 5000 },
    });
    try {
      await web.openChat("@tcpuser");
      await tcp.send("@webby", "before");
      const [before] = await nextEvents(web, 1);
      assert.equal(before.type === "message" && before.message.text, "before");
      const [info] = harness.server.connections()
        .filter((entry) => entry.transport === "ws");
      await harness.server.connection(info.id)!.close();
      await tcp.send("@webby", "while away");
      const events: ChatEvent[] = [];
      await within(
        10_000,
        (async () => {
          while (!events.some((e) => e.type === "message")) {
            const event = await web.nextEvent();
            assert.notEqual(event, undefined, "the client ended");
            events.push(event!);
          }
        })(),
        "the message sent while away",
      );
      const types = events.map((event) => event.type);
      assert.equal(types.includes("reconnected"), true);
      const messages = events.filter((event) => event.type === "message");
      assert.deepEqual(
        messages.map((e) => e.type === "message" && e.message.text),
        ["while away"],
      );
      // Sending works on the new socket, and "before" is not handed out again.
      await web.send("@tcpuser", "back");
      await tcp.send("@webby", "after");
      const [after] = await nextEvents(web, 1);
      assert.equal(after.type === "message" && after.message.text, "after");
      assert.equal(web.duplicatesDropped >= 0, true);
    } finally {
      await web.close();
      await tcp.close();
    }
  });
});

Deno.test("a second WebSocket login of the same user replaces the first with SESSION_REPLACED", async () => {
  await withWebChat(async (_harness, url) => {
    const first = await connectWebChat({
      url,
      user: "webby",
      password: PASSWORD,
      reconnect: { initialDelayMs: 10 },
    });
    const second = await webLogin(url, "webby");
    try {
      const [event] = await nextEvents(first, 1);
      assert.equal(event.type, "error");
      if (event.type === "error") {
        assert.equal(event.error.code, "SESSION_REPLACED");
      }
      assert.equal(
        await within(10_000, first.nextEvent(), "the end"),
        undefined,
      );
    } finally {
      await first.close();
      await second.close();
    }
  });
});

Deno.test("connectWebChat refuses a wrong password with AUTH_FAILED, and a URL that is not a WebSocket one", async () => {
  await withWebChat(async (harness, url) => {
    await (await webLogin(url, "webby")).close();
    await assert.rejects(
      connectWebChat({ url, user: "webby", password: "wrong-password" }),
      { code: "AUTH_FAILED" },
    );
    await assert.rejects(
      connectWebChat({
        url: "ftp://127.0.0.1/ws",
        user: "x",
        password: PASSWORD,
      }),
      TypeError,
    );
    // Nothing is left open: the server sees every socket go.
    await until(
      () => harness.server.connectionCount === 0,
      10_000,
      "the refused sockets closing",
    );
  });
});
