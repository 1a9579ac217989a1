// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { ChatClient } from "../../chat/mod.ts";
import {
  spawnInteractive,
  startChatServer,
  withTempDir,
} from "./_chat_spawn.ts";
import { run } from "./_spawn.ts";
import { deadAddress, NodeProxy, withNodes } from "../chat/_chat_nodes.ts";

const PASSWORD = "password1";

async function register(port: number, ...users: string[]): Promise<void> {
  for (const user of users) {
    const client = await ChatClient.connect({ port, user, password: PASSWORD });
    await client.close();
  }
}

Deno.test("cli/client.ts chat: two terminal clients chat while a third, offline, gets its messages on /open", async () => {
  await withTempDir(async (dir) => {
    await using server = await startChatServer(`${dir}/chat.db`);
    try {
      await register(server.port, "alice", "bob", "carol");
      const address = `127.0.0.1:${server.port}`;
      await using bob = spawnInteractive("client.ts", [
        "chat",
        address,
        "--user",
        "bob",
        "--password",
        PASSWORD,
      ]);
      await bob.waitFor(/^welcome user=bob registered=false$/);
      await bob.type("/open alice");
      await bob.waitFor(/^opened chat=@alice delivered=0$/);
      // The password can come from the environment instead of a flag.
      await using alice = spawnInteractive(
        "client.ts",
        ["chat", address, "-u", "alice", "--open", "bob"],
        { FRAMEWIRE_PASSWORD: PASSWORD },
      );
      await alice.waitFor(/^opened chat=@bob delivered=0$/);
      await alice.type("hello bob, how are you?");
      await alice.waitFor(/^sent chat=@bob seq=1$/);
      // bob is idle at his keyboard and still sees it at once.
      await bob.waitFor(
        /^message chat=@alice seq=1 from=alice text="hello bob, how are you\?"$/,
      );
      await bob.type("fine, thanks");
      await alice.waitFor(
        /^message chat=@bob seq=2 from=bob text="fine, thanks"$/,
      );
      await alice.type("/open carol");
      await alice.type("carol, are you there?");
      await alice.waitFor(/^sent chat=@carol seq=1$/);
      await alice.type("/history 5");
      await alice.waitFor(/^history_end chat=@carol count=1$/);
      await bob.type("/quit");
      const bobExit = await bob.exit();
      assert.equal(bobExit.code, 0, bobExit.stderr);
      assert.equal(bob.lines.at(-1), "bye");
      await alice.endInput(); // Ctrl-D
      assert.equal((await alice.exit()).code, 0);
      assert.equal(alice.lines.at(-1), "bye");
      assert.deepEqual(
        alice.lines.filter((line) => line.startsWith("history ")),
        ['history chat=@carol seq=1 from=alice text="carol, are you there?"'],
      );

      // carol was offline: told at login, given the message on /open, once.
      await using carol = spawnInteractive("client.ts", [
        "chat",
        address,
        "--user",
        "carol",
        "--password",
        PASSWORD,
      ]);
      await carol.waitFor(/^unread chat=@alice count=1$/);
      await carol.type("/open alice");
      await carol.waitFor(/^opened chat=@alice delivered=1$/);
      await carol.type("/list");
      await carol.waitFor(/^list_end count=1$/);
      await carol.endInput();
      assert.equal((await carol.exit()).code, 0);
      assert.deepEqual(carol.lines, [
        "welcome user=carol registered=false",
        "unread chat=@alice count=1",
        'message chat=@alice seq=1 from=alice text="carol, are you there?"',
        "opened chat=@alice delivered=1",
        "chat chat=@alice unread=0 last_seq=1 open=true",
        "list_end count=1",
        "bye",
      ]);
    } finally {
      server.kill("SIGTERM");
      assert.equal((await server.exit()).code, 0);
    }
  });
});

