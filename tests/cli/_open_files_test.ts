// Copyright 2026 the framewire authors. MIT license.
// The open-file limit check of cli/server.ts.
import assert from "node:assert/strict";
import { main } from "../../cli/server.ts";
import {
  OPEN_FILES_MARGIN,
  openFileLimitWarning,
  readOpenFileLimit,
} from "../../cli/_open_files.ts";

const LIMITS =
  `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

Deno.test("readOpenFileLimit reads the soft limit of Max open files, and undefined when unlimited or absent", () => {
  assert.equal(readOpenFileLimit(LIMITS), 1024);
  assert.equal(
    readOpenFileLimit(
      LIMITS.replace(
        "1024                 524288",
        "unlimited            unlimited",
      ),
    ),
    undefined,
  );
  assert.equal(readOpenFileLimit("Max processes 10 10 processes\n"), undefined);
  if (Deno.build.os === "linux") {
    assert.equal(typeof readOpenFileLimit(), "number");
  }
});

Deno.test("openFileLimitWarning says which ulimit -n to set when the limit is below the connections plus a margin", () => {
  const warning = openFileLimitWarning(10_064, 1024);
  assert.ok(warning !== undefined);
  assert.match(warning, /open-file limit \(1024\)/);
  assert.match(warning, new RegExp(`ulimit -n ${10_064 + OPEN_FILES_MARGIN}"`));
  assert.match(warning, /about 960 will be turned away/);
  assert.ok(!warning.includes("\n"));
  assert.equal(
    openFileLimitWarning(10_064, 10_064 + OPEN_FILES_MARGIN),
    undefined,
  );
  assert.notEqual(
    openFileLimitWarning(10_064, 10_064 + OPEN_FILES_MARGIN - 1),
    undefined,
  );
  assert.equal(openFileLimitWarning(10_064, undefined), undefined);
});

Deno.test("server warns on stderr at start when --max-connections needs more descriptors than the limit, and still serves", async () => {
  const limit = readOpenFileLimit();
  if (limit === undefined) return; // Not Linux: nothing to check.
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void errors.push(args.join(" "));
  const controller = new AbortController();
  const dir = await Deno.makeTempDir();
  try {
    const running = main([
      "--port",
      "0",
      "--quiet",
      "--db",
      `${dir}/chat.db`,
      "--max-connections",
      String(limit + 1),
    ], controller.signal);
    controller.abort();
    assert.equal(await running, 0);
  } finally {
    console.error = original;
    await Deno.remove(dir, { recursive: true });
  }
  const warnings = errors.filter((line) => line.includes("open-file limit"));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^server: warning: .*ulimit -n \d+/);
});
