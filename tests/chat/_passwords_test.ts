// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  constantTimeEqual,
  DEFAULT_PASSWORD_ITERATIONS,
  hashPassword,
  verifyPassword,
} from "../../chat/_passwords.ts";
import { TEST_ITERATIONS, withChat } from "./_chat_utils.ts";

Deno.test("hashPassword salts every hash and verifyPassword checks with the stored iterations", async () => {
  const a = await hashPassword("same password", { iterations: 1000 });
  const b = await hashPassword("same password", { iterations: 2000 });
  assert.equal(a.salt.length, 16);
  assert.notDeepEqual(a.salt, b.salt);
  assert.notDeepEqual(a.hash, b.hash);
  assert.equal(b.iterations, 2000);
  assert.equal(await verifyPassword("same password", a), true);
  assert.equal(await verifyPassword("same password", b), true);
  assert.equal(await verifyPassword("same passwore", b), false);
  assert.equal(DEFAULT_PASSWORD_ITERATIONS, 210_000);
  await assert.rejects(hashPassword("x", { iterations: 0 }), RangeError);
  assert.equal(constantTimeEqual(new Uint8Array(2), new Uint8Array(3)), false);
});

Deno.test("ChatServer stores only a salted PBKDF2 hash, never the password", async () => {
  const password = "Tr0ub4dor&3-unique-marker";
  await withChat(async (harness) => {
    const alice = await harness.login("alice", password);
    await alice.close();
    await harness.stop();
    // The database file and its write-ahead log (if any), byte for byte.
    for (const path of [harness.dbPath, `${harness.dbPath}-wal`]) {
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(path);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        throw error;
      }
      assert.equal(
        new TextDecoder("latin1").decode(bytes).includes(password),
        false,
      );
    }
    const db = new DatabaseSync(harness.dbPath);
    try {
      const row = db.prepare(
        "SELECT salt, hash, iterations FROM users WHERE name = ?",
      )
        .get("alice") as {
          salt: Uint8Array;
          hash: Uint8Array;
          iterations: number;
        };
      assert.deepEqual([row.salt.length, row.hash.length, row.iterations], [
        16,
        32,
        TEST_ITERATIONS,
      ]);
    } finally {
      db.close();
    }
  });
});

Deno.test("constantTimeEqual compares every byte: a difference at any position makes it false", () => {
  for (const length of [1, 2, 3, 16, 32, 33]) {
    const a = new Uint8Array(length).map((_, i) => i * 37 + 1);
    assert.equal(constantTimeEqual(a, a.slice()), true, `${length} bytes`);
    for (let at = 0; at < length; at++) {
      const b = a.slice();
      b[at] ^= 0x80;
      assert.equal(constantTimeEqual(a, b), false, `byte ${at} of ${length}`);
      assert.equal(constantTimeEqual(b, a), false, `byte ${at} of ${length}`);
    }
  }
  assert.equal(constantTimeEqual(new Uint8Array(), new Uint8Array()), true);
  assert.equal(constantTimeEqual(new Uint8Array(3), new Uint8Array(2)), false);
});
