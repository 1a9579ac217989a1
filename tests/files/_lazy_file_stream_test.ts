// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { lazyFileStream } from "../../files/_lazy_file_stream.ts";
import { withTempDir } from "./_utils.ts";

// Each test relies on the resource sanitizer: a handle left open fails it.

Deno.test("lazyFileStream reads a file whole and closes it at its end", async () => {
  await withTempDir(async (dir) => {
    const data = new Uint8Array(600_000).map((_, i) => i % 253);
    await Deno.writeFile(`${dir}/f.part`, data);
    const pieces = await Array.fromAsync(lazyFileStream(`${dir}/f.part`));
    assert.ok(pieces.length > 1, "read in several pieces");
    const all = new Uint8Array(data.length);
    let at = 0;
    for (const piece of pieces) {
      all.set(piece, at);
      at += piece.length;
    }
    assert.equal(at, data.length);
    assert.deepEqual(all, data);
  });
});

Deno.test("lazyFileStream opens nothing until read, and closes the file when cancelled", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/f.part`, new Uint8Array(600_000));
    // Never read: never opened (the path need not even exist).
    await lazyFileStream(`${dir}/missing.part`).cancel();
    const reader = lazyFileStream(`${dir}/f.part`).getReader();
    assert.equal((await reader.read()).done, false);
    await reader.cancel();
  });
});

Deno.test("lazyFileStream closes the file when a read fails", async () => {
  await withTempDir(async (dir) => {
    // A directory opens for reading, but every read fails (EISDIR).
    await Deno.mkdir(`${dir}/d.part`);
    await assert.rejects(
      Array.fromAsync(lazyFileStream(`${dir}/d.part`)),
      Deno.errors.IsADirectory,
    );
  });
});

Deno.test("lazyFileStream fails with the open's error when the file is missing", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      Array.fromAsync(lazyFileStream(`${dir}/missing.part`)),
      Deno.errors.NotFound,
    );
  });
});
