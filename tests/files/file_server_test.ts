// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  connect,
  FrameRouter,
  FrameType,
  type LogEvent,
  parseErrorFrame,
  serve,
} from "../../mod.ts";
import {
  DEFAULT_BLOB_CHUNK_BYTES,
  FileClient,
  FileServer,
  FilesFrameType,
} from "../../files/mod.ts";
import {
  encodeEnd,
  encodeGet,
  encodePut,
  encodeStart,
  parseReady,
  parseStart,
  writeChunkHeader,
} from "../../files/_wire.ts";
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
} from "./_utils.ts";
import { withTempDir } from "./_utils.ts";
import { HANG_BOUND_MS } from "../_utils.ts";

const C = DEFAULT_BLOB_CHUNK_BYTES;

Deno.test("downloads of 0 B, 1 B, chunk − 1, chunk and chunk + 1 are byte-exact and digest-verified", async () => {
  await withTempDir(async (base) => {
    const { root, local } = await layout(base);
    const sizes = [0, 1, C - 1, C, C + 1];
    for (const size of sizes) {
      await Deno.writeFile(`${root}/f${size}.bin`, pattern(size, size));
    }
    await using files = startFiles({ root });
    await using client = await FileClient.connect({ port: files.port });
    for (const size of sizes) {
      const out = `${local}/f${size}.bin`;
      const result = await client.download(`f${size}.bin`, out);
      const data = pattern(size, size);
      assert.deepEqual(await Deno.readFile(out), data, `size ${size}`);
      assert.equal(result.size, size);
      assert.equal(result.sha256, await webSha256(data));
      assert.equal(result.resumedFrom, 0);
    }
    assert.deepEqual(
      await listDir(local),
      sizes.map((s) => `f${s}.bin`).sort(),
    );
    await until(
      () => files.files.stats.downloadsCompleted === sizes.length,
      5000,
      "server saw every BlobDone",
    );
  });
});

Deno.test("a 100 MiB file is streamed in chunks and arrives with the same SHA-256", async () => {
  await withTempDir(async (base) => {
    const { root, local } = await layout(base);
    const data = pattern(100 * 1024 * 1024, 42);
    await Deno.writeFile(`${root}/big.bin`, data);
    const expected = await webSha256(data);
    await using files = startFiles({ root });
    await using client = await FileClient.connect({ port: files.port });
    const result = await within(
      60_000,
      client.download("big.bin", `${local}/big.bin`),
      "100 MiB",
    );
    assert.equal(result.size, data.length);
    assert.equal(result.sha256, expected);
    assert.equal(
      await webSha256(await Deno.readFile(`${local}/big.bin`)),
      expected,
    );
  });
});

Deno.test("20 clients download 20 different files at once, all correct", async () => {
  await withTempDir(async (base) => {
    const { root, local } = await layout(base);
    const sizes = Array.from({ length: 20 }, (_, i) => 1000 + i * 97_003);
    await Promise.all(
      sizes.map((size, i) =>
        Deno.writeFile(`${root}/file${i}.bin`, pattern(size, i))
      ),
    );
    await using files = startFiles({ root });
    const clients = await Promise.all(
      sizes.map(() => FileClient.connect({ port: files.port })),
    );
    try {
      const results = await within(
        30_000,
        Promise.all(
          clients.map((client, i) =>
            client.download(`file${i}.bin`, `${local}/file${i}.bin`)
          ),
        ),
        "20 downloads",
      );
      for (const [i, size] of sizes.entries()) {
        const data = pattern(size, i);
        assert.equal(results[i].sha256, await webSha256(data));
        assert.deepEqual(await Deno.readFile(`${local}/file${i}.bin`), data);
      }
      assert.equal(files.server.connectionCount, 20);
    } finally {
      await Promise.all(clients.map((client) => client[Symbol.asyncDispose]()));
    }
  });
});

