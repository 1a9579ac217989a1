// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { escapeHelp, escapeLabelValue } from "../../transport/_metrics_text.ts";

Deno.test("escapeLabelValue escapes backslash, double quote and line feed only", () => {
  assert.equal(escapeLabelValue('a"b\\c\nd\te'), 'a\\"b\\\\c\\nd\te');
  assert.equal(escapeLabelValue("plain"), "plain");
});

Deno.test("escapeHelp escapes backslash and line feed, and leaves quotes", () => {
  assert.equal(escapeHelp('a "b"\\\nc'), 'a "b"\\\\\\nc');
});
