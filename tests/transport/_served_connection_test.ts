// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { parseClientType } from "../../transport/_served_connection.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);

Deno.test("parseClientType shows only the type of a JSON ClientType, never its credentials", () => {
  const cases: [string, string][] = [
    // A login with a password next to the type.
    ['{"type":"chat","user":"bob","password":"hunter2"}', "chat"],
    // Malformed JSON, as a mistyped login would be: no raw text leaks.
    ['{"type":"chat","password":"hunter2"', "(invalid json)"],
    // Well-formed JSON without a string type.
    ['{"password":"hunter2"}', "(json without type)"],
    // A plain-text client type is shown as sent (trimmed).
    ["  game-client v2 ", "game-client v2"],
  ];
  for (const [payload, expected] of cases) {
    const shown = parseClientType(utf8(payload));
    assert.equal(shown, expected);
    assert.ok(!shown.includes("hunter2"));
  }
});

Deno.test("parseClientType cuts a plain-text client type to 64 characters", () => {
  assert.equal(parseClientType(utf8("x".repeat(100))).length, 64);
});