Deno.test("one connection runs 8 downloads at once without mixing them", async () => {
  await withTempDir(async (base) => {
    const { root } = await layout(base);
    const sizes = [0, 1, 70_000, 300_001, 600_000, 1_000_000, 2_000_003, 45];
    await Promise.all(
      sizes.map((size, i) =>
        Deno.writeFile(`${root}/m${i}`, pattern(size, 50 + i))
      ),
    );
    await using files = startFiles({ root });
    await using client = await FileClient.connect({ port: files.port });
    const blobs = await Promise.all(
      sizes.map((_, i) =>
        client.get(`m${i}`, { chunkBytes: 16_384, window: 2 })
      ),
    );
    const contents = await Promise.all(blobs.map((blob) => blob.bytes()));
    for (const [i, size] of sizes.entries()) {
      assert.deepEqual(contents[i], pattern(size, 50 + i), `m${i}`);
    }
  });
});

Deno.test("traversal attempts are refused with PATH_FORBIDDEN, reveal nothing, and the connection stays usable", async () => {
  await withTempDir(async (base) => {
    const { root, secret } = await layout(base);
    await Deno.writeTextFile(`${root}/ok.txt`, "fine");
    await Deno.mkdir(`${root}/a`);
    await Deno.symlink(secret, `${root}/link_out`); // symlink out of DIR
    await Deno.symlink("../../secret.txt", `${root}/a/rel_out`);
    await Deno.symlink(`${base}/missing`, `${root}/dangling_out`);
    await using files = startFiles({ root });
    await using client = await FileClient.connect({ port: files.port });
    const attempts = [
      "../secret.txt",
      "/etc/passwd",
      secret, // absolute path to the real secret
      "a/../../secret.txt",
      "a/../ok.txt", // stays inside, still refused: no ".." at all
      "link_out",
      "a/rel_out",
      "dangling_out", // its target does not exist: still forbidden, not "not found"
      "ok.txt\0../../secret.txt", // NUL byte
      "..\\secret.txt", // backslash
      "C:/secret.txt",
    ];
    for (const path of attempts) {
      await assert.rejects(client.get(path), {
        code: "PATH_FORBIDDEN",
        remote: true,
      }, JSON.stringify(path));
    }
    // Encoded dots are not decoded: a literal (absent) name inside DIR.
    await assert.rejects(client.get("%2e%2e/secret.txt"), {
      code: "FILE_NOT_FOUND",
    });
    const blob = await client.get("ok.txt");
    assert.equal(new TextDecoder().decode(await blob.bytes()), "fine");
    assert.equal(files.server.connectionCount, 1);
  });
});

Deno.test("missing files, directories, FIFOs, bad offsets and bad requests get their codes; the connection stays usable", async () => {
  await withTempDir(async (base) => {
    const { root } = await layout(base);
    await Deno.writeTextFile(`${root}/ok.txt`, "fine");
    await Deno.mkdir(`${root}/dir`);
    const fifo = await new Deno.Command("mkfifo", { args: [`${root}/fifo`] })
      .output()
      .then((o) => o.success, () => false);
    await using files = startFiles({ root });
    await using client = await FileClient.connect({ port: files.port });
    await assert.rejects(client.get("nope.txt"), { code: "FILE_NOT_FOUND" });
    await assert.rejects(client.get("ok.txt/child"), {
      code: "FILE_NOT_FOUND",
    });
    await assert.rejects(client.get("dir"), { code: "FILE_NOT_REGULAR" });
    await assert.rejects(client.get(""), { code: "PATH_FORBIDDEN" });
    // Opening a FIFO would block the server: it is refused from lstat.
    if (fifo) {
      await assert.rejects(client.get("fifo"), { code: "FILE_NOT_REGULAR" });
    }
    await assert.rejects(
      client.get("ok.txt", { offset: 5, prefix: new Uint8Array(5) }),
      {
        code: "FILE_OFFSET_OUT_OF_RANGE",
      },
    );
    await assert.rejects(client.put("x", new Uint8Array(1)), {
      code: "UPLOADS_DISABLED",
    });
    assert.equal(
      new TextDecoder().decode(await (await client.get("ok.txt")).bytes()),
      "fine",
    );
  });
});

