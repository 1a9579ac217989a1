// Copyright 2026 the framewire authors. MIT license.
// FileClient against a FileServer on loopback: what the client promises
// (byte-exact downloads, resume, typed refusals, atomic uploads) seen from
// the client's side. The server's own rules are in file_server_test.ts.
import assert from "node:assert/strict";
import {
  DEFAULT_BLOB_CHUNK_BYTES,
  FileClient,
  TransferError,
} from "../../files/mod.ts";
import {
  exists,
  layout,
  listDir,
  pattern,
  startFiles,
  startProxy,
  until,
  webSha256,
  within,
  withTempDir,
} from "./_utils.ts";

const C = DEFAULT_BLOB_CHUNK_BYTES;

Deno.test("FileClient.get streams a whole file byte-exact, with the server's size and digest", async () => {
  await withTempDir(async (base) => {
    const { root } = await layout(base);
    const data = pattern(2 * C + 321, 4);
    await Deno.writeFile(`${root}/whole.bin`, data);
    await using files = startFiles({ root });
    await using client = await FileClient.connect({ port: files.port });
    const blob = await client.get("whole.bin");
    assert.equal(blob.size, data.length);
    assert.deepEqual(await blob.bytes(), data);
    const result = await blob.done;
    assert.equal(result.size, data.length);
    assert.equal(result.sha256, await webSha256(data));
  });
});

Deno.test("FileClient.get with offset and prefix receives only the rest and verifies the whole file", async () => {
  await withTempDir(async (base) => {
    const { root } = await layout(base);
    const data = pattern(C + 5000, 6);
    await Deno.writeFile(`${root}/part.bin`, data);
    await using files = startFiles({ root });
    await using client = await FileClient.connect({ port: files.port });
    const have = C + 17;
    const blob = await client.get("part.bin", {
      offset: have,
      prefix: data.slice(0, have),
    });
    assert.deepEqual(await blob.bytes(), data.subarray(have));
    assert.equal((await blob.done).sha256, await webSha256(data));
  });
});

Deno.test("FileClient.get rejects a traversal path with a TransferError PATH_FORBIDDEN and stays usable", async () => {
  await withTempDir(async (base) => {
    const { root } = await layout(base);
    await Deno.writeTextFile(`${root}/ok.txt`, "ok");
    await using files = startFiles({ root });
    await using client = await FileClient.connect({ port: files.port });
    for (const path of ["../secret.txt", "/etc/passwd", "a/../../secret.txt"]) {
      const error = await client.get(path).then(
        () => assert.fail(`${path} was served`),
        (error: unknown) => error,
      );
      assert.ok(error instanceof TransferError, `${path}: ${error}`);
      assert.equal(error.code, "PATH_FORBIDDEN");
    }
    const blob = await client.get("ok.txt");
    assert.equal(new TextDecoder().decode(await blob.bytes()), "ok");
  });
});

Deno.test("FileClient.put lands atomically: nothing at the target until verified, then the whole file", async () => {
  await withTempDir(async (base) => {
    const { uploads } = await layout(base);
    await using files = startFiles({ uploadDir: uploads });
    await using client = await FileClient.connect({ port: files.port });
    const data = pattern(3 * C + 99, 8);
    // A stream the test holds back: the upload is under way, not finished.
    const gate = Promise.withResolvers<void>();
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(data.slice(0, C));
        await gate.promise;
        controller.enqueue(data.slice(C));
        controller.close();
      },
    });
    const sent = client.put("up.bin", stream, { size: data.length });
    await until(
      () => files.files.stats.activeTransfers === 1,
      5000,
      "upload running",
    );
    assert.equal(await exists(`${uploads}/up.bin`), false);
    gate.resolve();
    const result = await within(10_000, sent, "upload done");
    assert.equal(result.sha256, await webSha256(data));
    assert.deepEqual(await Deno.readFile(`${uploads}/up.bin`), data);
    assert.deepEqual(await listDir(uploads), ["up.bin"]);

    // Without overwrite an existing file is kept; with it, replaced whole.
    await assert.rejects(client.put("up.bin", data.subarray(0, 10)), {
      code: "FILE_EXISTS",
    });
    await client.put("up.bin", data.subarray(0, 10), { overwrite: true });
    assert.deepEqual(
      await Deno.readFile(`${uploads}/up.bin`),
      data.subarray(0, 10),
    );
  });
});

