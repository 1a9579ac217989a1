// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { ChatClient } from "../../chat/mod.ts";
import {
  spawnInteractive,
  startChatServer,
  withTempDir,
} from "./_chat_spawn.ts";
import { run } from "./_spawn.ts";
import { deadAddress } from "../chat/_chat_nodes.ts";

const TOKEN = "operator-token-42";
const PASSWORD = "password1";

Deno.test("cli/admin.ts lists chats and connections, watches a room live and sends as admin", async () => {
  await withTempDir(async (dir) => {
    await using server = await startChatServer(`${dir}/chat.db`, [
      "--admin-token",
      TOKEN,
    ]);
    try {
      await using alice = await ChatClient.connect({
        port: server.port,
        user: "alice",
        password: PASSWORD,
      });
      await alice.join("#ops");
      await alice.openChat("#ops");
      await alice.send("#ops", "deploy at 5");
      const address = `127.0.0.1:${server.port}`;

      // One command, then exit; the token from the environment.
      const listed = await run("admin.ts", [address, "chats"]);
      assert.equal(listed.code, 1, "no token: refused");
      assert.equal(
        listed.stderr.trim(),
        "admin: needs --token-file, --token or FRAMEWIRE_ADMIN_TOKEN when stdin is not a terminal",
      );
      await using once = spawnInteractive("admin.ts", [address, "chats"], {
        FRAMEWIRE_ADMIN_TOKEN: TOKEN,
      });
      assert.equal((await once.exit()).code, 0);
      assert.match(
        once.lines[0],
        /^chat chat=#ops kind=room active=true messages=1 members=alice online=alice last_at=\d+$/,
      );
      assert.equal(once.lines[1], "chats_end count=1");

      await using admin = spawnInteractive("admin.ts", [
        address,
        "--token",
        TOKEN,
      ]);
      await admin.type("/connections");
      await admin.waitFor(/^connections_end count=2$/);
      assert.match(
        admin.lines.join("\n"),
        /^connection id=\d+ peer=127\.0\.0\.1:\d+ type=chat user=alice admin=false open=#ops bytes_in=\d+ bytes_out=\d+$/m,
      );
      await admin.type("/watch #ops");
      await admin.waitFor(/^watching chat=#ops backlog=1$/);
      await alice.send("#ops", "rolling back");
      await admin.waitFor(
        /^message chat=#ops seq=2 from=alice text="rolling back"$/,
      );
      // A line without "/" is not posted: it may be a command typed
      // without its slash.
      await admin.type("clear");
      await admin.waitFor(
        /^error code=UNKNOWN_COMMAND message="\\"clear\\" was not sent; to post it into #ops, type \/send clear"$/,
      );
      await admin.type("/send please wait for me");
      await admin.waitFor(/^sent chat=#ops seq=3$/);
      const event = await alice.nextEvent();
      assert.equal(event?.type === "message" && event.message.from, "admin");
      // A lost device: bob's remembered login logs in no more.
      let token: string;
      {
        await using bob = await ChatClient.connect({
          port: server.port,
          user: "bob",
          password: PASSWORD,
          remember: true,
        });
        token = bob.resume!;
      }
      await admin.type("/revoke @bob");
      await admin.waitFor(/^revoked user=bob tokens=1$/);
      await assert.rejects(
        ChatClient.connect({ port: server.port, user: "bob", resume: token }),
        { code: "AUTH_FAILED" },
      );
      await admin.type("/revoke nobody");
      await admin.waitFor(/^error code=UNKNOWN_USER message=/);
      await admin.type("/quit");
      assert.equal((await admin.exit()).code, 0);
      assert.deepEqual(
        admin.lines.filter((line) => /^(history|message) /.test(line)),
        [
          'history chat=#ops seq=1 from=alice text="deploy at 5"',
          'message chat=#ops seq=2 from=alice text="rolling back"',
          'message chat=#ops seq=3 from=admin text="please wait for me"',
        ],
      );
    } finally {
      server.kill("SIGTERM");
      await server.exit();
    }
  });
});

Deno.test("cli/admin.ts with a wrong token fails with one line and exit 1", async () => {
  await withTempDir(async (dir) => {
    await using server = await startChatServer(`${dir}/chat.db`, [
      "--admin-token",
      TOKEN,
    ]);
    try {
      const { code, stderr } = await run("admin.ts", [
        `127.0.0.1:${server.port}`,
        "--token",
        "not-it",
        "chats",
      ]);
      assert.equal(code, 1);
      assert.equal(
        stderr.trim(),
        'admin: cannot log in as "admin": wrong credentials (AUTH_FAILED)',
      );
    } finally {
      server.kill("SIGTERM");
      await server.exit();
    }
  });
});

Deno.test("cli/admin.ts takes a comma list of nodes and skips one that is down", async () => {
  await withTempDir(async (dir) => {
    await using server = await startChatServer(`${dir}/chat.db`, [
      "--admin-token",
      TOKEN,
    ]);
    try {
      const { code, stdout } = await run("admin.ts", [
        `${deadAddress()},127.0.0.1:${server.port}`,
        "--token",
        TOKEN,
        "--reconnect-ms",
        "0",
        "chats",
      ]);
      assert.equal(code, 0);
      assert.equal(stdout, "chats_end count=0\n");
    } finally {
      server.kill("SIGTERM");
      await server.exit();
    }
  });
});

Deno.test("cli/admin.ts refuses a bad address in the list and a bad --reconnect-ms", async () => {
  for (
    const args of [
      ["127.0.0.1:1,nowhere", "chats"],
      ["127.0.0.1:1,", "chats"],
      ["127.0.0.1:1", "--reconnect-ms", "soon", "chats"],
    ]
  ) {
    const { code, stderr } = await run("admin.ts", [...args, "--token", "t"]);
    assert.equal(code, 1, args.join(" "));
    assert.match(stderr, /^admin: invalid /, args.join(" "));
  }
});