Deno.test(
  "a file the server may not read is refused with FILE_PERMISSION_DENIED",
  {
    // root reads everything regardless of mode bits.
    ignore: Deno.build.os === "windows" || Deno.uid() === 0,
  },
  async () => {
    await withTempDir(async (base) => {
      const { root } = await layout(base);
      await Deno.writeTextFile(`${root}/locked.txt`, "no");
      await Deno.chmod(`${root}/locked.txt`, 0o000);
      await using files = startFiles({ root });
      await using client = await FileClient.connect({ port: files.port });
      await assert.rejects(client.get("locked.txt"), {
        code: "FILE_PERMISSION_DENIED",
      });
    });
  },
);

// Root reads everything regardless of mode bits, and CI runs as root: there
// the server runs in a child process stripped of the two capabilities that
// bypass them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so the mode bits
// apply to it as to any other user.
const SETPRIV = "/usr/bin/setpriv";
const canDropDac = Deno.build.os === "linux" && Deno.uid() === 0 &&
  (() => {
    try {
      return Deno.statSync(SETPRIV).isFile;
    } catch {
      return false;
    }
  })();

Deno.test(
  "a file the server may not read is refused with FILE_PERMISSION_DENIED, also for a server started by root",
  { ignore: !canDropDac },
  async () => {
    await withTempDir(async (base) => {
      const { root } = await layout(base);
      await Deno.writeTextFile(`${root}/locked.txt`, "no");
      await Deno.chmod(`${root}/locked.txt`, 0o000);
      await Deno.writeTextFile(`${root}/open.txt`, "yes");
      const child = new Deno.Command(SETPRIV, {
        args: [
          "--bounding-set=-dac_override,-dac_read_search",
          Deno.execPath(),
          "run",
          "-A",
          new URL("../../cli/server.ts", import.meta.url).pathname,
          "--port",
          "0",
          "--files",
          root,
          "--quiet",
        ],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { FRAMEWIRE_CHAT_DB: `${base}/chat.db` },
      }).spawn();
      const stderr = new Response(child.stderr).text();
      const lines = child.stdout.pipeThrough(new TextDecoderStream())
        .getReader();
      try {
        let out = "";
        const port = await within(
          HANG_BOUND_MS,
          (async () => {
            while (true) {
              const { value, done } = await lines.read();
              if (done) throw new Error(`server exited: ${await stderr}`);
              out += value;
              const match = /^listening tcp:\/\/[^:]+:(\d+)$/m.exec(out);
              if (match !== null) return Number(match[1]);
            }
          })(),
          "the unprivileged server's listening line",
        );
        await using client = await FileClient.connect({ port });
        await assert.rejects(client.get("locked.txt"), {
          code: "FILE_PERMISSION_DENIED",
        });
        // The same server reads what its mode bits allow.
        assert.equal(
          new TextDecoder().decode(
            await (await client.get("open.txt")).bytes(),
          ),
          "yes",
        );
      } finally {
        child.kill("SIGTERM");
        while (!(await lines.read()).done) { /* drain */ }
        await child.status;
        await stderr;
      }
    });
  },
);

Deno.test("a raw client pipelining FileGets gets each answer in request order: BlobStart or an Error frame", async () => {
  await withTempDir(async (base) => {
    const { root } = await layout(base);
    await Deno.writeTextFile(`${root}/a.txt`, "A");
    await using files = startFiles({ root });
    using conn = await connect({ port: files.port });
    const json = (value: unknown) =>
      new TextEncoder().encode(JSON.stringify(value));
    await conn.sendMany([
      encodeGet({ id: 1, path: "nope" }),
      encodeGet({ id: 2, path: "a.txt" }),
      { type: FilesFrameType.FileGet, payload: json({ id: "x" }) },
      { type: FrameType.Ping, payload: new Uint8Array([9]) },
      encodeGet({ id: 2, path: "a.txt" }), // id 2 is still running
    ]);
    const answers: string[] = [];
    while (answers.length < 5) {
      const frame = (await within(5000, conn.receive(), "answers"))!;
      if (frame.type === FrameType.Error) {
        answers.push(parseErrorFrame(frame).code);
      }
      if (frame.type === FrameType.Pong) answers.push("PONG");
      if (frame.type === FilesFrameType.BlobStart) answers.push("START");
    }
    assert.deepEqual(answers, [
      "FILE_NOT_FOUND",
      "START",
      "BAD_REQUEST",
      "PONG",
      "BLOB_ID_IN_USE",
    ]);
  });
});

