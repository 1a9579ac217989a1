// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { mentionsFlag, run, startServer } from "./_spawn.ts";

function target(address: string): string {
  return address.replace(/^tcp:\/\//, "");
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function withDirs<T>(
  fn: (
    dirs: { base: string; root: string; uploads: string; local: string },
  ) => Promise<T>,
): Promise<T> {
  const base = await Deno.makeTempDir({ prefix: "framewire_cli_files_" });
  try {
    const dirs = {
      base,
      root: `${base}/root`,
      uploads: `${base}/uploads`,
      local: `${base}/local`,
    };
    for (const dir of [dirs.root, dirs.uploads, dirs.local]) {
      await Deno.mkdir(dir);
    }
    return await fn(dirs);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

const data = crypto.getRandomValues(new Uint8Array(65_536)).map((byte, i) =>
  byte ^ i
);
const big = new Uint8Array(700_000).map((_, i) => (i * 7) ^ (i >> 8));

Deno.test("cli: get downloads from server --files with a summary line, put uploads into --uploads", async () => {
  await withDirs(async ({ root, uploads, local }) => {
    await Deno.writeFile(`${root}/big.bin`, big);
    await using server = await startServer([
      "--port",
      "0",
      "--files",
      root,
      "--uploads",
      uploads,
      "--quiet",
    ]);
    const out = `${local}/copy.bin`;
    const get = await run("client.ts", [
      "get",
      target(server.address),
      "big.bin",
      "-o",
      out,
    ]);
    assert.equal(get.code, 0, get.stderr);
    const digest = await sha256(big);
    assert.match(
      get.stdout,
      new RegExp(
        `^get path="big\\.bin" out="${
          out.replaceAll("/", "\\/")
        }" bytes=700000 resumed_from=0 sha256=${digest} ms=\\d+\\.\\d$`,
        "m",
      ),
    );
    assert.deepEqual(await Deno.readFile(out), big);
    assert.equal(await exists(`${out}.part`), false);

    await Deno.writeFile(`${local}/up.bin`, data);
    const put = await run("client.ts", [
      "put",
      target(server.address),
      `${local}/up.bin`,
    ]);
    assert.equal(put.code, 0, put.stderr);
    assert.match(
      put.stdout,
      new RegExp(
        `^put path="up\\.bin" bytes=65536 sha256=${await sha256(data)} ms=`,
        "m",
      ),
    );
    assert.deepEqual(await Deno.readFile(`${uploads}/up.bin`), data);

    // Refusals: exit 1, the code on stderr, nothing written.
    const escape = await run("client.ts", [
      "get",
      target(server.address),
      "../root/big.bin",
      "-o",
      `${local}/x`,
    ]);
    assert.equal(escape.code, 1);
    assert.match(escape.stderr, /PATH_FORBIDDEN/);
    assert.equal(await exists(`${local}/x`), false);
    const again = await run("client.ts", [
      "put",
      target(server.address),
      `${local}/up.bin`,
    ]);
    assert.equal(again.code, 1);
    assert.equal(
      again.stderr,
      'client: put "up.bin" failed: the file exists on the server; pass --overwrite to replace it (FILE_EXISTS)\n',
    );
    const overwrite = await run("client.ts", [
      "put",
      target(server.address),
      out,
      "up.bin",
      "--overwrite",
    ]);
    assert.equal(overwrite.code, 0, overwrite.stderr);
    assert.deepEqual(await Deno.readFile(`${uploads}/up.bin`), big);
    const { code, stderr } = await server.stop();
    assert.equal(code, 0);
    assert.equal(stderr.includes("error"), false, stderr);
  });
});

Deno.test("cli: get --resume continues from OUT.part and verifies the whole file", async () => {
  await withDirs(async ({ root, local }) => {
    await Deno.writeFile(`${root}/big.bin`, big);
    await using server = await startServer([
      "--port",
      "0",
      "--files",
      root,
      "--quiet",
    ]);
    const out = `${local}/big.bin`;
    await Deno.writeFile(`${out}.part`, big.subarray(0, 300_000));
    const get = await run("client.ts", [
      "get",
      target(server.address),
      "big.bin",
      "-o",
      out,
      "--resume",
      "--window",
      "1",
    ]);
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, / bytes=700000 resumed_from=300000 /);
    assert.deepEqual(await Deno.readFile(out), big);
    // Without --resume a stale .part is overwritten, not trusted.
    await Deno.writeFile(`${out}.part`, new Uint8Array(10));
    const fresh = await run("client.ts", [
      "get",
      target(server.address),
      "big.bin",
      "-o",
      out,
      "--overwrite",
    ]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stdout, / resumed_from=0 /);
    assert.deepEqual(await Deno.readFile(out), big);
  });
});

Deno.test("cli: --help documents get, put, --files and --uploads; bad file flags exit 1", async () => {
  const client = await run("client.ts", ["--help"]);
  assert.equal(client.code, 0);
  assert.ok(client.stdout.includes("get HOST:PORT PATH"));
  assert.ok(client.stdout.includes("put HOST:PORT FILE"));
  const get = await run("client.ts", ["get", "--help"]);
  const put = await run("client.ts", ["put", "--help"]);
  for (
    const [help, flags] of [
      [get.stdout, ["--output", "--resume", "--overwrite", "--window"]],
      [put.stdout, ["--overwrite", "--window", "--chunk-bytes"]],
    ] as const
  ) {
    for (const flag of flags) assert.ok(mentionsFlag(help, flag), flag);
  }
  const server = await run("server.ts", ["--help"]);
  assert.match(server.stdout, /--files DIR/);
  assert.match(server.stdout, /--uploads DIR/);
  const missing = await run("server.ts", [
    "--port",
    "0",
    "--files",
    "/nonexistent/framewire",
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot serve files/);
  const noPath = await run("client.ts", ["get", "127.0.0.1:1"]);
  assert.equal(noPath.code, 1);
  assert.match(noPath.stderr, /missing PATH/);
  const badWindow = await run("client.ts", [
    "get",
    "127.0.0.1:1",
    "x",
    "--window",
    "0",
  ]);
  assert.equal(badWindow.code, 1);
  assert.match(badWindow.stderr, /--window/);
});

Deno.test("cli: get refuses to replace an existing local file unless --overwrite or --force", async () => {
  await withDirs(async ({ root, local }) => {
    await Deno.writeFile(`${root}/data.bin`, data);
    await using server = await startServer([
      "--port",
      "0",
      "--files",
      root,
      "--quiet",
    ]);
    const out = `${local}/data.bin`;
    await Deno.writeTextFile(out, "mine");
    const args = ["get", target(server.address), "data.bin", "-o", out];
    const refused = await run("client.ts", args);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      `client: ${out} exists; pass --overwrite to replace it, or -o OUT to write elsewhere\n`,
    );
    assert.equal(await Deno.readTextFile(out), "mine");
    for (const flag of ["--overwrite", "--force"]) {
      await Deno.writeTextFile(out, "mine");
      const replaced = await run("client.ts", [...args, flag]);
      assert.equal(replaced.code, 0, replaced.stderr);
      assert.deepEqual(await Deno.readFile(out), data);
    }
  });
});

Deno.test("cli: Ctrl-C during get says it was interrupted, keeps OUT.part and names --resume", async () => {
  await withDirs(async ({ root, local }) => {
    // Big enough, in small chunks one at a time, to be running when the
    // signal comes.
    const size = 32 * 1024 * 1024;
    await Deno.writeFile(`${root}/slow.bin`, new Uint8Array(size));
    await using server = await startServer([
      "--port",
      "0",
      "--files",
      root,
      "--quiet",
    ]);
    const out = `${local}/slow.bin`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../../cli/client.ts", import.meta.url).pathname,
        "get",
        target(server.address),
        "slow.bin",
        "-o",
        out,
        "--window",
        "1",
        "--chunk-bytes",
        "1024",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = child.output();
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    try {
      // Interrupt once bytes have arrived in OUT.part.
      while (!((await sizeOf(`${out}.part`)) > 0)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.kill("SIGINT");
      const { code, stderr } = await output;
      const text = new TextDecoder().decode(stderr);
      assert.equal(code, 1);
      assert.match(
        text,
        /^client: get "slow\.bin" interrupted at .+ of 32\.0 MiB; .*slow\.bin\.part is kept: run the same command with --resume to go on\n$/,
      );
      assert.ok((await sizeOf(`${out}.part`)) > 0);
      assert.equal(await exists(out), false);
    } finally {
      clearTimeout(killer);
    }
  });
});

async function sizeOf(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return -1;
  }
}
