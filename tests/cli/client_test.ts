// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { serve } from "../../mod.ts";
import { mentionsFlag, run, startServer } from "./_spawn.ts";

Deno.test("cli/client.ts ping prints one parseable line per Pong and a summary", async () => {
  await using server = serve({ port: 0, logger: null });
  const { code, stdout } = await run("client.ts", [
    "ping",
    `127.0.0.1:${server.port}`,
    "--count",
    "5",
    "--size",
    "100",
    "--interval",
    "0",
  ]);
  assert.equal(code, 0);
  const lines = stdout.trimEnd().split("\n");
  assert.equal(lines.length, 6);
  for (let i = 0; i < 5; i++) {
    assert.match(
      lines[i],
      new RegExp(`^pong seq=${i + 1} bytes=100 rtt_ms=\\d+\\.\\d{3}$`),
    );
  }
  const summary =
    /^summary sent=5 received=5 loss_pct=0 min_ms=([\d.]+) median_ms=([\d.]+) p99_ms=([\d.]+)$/
      .exec(lines[5]);
  assert.ok(summary, lines[5]);
  const [min, median, p99] = summary.slice(1).map(Number);
  assert.ok(min <= median && median <= p99);
});

Deno.test("cli/client.ts ping reaches a Unix socket with --unix", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/ping.sock`;
    await using _server = serve({ path, logger: null });
    const { code, stdout } = await run("client.ts", [
      "ping",
      "--unix",
      path,
      "-c",
      "2",
      "-i",
      "0",
      "-s",
      "0",
    ]);
    assert.equal(code, 0);
    assert.match(stdout, /^summary sent=2 received=2 /m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const FAILURES: [args: string[], pattern: RegExp][] = [
  [[], /missing command/],
  [["pong", "127.0.0.1:1"], /unknown command "pong"/],
  [["ping", "localhost"], /invalid address "localhost"/],
  [["ping", "127.0.0.1:9000", "--count", "0"], /invalid --count "0"/],
  [
    ["ping", "127.0.0.1:9000", "--cout", "3"],
    /^client: unknown option --cout \(did you mean --count\?\)$/m,
  ],
  [
    ["ping", "127.0.0.1:9000", "--size", "-5"],
    /^client: invalid --size "-5": expected a whole number$/m,
  ],
  [["ping", "127.0.0.1:9000", "--size"], /^client: missing value for --size$/m],
  [["ping", "127.0.0.1:9000", "--tls=yes"], /^client: --tls takes no value$/m],
  [
    ["pign", "127.0.0.1:9000"],
    /unknown command "pign".*\(did you mean ping\?\)$/m,
  ],
];

for (const [args, pattern] of FAILURES) {
  Deno.test(`cli/client.ts ${args.join(" ") || "(no arguments)"} fails with one line and exit 1`, async () => {
    const { code, stderr } = await run("client.ts", args);
    assert.equal(code, 1);
    assert.match(stderr, pattern);
    assert.equal(stderr.trimEnd().split("\n").length, 1);
  });
}

Deno.test("cli/client.ts ping fails with one line and exit 1 when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const { code, stderr } = await run("client.ts", [
    "ping",
    `127.0.0.1:${port}`,
  ]);
  assert.equal(code, 1);
  assert.match(stderr, /^client: cannot connect to 127\.0\.0\.1:\d+: /);
  assert.equal(stderr.trimEnd().split("\n").length, 1);
});

Deno.test("cli/client.ts --help is a short overview, and COMMAND --help documents that command's flags", async () => {
  const overview = await run("client.ts", ["--help"]);
  assert.equal(overview.code, 0);
  assert.ok(overview.stdout.split("\n").length <= 25, overview.stdout);
  for (
    const text of [
      "ping HOST:PORT",
      "get HOST:PORT",
      "put HOST:PORT",
      "chat HOST:PORT",
      "COMMAND --help",
      "--tls",
      "--version",
    ]
  ) {
    assert.ok(overview.stdout.includes(text), `--help mentions ${text}`);
  }
  const ping = await run("client.ts", ["ping", "--help"]);
  assert.equal(ping.code, 0);
  for (
    const flag of [
      "--count",
      "--size",
      "--interval",
      "--timeout",
      "--unix",
      "--tls",
      "--ca",
      "--retry",
    ]
  ) {
    assert.ok(mentionsFlag(ping.stdout, flag), `ping --help mentions ${flag}`);
  }
  const chat = await run("client.ts", ["chat", "--help"]);
  for (
    const flag of [
      "--user",
      "--password",
      "--open",
      "--reconnect-ms",
      "/history",
    ]
  ) {
    assert.ok(mentionsFlag(chat.stdout, flag), `chat --help mentions ${flag}`);
  }
});

const fixtures = new URL("../fixtures/", import.meta.url).pathname;
const TLS_FLAGS = [
  "--tls-cert",
  `${fixtures}tls_cert.pem`,
  "--tls-key",
  `${fixtures}tls_key.pem`,
];

Deno.test("cli/client.ts ping names the protocol mistake in one line: add --tls, drop --tls, pass --ca FILE", async () => {
  await using tls = await startServer(["--port", "0", "--quiet", ...TLS_FLAGS]);
  await using plain = await startServer(["--port", "0", "--quiet"]);
  const tlsAt = tls.address.replace("tls://", "");
  const plainAt = plain.address.replace("tcp://", "");
  const cases: [string[], string][] = [
    [
      [tlsAt],
      `client: cannot talk to ${tlsAt}: the server speaks TLS; add --tls`,
    ],
    [
      [plainAt, "--tls"],
      `client: cannot talk to ${plainAt}: the server does not speak TLS; drop --tls`,
    ],
    [
      [tlsAt, "--tls"],
      `client: cannot talk to ${tlsAt}: certificate not trusted (UnknownIssuer); pass --ca FILE`,
    ],
  ];
  for (const [args, expected] of cases) {
    const { code, stderr } = await run("client.ts", [
      "ping",
      ...args,
      "-c",
      "1",
    ]);
    assert.equal(code, 1);
    assert.equal(stderr, `${expected}\n`);
  }
  const ok = await run("client.ts", [
    "ping",
    tlsAt.replace("127.0.0.1", "localhost"),
    "-c",
    "1",
    "--ca",
    `${fixtures}tls_cert.pem`,
  ]);
  assert.equal(ok.code, 0, ok.stderr);
});

Deno.test("cli/client.ts chat and cli/admin.ts name the protocol mistake too", async () => {
  await using tls = await startServer(["--port", "0", "--quiet", ...TLS_FLAGS]);
  const at = tls.address.replace("tls://", "");
  const chat = await run("client.ts", [
    "chat",
    at,
    "--user",
    "alice",
    "--password",
    "password1",
    "--reconnect-ms",
    "0",
  ]);
  assert.equal(chat.code, 1);
  assert.equal(
    chat.stderr,
    'client: cannot log in as "alice": the server speaks TLS; add --tls\n',
  );
  const admin = await run("admin.ts", [at, "--token", "x", "chats"]);
  assert.equal(admin.code, 1);
  assert.equal(
    admin.stderr,
    'admin: cannot log in as "admin": the server speaks TLS; add --tls\n',
  );
});

Deno.test("cli/client.ts ping of an HTTP server says it is not framewire", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const answered = (async () => {
    using conn = await listener.accept();
    await conn.read(new Uint8Array(64));
    await conn.write(
      new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n"),
    );
  })();
  const { code, stderr } = await run("client.ts", [
    "ping",
    `127.0.0.1:${listener.addr.port}`,
    "-c",
    "1",
  ]);
  await answered;
  assert.equal(code, 1);
  assert.match(
    stderr,
    /^client: cannot talk to .*: the server speaks HTTP, not framewire \(wrong port\?\)\n$/,
  );
});