Deno.test("a disconnect mid-transfer leaves no file at OUT, the server releases the file and serves others", async () => {
  await withTempDir(async (base) => {
    const { root, local } = await layout(base);
    const data = pattern(16 * C, 12);
    await Deno.writeFile(`${root}/d.bin`, data);
    await using files = startFiles({ root });
    // The proxy cuts the connection after 5 chunks went to the client.
    const proxy = startProxy({
      targetPort: files.port,
      cutAfterBytes: 5 * C + 100,
    });
    try {
      await using client = await FileClient.connect({ port: proxy.port });
      const out = `${local}/d.bin`;
      await assert.rejects(client.download("d.bin", out, { window: 2 }), {
        code: "CONNECTION_LOST",
      });
      assert.equal(await exists(out), false);
      // The partial file is kept for a resume, and is a true prefix.
      const part = await Deno.readFile(`${out}.part`);
      assert.ok(part.length > 0 && part.length < data.length);
      assert.deepEqual(part, data.subarray(0, part.length));
      await within(5000, files.files.idle(), "server transfer ended");
      assert.equal(files.files.stats.activeTransfers, 0);
      // Another client is served meanwhile, and the resume completes.
      await using other = await FileClient.connect({ port: files.port });
      const result = await other.download("d.bin", out, { resume: true });
      assert.equal(result.resumedFrom, part.length);
      assert.deepEqual(await Deno.readFile(out), data);
    } finally {
      await proxy.close();
    }
  });
});

Deno.test("a client that closes mid-download frees the server's transfer; the rest of the server is unaffected", async () => {
  await withTempDir(async (base) => {
    const { root, local } = await layout(base);
    await Deno.writeFile(`${root}/e.bin`, pattern(32 * C, 13));
    await Deno.writeFile(`${root}/small.bin`, pattern(1000, 14));
    await using files = startFiles({ root });
    const quitter = await FileClient.connect({ port: files.port });
    const blob = await quitter.get("e.bin", { window: 1 });
    const reader = blob.stream.getReader();
    await reader.read();
    await until(
      () => files.files.stats.activeTransfers === 1,
      5000,
      "transfer running",
    );
    await quitter[Symbol.asyncDispose]();
    await assert.rejects(reader.read(), { code: "CONNECTION_LOST" });
    await within(5000, files.files.idle(), "server transfer ended");
    assert.equal(files.files.stats.activeTransfers, 0);
    await using client = await FileClient.connect({ port: files.port });
    await client.download("small.bin", `${local}/small.bin`);
    assert.deepEqual(
      await Deno.readFile(`${local}/small.bin`),
      pattern(1000, 14),
    );
  });
});

Deno.test("downloads never trip the slow-reader limit: chunks wait for an empty queue, even with maxQueuedBytes far below a chunk", async () => {
  await withTempDir(async (base) => {
    const { root } = await layout(base);
    await Deno.writeFile(`${root}/q.bin`, pattern(8 * C, 15));
    await using files = startFiles({ root }, { maxQueuedBytes: 1024 });
    await using client = await FileClient.connect({ port: files.port });
    const blobs = await Promise.all(
      [1, 2, 3].map(() => client.get("q.bin", { window: 16 })),
    );
    const contents = await Promise.all(blobs.map((blob) => blob.bytes()));
    for (const content of contents) {
      assert.deepEqual(content, pattern(8 * C, 15));
    }
    assert.equal(files.server.connectionCount, 1);
  });
});

