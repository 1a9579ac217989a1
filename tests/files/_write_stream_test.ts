// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { writeStream } from "../../files/_write_stream.ts";
import { pattern, withTempDir } from "./_utils.ts";

Deno.test("writeStream writes every chunk in order", async () => {
  await withTempDir(async (dir) => {
    const chunks = [
      pattern(70_000, 1),
      pattern(1, 2),
      pattern(0, 3),
      pattern(300_000, 4),
    ];
    using file = await Deno.open(`${dir}/out`, { write: true, create: true });
    await writeStream(ReadableStream.from(chunks), file);
    const all = new Uint8Array(370_001);
    let at = 0;
    for (const chunk of chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    assert.deepEqual(await Deno.readFile(`${dir}/out`), all);
  });
});

Deno.test("writeStream maps a write error, cancels the stream and stops reading", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/ro`, new Uint8Array());
    using file = await Deno.open(`${dir}/ro`, { read: true }); // writes fail
    let pulled = 0;
    let cancelled: unknown;
    const stream = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        pulled++;
        controller.enqueue(new Uint8Array(10));
      },
      cancel: (reason) => {
        cancelled = reason;
      },
    }, { highWaterMark: 0 });
    const mapped = new Error("mapped");
    await assert.rejects(
      writeStream(stream, file, () => mapped),
      (error) => error === mapped,
    );
    assert.equal(cancelled, mapped);
    assert.ok(pulled <= 3, `pulled ${pulled} chunks after the failure`);
  });
});