Deno.test("cli/client.ts chat reports command errors as lines and keeps going", async () => {
  await withTempDir(async (dir) => {
    await using server = await startChatServer(`${dir}/chat.db`);
    try {
      await using dave = spawnInteractive("client.ts", [
        "chat",
        `127.0.0.1:${server.port}`,
        "--user",
        "dave",
        "--password",
        PASSWORD,
      ]);
      await dave.type("nobody to talk to");
      await dave.type("/open zed");
      await dave.type("/dance");
      await dave.type("/join lobby");
      await dave.type("anyone?");
      await dave.waitFor(/^sent chat=#lobby seq=1$/);
      await dave.endInput();
      assert.equal((await dave.exit()).code, 0);
      // In the order of the commands, whenever the server answered.
      assert.deepEqual(dave.lines, [
        "welcome user=dave registered=true",
        'error code=NO_CHAT message="No chat is open: /open NAME or /join ROOM first"',
        'error code=UNKNOWN_USER message="Cannot open \\"@zed\\": no user \\"zed\\""',
        'error code=UNKNOWN_COMMAND message="Unknown command /dance; try /help"',
        "joined chat=#lobby created=true members=dave",
        "opened chat=#lobby delivered=0",
        "sent chat=#lobby seq=1",
        "bye",
      ]);
    } finally {
      server.kill("SIGTERM");
      await server.exit();
    }
  });
});

Deno.test("cli/client.ts chat prints records in the order of the commands, and a failed /open keeps the open chat", async () => {
  await withTempDir(async (dir) => {
    await using server = await startChatServer(`${dir}/chat.db`);
    try {
      await using erin = spawnInteractive("client.ts", [
        "chat",
        `127.0.0.1:${server.port}`,
        "--user",
        "erin",
        "--password",
        PASSWORD,
      ]);
      await erin.type("/join lobby");
      await erin.waitFor(/^opened chat=#lobby delivered=0$/);
      // The send waits for its commit; the history needs none, and is
      // printed after the send's record all the same.
      await erin.type("first\n/history 5\n/open nosuchuser");
      await erin.waitFor(/^error code=UNKNOWN_USER /);
      await erin.type("still in the lobby");
      await erin.waitFor(/^sent chat=#lobby seq=2$/);
      await erin.endInput();
      assert.equal((await erin.exit()).code, 0);
      assert.deepEqual(erin.lines.slice(3), [
        "sent chat=#lobby seq=1",
        'history chat=#lobby seq=1 from=erin text="first"',
        "history_end chat=#lobby count=1",
        'error code=UNKNOWN_USER message="Cannot open \\"@nosuchuser\\": no user \\"nosuchuser\\""',
        "sent chat=#lobby seq=2",
        "bye",
      ]);
    } finally {
      server.kill("SIGTERM");
      await server.exit();
    }
  });
});

Deno.test("cli/client.ts chat refuses a wrong password and a missing one, with one line and exit 1", async () => {
  await withTempDir(async (dir) => {
    await using server = await startChatServer(`${dir}/chat.db`);
    try {
      await register(server.port, "alice");
      const address = `127.0.0.1:${server.port}`;
      const wrong = await run("client.ts", [
        "chat",
        address,
        "--user",
        "alice",
        "--password",
        "not-her-password",
      ]);
      assert.equal(wrong.code, 1);
      assert.equal(
        wrong.stderr.trim(),
        'client: cannot log in as "alice": wrong credentials (AUTH_FAILED)',
      );
      const missing = await run("client.ts", [
        "chat",
        address,
        "--user",
        "alice",
      ]);
      assert.equal(missing.code, 1);
      assert.equal(
        missing.stderr.trim(),
        "client: chat needs --password or FRAMEWIRE_PASSWORD when stdin is not a terminal",
      );
      const noUser = await run("client.ts", ["chat", address]);
      assert.equal(noUser.code, 1);
      assert.equal(
        noUser.stderr.trim(),
        "client: chat needs --user NAME (see --help)",
      );
    } finally {
      server.kill("SIGTERM");
      await server.exit();
    }
  });
});

Deno.test("cli/client.ts chat takes a comma list of nodes and skips one that is down", async () => {
  await withTempDir(async (dir) => {
    await using server = await startChatServer(`${dir}/chat.db`);
    try {
      await using alice = spawnInteractive("client.ts", [
        "chat",
        `${deadAddress()},127.0.0.1:${server.port}`,
        "--user",
        "alice",
        "--password",
        PASSWORD,
      ]);
      await alice.waitFor(/^welcome user=alice registered=true$/);
      await alice.type("/quit");
      const { code } = await alice.exit();
      assert.equal(code, 0);
    } finally {
      server.kill("SIGTERM");
      await server.exit();
    }
  });
});

Deno.test("cli/client.ts chat fails over when its node dies: one line, the open chat resumes, nothing lost or shown twice", async () => {
  await withNodes(2, async ([a, b]) => {
    await register(a.port, "alice");
    await using bob = await ChatClient.connect({
      port: b.port,
      user: "bob",
      password: PASSWORD,
    });
    await bob.openChat("@alice");
    await using proxy = new NodeProxy(a.port);
    const second = `127.0.0.1:${b.port}`;
    await using alice = spawnInteractive("client.ts", [
      "chat",
      `${proxy.address},${second}`,
      "--user",
      "alice",
      "--password",
      PASSWORD,
      "--open",
      "bob",
    ]);
    await alice.waitFor(/^opened chat=@bob delivered=0$/);
    await bob.send("@alice", "before");
    await alice.waitFor(/^message chat=@bob seq=1 from=bob text="before"$/);
    await proxy.kill();
    await alice.waitFor(new RegExp(`^reconnected address=${second}$`));
    await bob.send("@alice", "after");
    await alice.waitFor(/^message chat=@bob seq=2 from=bob text="after"$/);
    await alice.type("still here");
    await alice.waitFor(/^sent chat=@bob seq=3$/);
    await alice.type("/quit");
    assert.equal((await alice.exit()).code, 0);
    assert.deepEqual(
      alice.lines.filter((line) => line.startsWith("message ")),
      [
        'message chat=@bob seq=1 from=bob text="before"',
        'message chat=@bob seq=2 from=bob text="after"',
      ],
    );
    assert.match(
      alice.lines.find((line) => line.startsWith("reconnecting ")) ?? "",
      new RegExp(`^reconnecting attempt=1 address=${second} code=\\w+$`),
    );
  });
});