Deno.test("a connection may run maxTransfersPerConnection transfers; the next is refused with TOO_MANY_TRANSFERS", async () => {
  await withTempDir(async (base) => {
    const { root } = await layout(base);
    await Deno.writeFile(`${root}/t.bin`, pattern(4 * C, 16));
    await using files = startFiles({ root, maxTransfersPerConnection: 2 });
    await using client = await FileClient.connect({ port: files.port });
    // Not read: both stay running, held by their windows.
    const held = [
      await client.get("t.bin", { window: 1 }),
      await client.get("t.bin", { window: 1 }),
    ];
    await assert.rejects(client.get("t.bin"), { code: "TOO_MANY_TRANSFERS" });
    for (const blob of held) await blob.bytes();
    await until(
      () => files.files.stats.activeTransfers === 0,
      5000,
      "transfers done",
    );
    assert.equal((await (await client.get("t.bin")).bytes()).length, 4 * C);
  });
});

Deno.test("uploads land atomically: verified, renamed into place, never over an existing file unless asked", async () => {
  await withTempDir(async (base) => {
    const { uploads, local } = await layout(base);
    await Deno.mkdir(`${uploads}/sub`);
    await using files = startFiles({ uploadDir: uploads });
    await using client = await FileClient.connect({ port: files.port });
    const data = pattern(3 * C + 5, 17);
    const sent = await client.put("sub/u.bin", data);
    assert.equal(sent.sha256, await webSha256(data));
    assert.deepEqual(await Deno.readFile(`${uploads}/sub/u.bin`), data);

    const other = pattern(1000, 18);
    await assert.rejects(client.put("sub/u.bin", other), {
      code: "FILE_EXISTS",
      remote: true,
    });
    assert.deepEqual(await Deno.readFile(`${uploads}/sub/u.bin`), data);
    await client.put("sub/u.bin", other, { overwrite: true });
    assert.deepEqual(await Deno.readFile(`${uploads}/sub/u.bin`), other);

    // From a stream of unknown length, and from a local file.
    await client.put(
      "s.bin",
      ReadableStream.from([pattern(10, 1), pattern(70_000, 2)]),
    );
    assert.equal((await Deno.stat(`${uploads}/s.bin`)).size, 70_010);
    await Deno.writeFile(`${local}/f.bin`, data);
    await client.upload(`${local}/f.bin`, "f.bin");
    assert.deepEqual(await Deno.readFile(`${uploads}/f.bin`), data);

    await assert.rejects(client.get("f.bin"), { code: "DOWNLOADS_DISABLED" });
    await within(5000, files.files.idle(), "upload tasks");
    assert.deepEqual(await listDir(uploads), ["f.bin", "s.bin", "sub"]);
    assert.deepEqual(await listDir(`${uploads}/sub`), ["u.bin"]);
  });
});

Deno.test("uploads outside the directory, through symlinks, onto directories or over the limit are refused", async () => {
  await withTempDir(async (base) => {
    const { uploads, secret } = await layout(base);
    await Deno.mkdir(`${uploads}/dir`);
    await Deno.symlink(secret, `${uploads}/link`);
    await Deno.symlink(base, `${uploads}/out`);
    await using files = startFiles({
      uploadDir: uploads,
      maxUploadBytes: 1000,
    });
    await using client = await FileClient.connect({ port: files.port });
    const bytes = new Uint8Array(10);
    for (
      const path of [
        "../x",
        "/tmp/x",
        "a/../../x",
        "x\0y",
        "link",
        "out/secret.txt",
        "out/new.txt",
        ".",
      ]
    ) {
      await assert.rejects(client.put(path, bytes, { overwrite: true }), {
        code: "PATH_FORBIDDEN",
      }, path);
    }
    await assert.rejects(client.put("dir", bytes, { overwrite: true }), {
      code: "FILE_NOT_REGULAR",
    });
    await assert.rejects(client.put("nope/x", bytes), {
      code: "FILE_NOT_FOUND",
    });
    await assert.rejects(client.put("big", new Uint8Array(1001)), {
      code: "FILE_TOO_LARGE",
    });
    // Without a declared size, the limit stops the stream itself.
    await assert.rejects(
      client.put(
        "big",
        ReadableStream.from([new Uint8Array(600), new Uint8Array(600)]),
      ),
      { code: "BLOB_LIMIT_EXCEEDED" },
    );
    assert.equal(await Deno.readTextFile(secret), "TOP SECRET");
    await within(5000, files.files.idle(), "upload tasks");
    assert.deepEqual(await listDir(uploads), ["dir", "link", "out"]);
  });
});

