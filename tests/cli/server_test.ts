// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  type ChatAck,
  ChatAdminClient,
  ChatClient,
  ChatError,
  type ChatMessage,
} from "../../chat/mod.ts";
import { connect, encodeFrame, FrameType, parseErrorFrame } from "../../mod.ts";
import { HANG_BOUND_MS, within } from "../_utils.ts";
import { startChatServer, withTempDir } from "./_chat_spawn.ts";
import { mentionsFlag, run, startServer } from "./_spawn.ts";
import { hasScript, onTerminal } from "./_pty.ts";
import {
  errorCodes,
  readToEnd,
  untilClosedByPeer,
} from "../transport/_server_utils.ts";

const PASSWORD = "password1";

function port(address: string): number {
  return Number(/:(\d+)$/.exec(address)![1]);
}

Deno.test("cli/server.ts serves Pings, logs Debug frames and exits 0 on SIGTERM", async () => {
  await using server = await startServer(["--port", "0"]);
  assert.match(server.address, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  {
    using client = await connect({ port: port(server.address) });
    const pong = await client.request({
      type: FrameType.Ping,
      payload: new Uint8Array([1, 2]),
    });
    assert.equal(pong.type, FrameType.Pong);
    await client.send({
      type: FrameType.Debug,
      payload: new TextEncoder().encode("hello from the test"),
    });
    // A second Ping proves the Debug frame was handled before we leave.
    await client.request({ type: FrameType.Ping, payload: new Uint8Array() });
  }
  const { code, stderr } = await server.stop();
  assert.equal(code, 0);
  assert.match(stderr, /debug_frame .*"hello from the test"/);
  assert.match(stderr, /shutdown/);
});

Deno.test("cli/server.ts listens on a Unix socket with --unix", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/cli.sock`;
    await using server = await startServer(["--unix", path, "--quiet"]);
    assert.equal(server.address, `unix://${path}`);
    using client = await connect({ path });
    const pong = await client.request({
      type: FrameType.Ping,
      payload: new Uint8Array([5]),
    });
    assert.deepEqual(pong.payload, new Uint8Array([5]));
    client.close();
    assert.equal((await server.stop()).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli/server.ts serves TLS with --tls-cert and --tls-key", async () => {
  const fixtures = new URL("../fixtures/", import.meta.url);
  const cert = new URL("tls_cert.pem", fixtures).pathname;
  const key = new URL("tls_key.pem", fixtures).pathname;
  await using server = await startServer([
    "--port",
    "0",
    "--tls-cert",
    cert,
    "--tls-key",
    key,
    "--quiet",
  ]);
  assert.match(server.address, /^tls:\/\//);
  using client = await connect({
    hostname: "localhost",
    port: port(server.address),
    tls: { caCerts: [Deno.readTextFileSync(cert)] },
  });
  const pong = await client.request({
    type: FrameType.Ping,
    payload: new Uint8Array([6]),
  });
  assert.deepEqual(pong.payload, new Uint8Array([6]));
});

Deno.test("cli/server.ts documents every flag in --help and prints --version", async () => {
  const help = await run("server.ts", ["--help"]);
  assert.equal(help.code, 0);
  for (
    const flag of [
      "--host",
      "--port",
      "--unix",
      "--tls-cert",
      "--tls-key",
      "--max-connections",
      "--max-frame-length",
      "--max-queued-bytes",
      "--idle-timeout-ms",
      "--shutdown-timeout-ms",
      "--send-timeout-ms",
      "--max-lingering-refusals",
      // Liveness and per-host limits.
      "--heartbeat-ms",
      "--heartbeat-timeout-ms",
      "--frame-stall-ms",
      "--first-frame-timeout-ms",
      "--max-connections-per-host",
      "--max-connections-per-host-per-second",
      "--files",
      "--uploads",
      "--db",
      "--db-sync",
      "--admin",
      "--admin-token",
      "--admin-token-file",
      "--max-message-bytes",
      "--message-rate-limit",
      "--message-burst",
      "--password-iterations",
      "--max-accounts",
      "--max-rooms-per-user",
      "--max-room-members",
      "--resume-token-hours",
      "--max-concurrent-hashes",
      "--quiet",
      "--help",
      "--version",
    ]
  ) {
    assert.ok(mentionsFlag(help.stdout, flag), `--help mentions ${flag}`);
  }
  const version = await run("server.ts", ["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^framewire \d+\.\d+\.\d+/);
});

// Expected failures: exit 1 and exactly one line on stderr.
const FAILURES: [args: string[], pattern: RegExp][] = [
  [["--port", "abc"], /invalid --port "abc"/],
  [["--heartbeat-ms", "0"], /invalid --heartbeat-ms "0": expected at least 1/],
  [["--tls-cert", "cert.pem"], /--tls-cert and --tls-key go together/],
  [["--bogus"], /^server: unknown option --bogus$/m],
  [["--prot", "9000"], /unknown option --prot \(did you mean --port\?\)/],
  [[
    "--port",
    "0",
    "--tls-cert",
    "/nonexistent.pem",
    "--tls-key",
    "/nonexistent.pem",
  ], /cannot read --tls-cert/],
];

for (const [args, pattern] of FAILURES) {
  Deno.test(`cli/server.ts ${args.join(" ")} fails with one line and exit 1`, async () => {
    const { code, stderr } = await run("server.ts", args);
    assert.equal(code, 1);
    assert.match(stderr, pattern);
    assert.equal(stderr.trimEnd().split("\n").length, 1);
  });
}

Deno.test("cli/server.ts fails with exit 1 when the port is taken", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { code, stderr } = await run("server.ts", [
    "--port",
    String(taken.addr.port),
  ]);
  assert.equal(code, 1);
  assert.match(stderr, /cannot listen on 127\.0\.0\.1:\d+/);
});

Deno.test("cli/server.ts reports a taken port before opening the database, and leaves no database file behind", async () => {
  await withTempDir(async (dir) => {
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { code, stderr } = await run("server.ts", [
      "--port",
      String(taken.addr.port),
      "--db",
      `${dir}/chat.db`,
    ]);
    assert.equal(code, 1);
    assert.equal(
      stderr.trimEnd(),
      `server: cannot listen on 127.0.0.1:${taken.addr.port}: address already in use (is another server running there?)`,
    );
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
  });
});

Deno.test("cli/server.ts --port 70000 fails on the port, not on the database, and creates no file", async () => {
  await withTempDir(async (dir) => {
    const { code, stderr } = await run("server.ts", [
      "--port",
      "70000",
      "--db",
      `${dir}/chat.db`,
    ]);
    assert.equal(code, 1);
    assert.match(stderr, /^server: .*port.*65535/);
    assert.equal(stderr.trimEnd().split("\n").length, 1);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
  });
});

Deno.test("cli/server.ts without --db serves no chat and creates no file, so TCP, Unix and TLS servers run side by side", async () => {
  await withTempDir(async (dir) => {
    const noDb = { cwd: dir, env: { FRAMEWIRE_CHAT_DB: "" } };
    const fixtures = new URL("../fixtures/", import.meta.url).pathname;
    await using tcp = await startServer(["--port", "0"], noDb);
    await using unix = await startServer(["--unix", `${dir}/s.sock`], noDb);
    await using tls = await startServer([
      "--port",
      "0",
      "--tls-cert",
      `${fixtures}tls_cert.pem`,
      "--tls-key",
      `${fixtures}tls_key.pem`,
    ], noDb);
    using client = await connect({ port: port(tcp.address) });
    const pong = await client.request({
      type: FrameType.Ping,
      payload: new Uint8Array([7]),
    });
    assert.deepEqual(pong.payload, new Uint8Array([7]));
    assert.match(unix.address, /^unix:/);
    assert.match(tls.address, /^tls:/);
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names, ["s.sock"]);
  });
});

for (
  const flag of [["--admin"], ["--admin-token-file", "x"], [
    "--cluster",
    "nats://127.0.0.1:4222",
  ]]
) {
  Deno.test(`cli/server.ts ${flag[0]} without --db says that it needs the chat`, async () => {
    const { code, stderr } = await run("server.ts", ["--port", "0", ...flag], {
      env: { FRAMEWIRE_CHAT_DB: "" },
    });
    assert.equal(code, 1);
    assert.match(stderr, /^server: --\S+ needs the chat: give --db PATH\n$/);
  });
}

Deno.test("cli/server.ts takes the admin token from --admin-token-file or FRAMEWIRE_ADMIN_TOKEN", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/token`, "s3cret-token\n");
    for (
      const [args, env] of [
        [["--admin-token-file", `${dir}/token`], {}],
        [[], { FRAMEWIRE_ADMIN_TOKEN: "s3cret-token" }],
      ] as const
    ) {
      await using server = await startServer([
        "--port",
        "0",
        "--db",
        `${dir}/chat-${args.length}.db`,
        ...args,
      ], { env });
      // The client reads it from a file too.
      const { code, stdout, stderr } = await run("admin.ts", [
        server.address.replace("tcp://", ""),
        "--token-file",
        `${dir}/token`,
        "chats",
      ]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^chats_end count=0$/m);
      const wrong = await run("admin.ts", [
        server.address.replace("tcp://", ""),
        "chats",
      ], { env: { FRAMEWIRE_ADMIN_TOKEN: "not-the-token" } });
      assert.equal(wrong.code, 1);
    }
    await Deno.writeTextFile(`${dir}/empty`, "\n");
    const empty = await run("server.ts", [
      "--port",
      "0",
      "--admin-token-file",
      `${dir}/empty`,
    ]);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /--admin-token-file ".*empty" holds no token/);
  });
});

Deno.test("cli/server.ts --admin runs the console on the server's own terminal, no token needed", async () => {
  await withTempDir(async (dir) => {
    await using server = await startChatServer(`${dir}/chat.db`, ["--admin"]);
    try {
      await using bob = await ChatClient.connect({
        port: server.port,
        user: "bob",
        password: PASSWORD,
      });
      await using carol = await ChatClient.connect({
        port: server.port,
        user: "carol",
        password: PASSWORD,
      });
      await bob.send("@carol", "lunch?");
      await server.type("/chats");
      await server.waitFor(/^chats_end count=1$/);
      assert.match(
        server.lines.join("\n"),
        /^chat chat=@bob,carol kind=direct active=true messages=1 members=bob,carol online=bob,carol last_at=\d+$/m,
      );
      await server.type("/watch @carol,bob");
      await server.waitFor(/^watching chat=@bob,carol backlog=1$/);
      await server.type("/send this chat is monitored");
      await server.waitFor(/^sent chat=@bob,carol seq=2$/);
      await carol.openChat("@bob");
      // carol had the chat closed: first the unread notices, then the messages.
      const events = [];
      for (let i = 0; i < 4; i++) events.push(await carol.nextEvent());
      assert.deepEqual(
        events.slice(0, 2).map((e) => e?.type === "unread" && e.count),
        [1, 2],
      );
      const texts = events.slice(2).map((e) =>
        e?.type === "message" && `${e.message.from}: ${e.message.text}`
      );
      assert.deepEqual(texts, ["bob: lunch?", "admin: this chat is monitored"]);
    } finally {
      server.kill("SIGTERM");
      assert.equal((await server.exit()).code, 0);
    }
  });
});

/** The admin login's outcome: "welcome" or the refusal's message. */
async function adminLogin(port: number, token: string): Promise<string> {
  try {
    const admin = await ChatAdminClient.connect({ port, token });
    await admin.close();
    return "welcome";
  } catch (error) {
    if (!(error instanceof ChatError)) throw error;
    return `${error.code}: ${error.message}`;
  }
}

const DISABLED =
  'AUTH_FAILED: Cannot log in as "admin": admin logins are disabled on this server';
const WRONG = 'AUTH_FAILED: Cannot log in as "admin": wrong credentials';

Deno.test('cli/server.ts takes the admin token from FRAMEWIRE_ADMIN_TOKEN, --admin-token wins, and --admin-token "" turns remote admin off', async () => {
  const cases: {
    args: string[];
    env: Record<string, string>;
    expect: Record<string, string>;
  }[] = [
    {
      args: [],
      env: { FRAMEWIRE_ADMIN_TOKEN: "env-token" },
      expect: { "env-token": "welcome", "other-token": WRONG },
    },
    {
      args: ["--admin-token", "flag-token"],
      env: { FRAMEWIRE_ADMIN_TOKEN: "env-token" },
      expect: { "flag-token": "welcome", "env-token": WRONG },
    },
    {
      args: ["--admin-token", ""],
      env: { FRAMEWIRE_ADMIN_TOKEN: "env-token" },
      expect: { "env-token": DISABLED, "": DISABLED },
    },
  ];
  for (const { args, env, expect } of cases) {
    await withTempDir(async (dir) => {
      await using server = await startChatServer(`${dir}/chat.db`, args, env);
      try {
        for (const [token, outcome] of Object.entries(expect)) {
          assert.equal(
            await adminLogin(server.port, token),
            outcome,
            `${
              args.join(" ")
            } with FRAMEWIRE_ADMIN_TOKEN=env-token, token "${token}"`,
          );
        }
      } finally {
        server.kill("SIGTERM");
        assert.equal((await server.exit()).code, 0);
      }
    });
  }
});

const TOTAL = 500;

Deno.test("cli/server.ts killed with SIGKILL mid-stream loses no acknowledged message, and a retry stores the rest once", async () => {
  await withTempDir(async (dir) => {
    const dbPath = `${dir}/chat.db`;
    const acked = new Map<string, ChatAck>();
    {
      await using server = await startChatServer(dbPath);
      await (await ChatClient.connect({
        port: server.port,
        user: "bob",
        password: PASSWORD,
      })).close();
      const alice = await ChatClient.connect({
        port: server.port,
        user: "alice",
        password: PASSWORD,
      });
      try {
        // 100 acknowledged first, then 400 more in flight when SIGKILL
        // lands (at the 150th ack): some of those are acknowledged, some
        // stored without an ack, some neither.
        const send = (i: number) =>
          alice.send("@bob", `m${i}`, { id: `id-${i}` }).then(
            (ack) => {
              acked.set(`id-${i}`, ack);
              if (acked.size === 150) server.kill("SIGKILL");
            },
            (error) => assert.equal(error.code, "CONNECTION_CLOSED"),
          );
        await Promise.all(Array.from({ length: 100 }, (_, i) => send(i)));
        await Promise.all(
          Array.from({ length: TOTAL - 100 }, (_, i) => send(100 + i)),
        );
        server.kill("SIGKILL"); // In case all 500 were acknowledged first.
        const { signal } = await server.exit();
        assert.equal(signal, "SIGKILL");
      } finally {
        await alice.close();
      }
    }
    assert.ok(acked.size >= 150, `${acked.size} acked`);

    await using server = await startChatServer(dbPath);
    try {
      // Accounts survived: a wrong password is still refused.
      await assert.rejects(
        ChatClient.connect({
          port: server.port,
          user: "bob",
          password: "wrong-password",
        }),
        { code: "AUTH_FAILED" },
      );
      await using alice = await ChatClient.connect({
        port: server.port,
        user: "alice",
        password: PASSWORD,
      });
      // Retry everything with the same ids: acknowledged ones come back as
      // duplicates with their first seq; the rest are stored now, once.
      const retried = await Promise.all(
        Array.from(
          { length: TOTAL },
          (_, i) => alice.send("@bob", `m${i}`, { id: `id-${i}` }),
        ),
      );
      for (const [i, ack] of retried.entries()) {
        const first = acked.get(`id-${i}`);
        if (first !== undefined) {
          assert.deepEqual([ack.duplicate, ack.seq, ack.mid], [
            true,
            first.seq,
            first.mid,
          ]);
        }
      }
      await using bob = await ChatClient.connect({
        port: server.port,
        user: "bob",
        password: PASSWORD,
      });
      assert.deepEqual(bob.welcome.unread, { "@alice": TOTAL });
      await bob.openChat("@alice");
      const messages: ChatMessage[] = [];
      while (messages.length < TOTAL) {
        const event = await bob.nextEvent();
        if (event?.type !== "message") {
          throw new Error(`unexpected ${JSON.stringify(event)}`);
        }
        messages.push(event.message);
      }
      // Every message exactly once, numbered 1..500 without a gap.
      assert.deepEqual(
        messages.map((m) => m.seq),
        Array.from({ length: TOTAL }, (_, i) => i + 1),
      );
      assert.equal(new Set(messages.map((m) => m.text)).size, TOTAL);
      // What was acknowledged before the kill kept its place.
      for (const message of messages) {
        const first = acked.get(`id-${message.text.slice(1)}`);
        if (first !== undefined) assert.equal(message.seq, first.seq);
      }
    } finally {
      server.kill("SIGTERM");
      assert.equal((await server.exit()).code, 0);
    }
  });
});

Deno.test({
  name:
    "cli/server.ts --admin on a terminal keeps info log lines off the console while it is open",
  ignore: !hasScript,
  fn: async () => {
    await withTempDir(async (dir) => {
      const server = onTerminal("server.ts", [
        "--port",
        "0",
        "--db",
        `${dir}/chat.db`,
        "--admin",
      ]);
      let pid: number | undefined;
      try {
        const started = /listening on tcp:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)/;
        await server.waitFor(started);
        const [, port, serverPid] = started.exec(server.screen)!;
        pid = Number(serverPid);
        await server.waitFor("Admin console: /help lists the commands.");
        {
          // An info event: a Debug frame is logged at level info.
          using client = await connect({ port: Number(port) });
          await client.send({
            type: FrameType.Debug,
            payload: new TextEncoder().encode("not on the console"),
          });
          await client.request({
            type: FrameType.Ping,
            payload: new Uint8Array(),
          });
        }
        await server.keys("/chats\r");
        await server.waitFor("No chats yet.");
        assert.equal(server.screen.includes("not on the console"), false);
        assert.doesNotMatch(server.screen, /^info /m);
      } finally {
        if (pid !== undefined) Deno.kill(pid, "SIGTERM");
        await server.exit();
      }
    });
  },
});

// --- Every limit flag, by its effect (issue 14) ------------------------------

function rawConnect(port: number): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port });
}

Deno.test("cli/server.ts --idle-timeout-ms, --max-accounts and --db-sync take effect", async () => {
  await withTempDir(async (dir) => {
    await using server = await startChatServer(`${dir}/chat.db`, [
      "--idle-timeout-ms",
      "300",
      "--max-accounts",
      "1",
      "--db-sync",
      "NORMAL",
    ]);
    try {
      // Idle: closed with IDLE_TIMEOUT long before the 10 s first-frame
      // timeout that would close it without the flag.
      const idle = await rawConnect(server.port);
      try {
        const frames = await within(
          HANG_BOUND_MS,
          readToEnd(idle).then(({ frames }) => frames),
          "the idle close",
        );
        assert.deepEqual(errorCodes(frames), ["IDLE_TIMEOUT"]);
      } finally {
        idle.close();
      }
      // One account: the first registers, the second is refused.
      const alice = await ChatClient.connect({
        port: server.port,
        user: "alice",
        password: PASSWORD,
      });
      await alice.close();
      await assert.rejects(
        ChatClient.connect({
          port: server.port,
          user: "bob",
          password: PASSWORD,
        }),
        { code: "ACCOUNT_LIMIT" },
      );
    } finally {
      server.kill("SIGTERM");
      const { code, stderr } = await server.exit();
      assert.equal(code, 0);
      // The durability level in force, as the server reports it at start.
      assert.match(stderr, /synchronous=NORMAL/);
    }
  });
});

Deno.test("cli/server.ts --max-connections and --max-lingering-refusals take effect", async () => {
  await using server = await startServer([
    "--port",
    "0",
    "--max-connections",
    "1",
    "--max-lingering-refusals",
    "0",
  ]);
  const port = Number(/:(\d+)$/.exec(server.address)![1]);
  using first = await connect({ port });
  await first.request({ type: FrameType.Ping, payload: new Uint8Array() });
  const refused = await rawConnect(port);
  try {
    const frames = await within(
      HANG_BOUND_MS,
      readToEnd(refused).then(({ frames }) => frames),
      "the refusal",
    );
    assert.deepEqual(errorCodes(frames), ["SERVER_FULL"]);
    // No lingering refusal allowed: closed for good at once, not read and
    // dropped for lingerMs.
    await within(
      HANG_BOUND_MS,
      untilClosedByPeer(refused),
      "the refused socket's close",
    );
  } finally {
    refused.close();
  }
  assert.equal(
    (await first.request({ type: FrameType.Ping, payload: new Uint8Array() }))
      .type,
    FrameType.Pong,
  );
  assert.equal((await server.stop()).code, 0);
});

Deno.test("cli/server.ts --max-queued-bytes and --send-timeout-ms close a client that does not read with SLOW_READER", async () => {
  await using server = await startServer([
    "--port",
    "0",
    "--max-queued-bytes",
    "65536",
    "--send-timeout-ms",
    "300",
  ]);
  const port = Number(/:(\d+)$/.exec(server.address)![1]);
  const conn = await rawConnect(port);
  try {
    // Pings of 60 KiB that are never read: the Pongs fill the sockets, then
    // the server's queue, which then makes no progress.
    const ping = encodeFrame({
      type: FrameType.Ping,
      payload: new Uint8Array(60 * 1024),
    });
    const writing = (async () => {
      while (true) {
        try {
          await conn.write(ping);
        } catch {
          return; // the server closed the connection
        }
      }
    })();
    await within(HANG_BOUND_MS * 3, writing, "the slow reader's close");
  } finally {
    conn.close();
  }
  const { code, stderr } = await server.stop();
  assert.equal(code, 0);
  const line = /read nothing for 300 ms \((\d+) bytes queued\)/.exec(stderr);
  assert.ok(line, `a SLOW_READER line in: ${stderr.slice(-2000)}`);
  assert.match(stderr, /SLOW_READER/);
  // The queue stopped at the limit (plus the one Pong that crossed it).
  assert.ok(Number(line[1]) <= 65536 + PING_FRAME_BYTES, line[0]);
});

const PING_FRAME_BYTES = 5 + 60 * 1024;

Deno.test("cli/server.ts exits 130 at once on a second Ctrl-C while the first waits for a request", async () => {
  await withTempDir(async (dir) => {
    // A login whose password hash takes far longer than the test: the
    // graceful shutdown would wait for it (up to --shutdown-timeout-ms).
    await using server = await startChatServer(`${dir}/chat.db`, [
      "--password-iterations",
      "500000000",
      "--shutdown-timeout-ms",
      "600000",
      "--http-port",
      "0",
    ]);
    const metricsUrl = (await server.waitFor(/^listening http:\/\/\S+$/))
      .slice("listening ".length);
    using busy = await connect({ port: server.port });
    using idle = await connect({ port: server.port });
    await idle.request({ type: FrameType.Ping, payload: new Uint8Array() });
    await busy.send({
      type: FrameType.ClientType,
      payload: new TextEncoder().encode(
        JSON.stringify({ type: "chat", user: "slow", password: PASSWORD }),
      ),
    });
    // The login was read once the server counts both frames (the Ping and
    // the login); the Pong of a Ping sent behind it would wait for the hash.
    await within(
      HANG_BOUND_MS,
      (async () => {
        while (true) {
          const text = await (await fetch(`${metricsUrl}/metrics`)).text();
          const count = /^framewire_frames_received_total (\d+)$/m.exec(text);
          if (count !== null && Number(count[1]) >= 2) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })(),
      "the login to reach the server",
    );
    server.kill("SIGINT");
    // The first Ctrl-C started the graceful shutdown: the idle client is told.
    const notice = await within(HANG_BOUND_MS, idle.receive(), "SHUTTING_DOWN");
    assert.ok(notice !== null);
    assert.equal(parseErrorFrame(notice).code, "SHUTTING_DOWN");
    server.kill("SIGINT");
    const { code } = await server.exit(HANG_BOUND_MS);
    assert.equal(code, 130);
  });
});
