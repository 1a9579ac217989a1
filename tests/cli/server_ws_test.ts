// Copyright 2026 the framewire authors. MIT license.
// cli/server.ts --http-port serves /ws: a WebSocket chat user and a TCP chat
// user chat through one subprocess server; --allow-origin widens the origin
// check; with --tls-cert the HTTP port is HTTPS and /ws is wss:.
import assert from "node:assert/strict";
import { ChatClient } from "../../chat/mod.ts";
import { connectWebChat } from "../../web/mod.ts";
import { within } from "../_utils.ts";
import { run } from "./_spawn.ts";
import { spawnInteractive, withHttpServer } from "./_chat_spawn.ts";

const fixtures = new URL("../fixtures/", import.meta.url);
const CERT = new URL("tls_cert.pem", fixtures).pathname;
const KEY = new URL("tls_key.pem", fixtures).pathname;
const PASSWORD = "password1";
const TOKEN = "operator-token-42";

/** The status code of a hand-made upgrade request to /ws. */
async function upgradeStatus(port: number, origin: string): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request = [
      "GET /ws HTTP/1.1",
      `Host: 127.0.0.1:${port}`,
      "Connection: Upgrade",
      "Upgrade: websocket",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
      `Origin: ${origin}`,
      "",
      "",
    ].join("\r\n");
    await conn.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(512);
    const count = await within(10_000, conn.read(buffer), "the answer");
    const head = new TextDecoder().decode(buffer.subarray(0, count ?? 0));
    return Number(head.split(" ")[1]);
  } finally {
    conn.close();
  }
}

Deno.test("cli/server.ts --http-port serves chat over /ws: a WebSocket user and a TCP user chat both ways", async () => {
  await withHttpServer(
    ["--allow-origin", "https://chat.example"],
    async ({ tcp, http }) => {
      const httpPort = Number(new URL(http).port);
      const tcpPort = Number(new URL(tcp.replace("tcp:", "http:")).port);
      const web = await connectWebChat({
        url: `${http}/ws`,
        user: "webby",
        password: PASSWORD,
        reconnect: false,
      });
      const term = await ChatClient.connect({
        port: tcpPort,
        user: "term",
        password: PASSWORD,
      });
      try {
        await web.openChat("@term");
        await term.openChat("@webby");
        await web.send("@term", "hi from the page");
        const got = await within(10_000, term.nextEvent(), "term's message");
        assert.equal(
          got?.type === "message" && got.message.text,
          "hi from the page",
        );
        await term.send("@webby", "hi from the terminal");
        const back = await within(10_000, web.nextEvent(), "web's message");
        assert.equal(
          back?.type === "message" && back.message.from,
          "term",
        );
      } finally {
        await web.close();
        await term.close();
      }
      assert.equal(await upgradeStatus(httpPort, "http://evil.example"), 403);
      assert.equal(await upgradeStatus(httpPort, "https://chat.example"), 101);
      assert.equal(await upgradeStatus(httpPort, http), 101);
    },
  );
});

Deno.test("cli/client.ts chat and cli/admin.ts reach the server through its /ws URL", async () => {
  await withHttpServer(["--admin-token", TOKEN], async ({ tcp, http }) => {
    const url = `${http.replace(/^http/, "ws")}/ws`;
    const tcpPort = Number(new URL(tcp.replace("tcp:", "http:")).port);
    const bob = await ChatClient.connect({
      port: tcpPort,
      user: "bob",
      password: PASSWORD,
    });
    await using alice = spawnInteractive("client.ts", [
      "chat",
      url,
      "--user",
      "alice",
      "--password",
      PASSWORD,
      "--open",
      "bob",
    ]);
    await alice.waitFor(/^welcome user=alice registered=true$/);
    try {
      await alice.waitFor(/^opened chat=@bob delivered=0$/);
      await bob.send("@alice", "over TCP");
      await alice.waitFor(
        /^message chat=@bob seq=1 from=bob text="over TCP"$/,
      );
      await alice.type("over the WebSocket");
      await alice.waitFor(/^sent chat=@bob seq=2$/);
    } finally {
      await bob.close();
    }
    await alice.type("/quit");
    assert.equal((await alice.exit()).code, 0);
    await using admin = spawnInteractive("admin.ts", [url, "connections"], {
      FRAMEWIRE_ADMIN_TOKEN: TOKEN,
    });
    const exit = await admin.exit();
    assert.equal(exit.code, 0, exit.stderr);
    // Its own connection, the only one left: it came in through /ws.
    assert.match(
      admin.lines[0],
      /^connection id=\d+ peer=127\.0\.0\.1:\d+ type=chat-admin user=admin admin=true /,
    );
    assert.equal(admin.lines[1], "connections_end count=1");
  });
});

Deno.test("cli/server.ts with --tls-cert serves HTTPS and wss: on the HTTP port", async () => {
  await withHttpServer(
    ["--tls-cert", CERT, "--tls-key", KEY],
    async ({ http }) => {
      assert.match(http, /^https:\/\/127\.0\.0\.1:\d+$/);
      using client = Deno.createHttpClient({
        caCerts: [Deno.readTextFileSync(CERT)],
      });
      const health = await fetch(`${http}/livez`, { client });
      assert.deepEqual([health.status, await health.text()], [200, "ok\n"]);
      // Deno's WebSocket trusts the test certificate only through --cert:
      // a Ping over wss: from a child process.
      const wss = http.replace("https:", "wss:");
      const code = `
      const socket = new WebSocket("${wss}/ws");
      socket.binaryType = "arraybuffer";
      socket.onopen = () => socket.send(new Uint8Array([2, 0, 0, 0, 1, 7]));
      socket.onmessage = (event) => {
        console.log([...new Uint8Array(event.data)].join(","));
        socket.close();
      };
      setTimeout(() => Deno.exit(3), 10000);
      socket.onclose = () => Deno.exit(0);
    `;
      const output = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--cert", CERT, code],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(output.stdout).trim();
      assert.equal(
        stdout,
        "4,0,0,0,1,7",
        new TextDecoder().decode(output.stderr),
      );
    },
  );
});

Deno.test("cli/server.ts documents /ws and --allow-origin in --help", async () => {
  const { code, stdout } = await run("server.ts", ["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /^\s+--allow-origin ORIGIN\s/m);
  assert.match(stdout, /\/ws: the same protocol over WebSocket/);
});