Deno.test("an upload whose name is as long as the file system allows lands; a longer one is PATH_FORBIDDEN", async () => {
  await withTempDir(async (base) => {
    const { uploads } = await layout(base);
    await using files = startFiles({ root: uploads, uploadDir: uploads });
    await using client = await FileClient.connect({ port: files.port });
    // 255 bytes is NAME_MAX: the temporary file's name must not add to it.
    const longest = "n".repeat(251) + ".bin";
    const data = pattern(1000, 5);
    await client.put(longest, data);
    assert.deepEqual(await Deno.readFile(`${uploads}/${longest}`), data);
    await assert.rejects(client.put("n".repeat(256), data), {
      code: "PATH_FORBIDDEN",
    });
    await assert.rejects(client.get("n".repeat(256)), {
      code: "PATH_FORBIDDEN",
    });
    await within(5000, files.files.idle(), "upload tasks");
    assert.deepEqual(await listDir(uploads), [longest]);
  });
});

Deno.test("an interrupted or corrupted upload leaves nothing behind, not even its temporary file", async () => {
  await withTempDir(async (base) => {
    const { uploads } = await layout(base);
    await using files = startFiles({ uploadDir: uploads });
    // Interrupted: the client goes away in the middle.
    const quitter = await FileClient.connect({ port: files.port });
    let sentBytes = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull: (c) => {
        sentBytes += 4096;
        c.enqueue(new Uint8Array(4096));
      },
    });
    const upload = quitter.put("gone.bin", endless);
    await until(() => sentBytes > 100_000, 5000, "upload under way");
    await quitter[Symbol.asyncDispose]();
    await assert.rejects(upload, { code: "CONNECTION_LOST" });
    await within(5000, files.files.idle(), "server cleaned up");
    assert.deepEqual(await listDir(uploads), []);

    // Corrupted on the way to the server.
    const proxy = startProxy({
      targetPort: files.port,
      flipChunk: 1,
      flipUpstream: true,
    });
    try {
      await using client = await FileClient.connect({ port: proxy.port });
      await assert.rejects(client.put("bad.bin", pattern(4 * C, 19)), {
        code: "BLOB_DIGEST_MISMATCH",
        remote: true,
      });
      await within(5000, files.files.idle(), "server cleaned up");
      assert.deepEqual(await listDir(uploads), []);
    } finally {
      await proxy.close();
    }
  });
});

Deno.test("FileServer validates its options up front", async () => {
  await withTempDir(async (base) => {
    const { root, secret } = await layout(base);
    assert.throws(() => new FileServer({}), TypeError);
    assert.throws(
      () => new FileServer({ root: `${base}/missing` }),
      Deno.errors.NotFound,
    );
    assert.throws(() => new FileServer({ root: secret }), TypeError);
    assert.throws(() => new FileServer({ root, window: 0 }), RangeError);
    assert.throws(
      () => new FileServer({ root, maxUploadBytes: -1 }),
      RangeError,
    );
    assert.equal(new FileServer({ root }).root, await Deno.realPath(root));
  });
});