Deno.test("a download resumes from its .part file, transfers only the rest, and verifies the whole file", async () => {
  await withTempDir(async (base) => {
    const { root, local } = await layout(base);
    const data = pattern(3 * C + 1234, 9);
    await Deno.writeFile(`${root}/r.bin`, data);
    await using files = startFiles({ root });
    await using client = await FileClient.connect({ port: files.port });
    const out = `${local}/r.bin`;
    await Deno.writeFile(`${out}.part`, data.subarray(0, 2 * C + 17));
    const before = client.conn.stats.bytesReceived;
    const result = await client.download("r.bin", out, { resume: true });
    assert.equal(result.resumedFrom, 2 * C + 17);
    assert.equal(result.sha256, await webSha256(data));
    assert.deepEqual(await Deno.readFile(out), data);
    // The rest, plus frame headers and the BlobStart's JSON: not the prefix.
    const received = client.conn.stats.bytesReceived - before;
    const rest = data.length - (2 * C + 17);
    assert.ok(
      received >= rest && received < rest + 1024,
      `${received} bytes for a rest of ${rest}`,
    );
    assert.equal(await exists(`${out}.part`), false);

    // A .part that does not match the server's file fails the digest:
    // nothing at OUT, and the poisoned .part is gone.
    const other = `${local}/bad.bin`;
    await Deno.writeFile(`${other}.part`, pattern(1000, 123));
    await assert.rejects(client.download("r.bin", other, { resume: true }), {
      code: "BLOB_DIGEST_MISMATCH",
    });
    assert.equal(await exists(other), false);
    assert.equal(await exists(`${other}.part`), false);

    // A .part longer than the file (it changed on the server): start over.
    await Deno.writeFile(`${other}.part`, pattern(data.length + 10, 5));
    const fresh = await client.download("r.bin", other, { resume: true });
    assert.equal(fresh.resumedFrom, 0);
    assert.deepEqual(await Deno.readFile(other), data);
  });
});

Deno.test("a byte flipped on the way is detected: no file at OUT, no .part, and the server serves on", async () => {
  await withTempDir(async (base) => {
    const { root, local } = await layout(base);
    const data = pattern(4 * C, 11);
    await Deno.writeFile(`${root}/c.bin`, data);
    await using files = startFiles({ root });
    const proxy = startProxy({ targetPort: files.port, flipChunk: 2 });
    try {
      await using client = await FileClient.connect({ port: proxy.port });
      await assert.rejects(client.download("c.bin", `${local}/c.bin`), {
        code: "BLOB_DIGEST_MISMATCH",
      });
      assert.equal(proxy.flipped, 1);
      assert.deepEqual(await listDir(local), []);
      // The server got the BlobCancel and counts a failure, nothing more.
      await until(
        () => files.files.stats.failures === 1,
        5000,
        "server saw the cancel",
      );
      const again = await client.download("c.bin", `${local}/c.bin`);
      assert.equal(again.sha256, await webSha256(data));
    } finally {
      await proxy.close();
    }
  });
});

Deno.test("a FileClient fails its requests with the server's closing code when the server shuts down", async () => {
  await withTempDir(async (base) => {
    const { root } = await layout(base);
    await using files = startFiles({ root });
    const client = await FileClient.connect({ port: files.port });
    try {
      await files.server.shutdown({ timeoutMs: 1000 });
      await within(5000, client.finished, "client noticed");
      await assert.rejects(client.get("x"), { code: "SHUTTING_DOWN" });
    } finally {
      await client[Symbol.asyncDispose]();
    }
  });
});
