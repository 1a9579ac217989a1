// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { Sha256, toHex } from "../../files/_sha256.ts";
import { pattern, webSha256 } from "./_utils.ts";
import { seededRandom } from "../transport/_server_utils.ts";

Deno.test('Sha256 gives the FIPS 180-2 digest of "abc" and of nothing', () => {
  assert.equal(
    toHex(new Sha256().update(new TextEncoder().encode("abc")).digest()),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    toHex(new Sha256().digest()),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});

Deno.test("Sha256 matches WebCrypto for every length 0-300 and block-edge lengths, fed in random pieces", async () => {
  const random = seededRandom(7);
  const lengths = [
    ...Array.from({ length: 301 }, (_, i) => i),
    // Padding edge cases: 55/56 bytes left in the last block, multi-block.
    511,
    512,
    513,
    1000,
    4095,
    4096,
    4097,
    65_535,
    65_536,
    65_537,
    1_000_003,
  ];
  for (const length of lengths) {
    const bytes = pattern(length, length + 1);
    const hash = new Sha256();
    for (let at = 0; at < length;) {
      const piece = Math.min(length - at, 1 + Math.floor(random() * 200));
      hash.update(bytes.subarray(at, at + piece));
      at += piece;
    }
    assert.equal(
      toHex(hash.digest()),
      await webSha256(bytes),
      `length ${length}`,
    );
  }
});

Deno.test("Sha256 refuses to be used after digest", () => {
  const hash = new Sha256();
  hash.digest();
  assert.throws(() => hash.update(new Uint8Array([1])), TypeError);
  assert.throws(() => hash.digest(), TypeError);
});