Deno.test("an upload's temporary file is created only when its BlobStart arrives, not at FileReady", async () => {
  // A client that gets FileReady and never starts the blob must not leave a
  // temporary file (and an open handle) for as long as it stays connected.
  await withTempDir(async (base) => {
    const { uploads } = await layout(base);
    await using files = startFiles({ uploadDir: uploads });
    using conn = await connect({ port: files.port });
    await conn.send(encodePut({ id: 1, path: "late.bin", size: 2 }));
    const ready = (await within(5000, conn.receive(), "FileReady"))!;
    assert.equal(ready.type, FilesFrameType.FileReady);
    assert.equal(files.files.stats.activeTransfers, 1);
    assert.deepEqual(await listDir(uploads), []);

    // The blob comes late: it still lands.
    const data = new TextEncoder().encode("hi");
    const sha256 = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
    const chunk = new Uint8Array(12 + 2);
    writeChunkHeader(chunk, 1, 0);
    chunk.set(data, 12);
    await conn.sendMany([
      encodeStart({
        id: 1,
        size: 2,
        offset: 0,
        chunkBytes: 2,
        window: 1,
        meta: {},
      }),
      { type: FilesFrameType.BlobChunk, payload: chunk },
      encodeEnd(1, 2, sha256),
    ]);
    for (;;) {
      const frame = (await within(5000, conn.receive(), "BlobDone"))!;
      if (frame.type === FilesFrameType.BlobDone) break;
      assert.equal(frame.type, FilesFrameType.BlobAck);
    }
    assert.equal(await Deno.readTextFile(`${uploads}/late.bin`), "hi");
    assert.deepEqual(await listDir(uploads), ["late.bin"]);
  });
});

Deno.test("a client flooding BlobStarts it never ends is cut off with BLOB_BACKLOG_EXCEEDED and the connection closed", async () => {
  await withTempDir(async (base) => {
    const { root } = await layout(base);
    await using files = startFiles({ root });
    using conn = await connect({ port: files.port });
    // Unsolicited: each is refused (BLOB_REFUSED) and its id drains until a
    // BlobEnd or BlobAbort that never comes. The limit is 16 + 1024.
    const flood = Array.from({ length: 2000 }, (_, i) =>
      encodeStart({
        id: i + 1,
        size: null,
        offset: 0,
        chunkBytes: 4,
        window: 1,
        meta: {},
      }));
    const sent = conn.sendMany(flood);
    sent.catch(() => {});
    let cancels = 0;
    let error: string | undefined;
    for (;;) {
      const frame = await within(10_000, conn.receive(), "frames");
      if (frame === null) break;
      if (frame.type === FilesFrameType.BlobCancel) cancels++;
      if (frame.type === FrameType.Error) {
        error = parseErrorFrame(frame).code;
      }
    }
    assert.equal(error, "BLOB_BACKLOG_EXCEEDED");
    assert.ok(cancels <= 16 + 1024, `${cancels} refusals before the cut`);
    await sent.catch(() => {});
  });
});

Deno.test("under a small maxFrameLength, downloads and uploads move in chunks that fit the frame limit", async () => {
  await withTempDir(async (base) => {
    const { root, uploads } = await layout(base);
    const data = pattern(5000, 3);
    await Deno.writeFile(`${root}/small.bin`, data);
    // No chunkBytes given: the FileServer learns the limit from serve().
    await using files = startFiles({ root, uploadDir: uploads }, {
      maxFrameLength: 512,
    });
    // A client that also refuses frames over 512 bytes: a bigger chunk
    // would fail the download.
    await using client = await FileClient.connect({
      port: files.port,
      maxFrameLength: 512,
    });
    const blob = await client.get("small.bin");
    assert.deepEqual(await blob.bytes(), data);
    // The upload's chunk size comes from FileReady: a chunk over the
    // server's limit would be refused with FRAME_TOO_LARGE.
    const sent = await client.put("up.bin", data);
    assert.equal(sent.size, data.length);
    assert.deepEqual(await Deno.readFile(`${uploads}/up.bin`), data);
  });
});

Deno.test("download chunks fit maxSendFrameLength and upload chunks maxFrameLength when they differ", async () => {
  await withTempDir(async (base) => {
    const { root, uploads } = await layout(base);
    await Deno.writeFile(`${root}/a.bin`, pattern(3000, 5));
    await using files = startFiles({ root, uploadDir: uploads }, {
      maxFrameLength: 4096,
      maxSendFrameLength: 1024,
    });
    using conn = await connect({ port: files.port });
    await conn.sendMany([
      encodePut({ id: 1, path: "b.bin" }),
      encodeGet({ id: 2, path: "a.bin" }),
    ]);
    const ready = (await within(5000, conn.receive(), "FileReady"))!;
    assert.equal(ready.type, FilesFrameType.FileReady);
    assert.equal(parseReady(ready.payload).chunkBytes, 4096 - 12);
    const start = (await within(5000, conn.receive(), "BlobStart"))!;
    assert.equal(start.type, FilesFrameType.BlobStart);
    assert.equal(parseStart(start.payload).chunkBytes, 1024 - 12);
  });
});

