// Copyright 2026 the framewire authors. MIT license.
// The chat client on a real terminal: a pseudo-terminal from script(1)
// (util-linux), so that stdin and stdout are TTYs as for a user. Skipped
// where script(1) is missing.
import assert from "node:assert/strict";
import { ChatClient } from "../../chat/mod.ts";
import { startChatServer, withTempDir } from "./_chat_spawn.ts";
import { hasScript, onTerminal } from "./_pty.ts";

const PASSWORD = "password1";
/** cli/client.ts chat in a pseudo-terminal. */
function chatOn(port: number, user: string) {
  return onTerminal("client.ts", [
    "chat",
    `127.0.0.1:${port}`,
    "--user",
    user,
    "--reconnect-ms",
    "0",
  ]);
}

Deno.test({
  name:
    "cli/client.ts chat on a terminal asks a new name's password twice, redraws the typed line under an incoming message, and marks its own stored lines",
  ignore: !hasScript,
  fn: async () => {
    await withTempDir(async (dir) => {
      await using server = await startChatServer(`${dir}/chat.db`);
      try {
        {
          await using amy = await ChatClient.connect({
            port: server.port,
            user: "amy",
            password: PASSWORD,
          });
          const zoe = chatOn(server.port, "zoe");
          await zoe.waitFor("Password for zoe: ");
          await zoe.keys(`${PASSWORD}\r`);
          await zoe.waitFor("Type the password again to register it: ");
          await zoe.keys(`${PASSWORD}\r`);
          await zoe.waitFor("Logged in as zoe (new account).");
          await amy.openChat("@zoe");
          await zoe.keys("/open amy\r");
          await zoe.waitFor("-- @amy (0 new) --");
          await zoe.keys("I am typi");
          await zoe.waitFor("@amy> I am typi");
          await amy.send("@zoe", "ping");
          // The message is printed on a cleared line, then the prompt and
          // the half-typed text again.
          // (The terminal turns each \n into \r\n.)
          await zoe.waitFor(
            // deno-lint-ignore no-control-regex
            /\r\x1b\[K\d\d:\d\d \[@amy\] amy: ping\r+\n@amy> I am typi/,
          );
          await zoe.keys("ng this\r");
          const event = await amy.nextEvent();
          assert.equal(
            event?.type === "message" && event.message.text,
            "I am typing this",
          );
          await zoe.waitFor("zoe: I am typing this ✓");
          assert.match(
            zoe.screen,
            /\d\d:\d\d \[@amy\] zoe: I am typing this ✓/,
          );
          assert.equal(zoe.screen.includes(PASSWORD), false, "not echoed");
          await zoe.keys("\x03");
          await zoe.waitFor("Bye.");
          assert.equal(await zoe.exit(), 0);
        }
        // Two different passwords: nothing is registered.
        const yan = chatOn(server.port, "yan");
        await yan.waitFor("Password for yan: ");
        await yan.keys(`${PASSWORD}\r`);
        await yan.waitFor("Type the password again to register it: ");
        await yan.keys("password2\r");
        await yan.waitFor('the passwords differ; "yan" was not registered');
        assert.equal(await yan.exit(), 1);
        const refused = await ChatClient.connect({
          port: server.port,
          user: "yan",
          password: PASSWORD,
          register: false,
        }).then(() => undefined, (error) => error.code);
        assert.equal(refused, "UNKNOWN_USER");
      } finally {
        server.kill("SIGTERM");
        await server.exit();
      }
    });
  },
});
