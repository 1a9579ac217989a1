// Copyright 2026 the framewire authors. MIT license.
// The browser chat client, run by Deno's own WebSocket against a real chat
// server behind the WebSocket gateway on loopback.
import assert from "node:assert/strict";
import { webSocketGateway } from "../../mod.ts";
import { type ChatClient, connectWebChat } from "../../web/mod.ts";
import {
  type ChatHarness,
  nextEvents,
  PASSWORD,
  withChat,
} from "../chat/_chat_utils.ts";

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
  });
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