Deno.test("a chunkBytes that cannot fit the server's frame limit makes serve() throw a RangeError", async () => {
  await withTempDir(async (base) => {
    const { root } = await layout(base);
    for (
      const options of [
        { root, chunkBytes: 1024 - 11 },
        { root, maxChunkBytes: 2048 },
      ]
    ) {
      const files = new FileServer({ ...options, logger: null });
      assert.throws(
        () =>
          serve(
            {
              hostname: "127.0.0.1",
              port: 0,
              logger: null,
              maxFrameLength: 1024,
            },
            new FrameRouter().use(files),
          ),
        RangeError,
      );
      await files.close();
    }
    // The largest that fits is accepted.
    await using fits = startFiles({ root, chunkBytes: 1024 - 12 }, {
      maxFrameLength: 1024,
    });
    assert.ok(fits.port > 0);
    // A frame limit with no room for a chunk's header is refused too.
    assert.throws(
      () =>
        serve(
          { hostname: "127.0.0.1", port: 0, logger: null, maxFrameLength: 12 },
          new FrameRouter().use(new FileServer({ root, logger: null })),
        ),
      { name: "RangeError", message: /leaves no room for a chunk/ },
    );
  });
});

Deno.test("paths that are not valid Unicode are refused with INVALID_TEXT, never opened as another name", async () => {
  await withTempDir(async (base) => {
    const { root } = await layout(base);
    const uploads = `${base}/uploads`;
    // The file a lenient decoder would open instead: "\ud800" → U+FFFD.
    await Deno.writeTextFile(`${root}/a\ufffd.txt`, "not this one");
    await using files = startFiles({ root, uploadDir: uploads });
    await using client = await FileClient.connect({ port: files.port });
    await assert.rejects(client.get("a\ud800.txt"), {
      code: "INVALID_TEXT",
      remote: true,
    });
    await assert.rejects(
      client.put("b\udc00.txt", new Uint8Array([1, 2, 3])),
      { code: "INVALID_TEXT", remote: true },
    );
    assert.deepEqual(await listDir(uploads), []);
    // Invalid UTF-8 in the request itself.
    using raw = await connect({ hostname: "127.0.0.1", port: files.port });
    await assert.rejects(
      raw.request({
        type: FilesFrameType.FileGet,
        payload: new Uint8Array([
          ...new TextEncoder().encode('{"id":1,"path":"a'),
          0xff,
          ...new TextEncoder().encode('.txt"}'),
        ]),
      }),
      { remoteCode: "INVALID_TEXT" },
    );
    // The connection is still served.
    const blob = await client.get("a\ufffd.txt");
    assert.equal(new TextDecoder().decode(await blob.bytes()), "not this one");
  });
});

Deno.test("FileServer logs a client's path escaped and cut, never raw", async () => {
  await withTempDir(async (base) => {
    const { root } = await layout(base);
    const log: LogEvent[] = [];
    await using files = startFiles({ root }, {
      logger: (event) => void log.push(event),
    });
    await using client = await FileClient.connect({ port: files.port });
    const path = `x\n\u0085error forged\x1b[2J/${"y/".repeat(1500)}`;
    await assert.rejects(client.get(path), { code: "FILE_NOT_FOUND" });
    const refused = log.find((event) => event.event === "frame_refused")!;
    assert.ok(refused.message.includes('"x\\n\\x85error forged\\u001b[2J'));
    assert.ok(refused.message.includes("…(+2820 chars)"), refused.message);
    assert.ok(refused.message.length < 400);
  });
});
