// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  formatBytes,
  formatEta,
  formatProgressLine,
} from "../../cli/_progress.ts";

Deno.test("formatBytes picks binary units with three significant digits", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1536), "1.50 KiB");
  assert.equal(formatBytes(586_403), "573 KiB");
  assert.equal(formatBytes(100 * 1024 * 1024), "100 MiB");
  assert.equal(formatBytes(1024 ** 3), "1.00 GiB");
});

Deno.test("formatEta prints m:ss or h:mm:ss, and --:-- when unknown", () => {
  assert.equal(formatEta(0), "0:00");
  assert.equal(formatEta(61.4), "1:01");
  assert.equal(formatEta(3 * 3600 + 5), "3:00:05");
  assert.equal(formatEta(undefined), "--:--");
  assert.equal(formatEta(Infinity), "--:--");
});

Deno.test("formatProgressLine shows the bar, bytes, rate and ETA; rate counts only new bytes of a resume", () => {
  const MiB = 1024 * 1024;
  assert.equal(
    formatProgressLine(50 * MiB, 100 * MiB, 1000),
    "[############............]  50% 50.0 MiB / 100 MiB  50.0 MiB/s  ETA 0:01",
  );
  // Resumed at 40 MiB: 10 MiB in 1 s, 50 MiB left.
  assert.equal(
    formatProgressLine(50 * MiB, 100 * MiB, 1000, 40 * MiB),
    "[############............]  50% 50.0 MiB / 100 MiB  10.0 MiB/s  ETA 0:05",
  );
  assert.equal(
    formatProgressLine(2048, undefined, 1000),
    "2.00 KiB  2.00 KiB/s",
  );
});
