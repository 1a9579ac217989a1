// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { serve } from "../../mod.ts";
import { mentionsFlag, run } from "./_spawn.ts";

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

Deno.test("cli/client.ts --help documents every flag", async () => {
  const { code, stdout } = await run("client.ts", ["--help"]);
  assert.equal(code, 0);
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
      "--help",
      "--version",
    ]
  ) {
    assert.ok(mentionsFlag(stdout, flag), `--help mentions ${flag}`);
  }
});
