// Copyright 2026 the framewire authors. MIT license.
// A 10-second run of the soak harness (deno task soak), to keep it working:
// it must start the server, sample every second, and give a verdict. The
// verdict's rules are checked on made-up inputs below.
import assert from "node:assert/strict";
import { EXPECTED_CODES, readLog } from "../../soak/_expected_log.ts";
import { percentile, slope } from "../../soak/_verdict.ts";

const soak = new URL("../../soak/soak.ts", import.meta.url).pathname;

Deno.test("soak --seconds 10 writes a sample per second, a plot, a summary and a verdict", async () => {
  const out = await Deno.makeTempDir({ prefix: "framewire_soak_test_" });
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--check",
        "-A",
        soak,
        "--seconds",
        "10",
        "--seed",
        "7",
        "--out",
        out,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      // Bounded: the run takes ~15 s; kill it if it hangs.
      signal: AbortSignal.timeout(120_000),
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    const context = `stdout:\n${stdout}\nstderr:\n${stderr}`;
    // 0 is a pass and 1 a failure with its reason; 2 or a crash is a bug.
    assert.ok(output.code === 0 || output.code === 1, context);
    assert.match(stdout, /^soak: (PASS|FAIL)/m, context);

    const rows = (await Deno.readTextFile(`${out}/samples.csv`)).trim().split(
      "\n",
    );
    assert.match(rows[0], /^t_s,phase,rss_mb,fds,/);
    const load = rows.slice(1).map((row) => row.split(","))
      .filter((cells) => cells[1] !== "cooldown");
    assert.equal(load.length, 10);
    assert.deepEqual(load.map((cells) => Number(cells[0])), [
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
      10,
    ]);
    for (const cells of load) {
      assert.ok(Number(cells[2]) > 10, `RSS in MB: ${cells}`);
      assert.ok(Number(cells[3]) > 3, `descriptors: ${cells}`);
    }
    // The probe got answers, and load ran (pings counted).
    assert.ok(load.some((cells) => Number(cells[8]) > 0));
    assert.ok(load.some((cells) => Number(cells[9]) > 0));

    const svg = await Deno.readTextFile(`${out}/plot.svg`);
    assert.match(svg, /^<svg [^>]*>[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
    const summary = await Deno.readTextFile(`${out}/summary.md`);
    assert.match(summary, /\| (PASS|FAIL) descriptors back to baseline \|/);
    assert.match(summary, /\| n\/a {2}RSS slope after warm-up \|/);
    assert.match(await Deno.readTextFile(`${out}/server.log`), /^info /m);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("soak log check accepts expected codes and flags errors, unknown codes and stray lines", () => {
  const allowed = new Set(Object.keys(EXPECTED_CODES));
  const report = readLog(
    [
      "info connection_open conn=1 peer=127.0.0.1:5000: Connected",
      "warn protocol_error FRAME_TOO_LARGE conn=2 peer=127.0.0.1:5001: Cannot receive frame",
      "warn peer_error FORGED_CODE conn=3 peer=127.0.0.1:5002: Peer reported",
      "error handler_error INTERNAL_ERROR conn=4: Cannot handle frame",
      "warn something_new conn=5: no code",
      "    at Object.<anonymous> (file:///x.ts:1:1)",
      "",
    ].join("\n"),
    allowed,
  );
  assert.deepEqual(report.levels, { info: 1, warn: 3, error: 1 });
  assert.deepEqual(
    [...report.codes],
    [["FRAME_TOO_LARGE", 1], ["FORGED_CODE", 1], ["INTERNAL_ERROR", 1]],
  );
  assert.equal(report.unexpectedCount, 4);
  assert.match(report.unexpected[0], /FORGED_CODE/);
  assert.match(report.unexpected[3], /^ {4}at Object/);
});

Deno.test("soak trend is the least-squares slope; percentiles are nearest-rank", () => {
  assert.equal(slope([0, 1, 2, 3], [10, 12, 14, 16]), 2);
  assert.equal(slope([0, 1, 2, 3], [5, 5, 5, 5]), 0);
  assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
  assert.equal(percentile([5, 1, 3, 2, 4], 99), 5);
  assert.ok(Number.isNaN(percentile([], 50)));
});
