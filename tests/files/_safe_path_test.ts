// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { TransferError } from "../../files/mod.ts";
import {
  mapFsError,
  resolveInside,
  splitRequestPath,
} from "../../files/_safe_path.ts";
import { withTempDir } from "./_utils.ts";

const forbidden = { code: "PATH_FORBIDDEN" };

Deno.test("splitRequestPath refuses paths that are not plain relative paths", () => {
  const cases = [
    "../x", // parent
    "a/../../x", // climbs out after going in
    "a/../b", // stays inside, but no ".." is ever accepted
    "..", // the parent itself
    "/etc/passwd", // absolute
    "//etc/passwd", // absolute, doubled slash
    "a\0b", // NUL byte: C APIs would cut the path there
    "a\\..\\x", // backslash: a separator on Windows
    "C:/Windows/win.ini", // drive letter
    "c:x", // drive-relative
    "", // names nothing
    "x".repeat(4097), // too long
  ];
  for (const path of cases) {
    assert.throws(
      () => splitRequestPath(path),
      forbidden,
      JSON.stringify(path.slice(0, 20)),
    );
  }
});

Deno.test("splitRequestPath drops '.' and empty segments and decodes nothing", () => {
  assert.deepEqual(splitRequestPath("a/./b//c/"), ["a", "b", "c"]);
  // Percent-encoding is not decoded: these are literal file names inside.
  assert.deepEqual(splitRequestPath("%2e%2e/%2fx"), ["%2e%2e", "%2fx"]);
  assert.deepEqual(splitRequestPath("..."), ["..."]);
  assert.deepEqual(splitRequestPath("．．/x"), ["．．", "x"]); // full-width dots
});

Deno.test("resolveInside follows symlinks inside the root and refuses every way out, existing or not", async () => {
  await withTempDir(async (base) => {
    const root = `${base}/root`;
    await Deno.mkdir(`${root}/sub/deeper`, { recursive: true });
    await Deno.writeTextFile(`${root}/sub/file.txt`, "inside");
    await Deno.writeTextFile(`${base}/secret.txt`, "outside");
    await Deno.symlink("sub/file.txt", `${root}/alias`); // relative, inside
    await Deno.symlink(`${root}/sub`, `${root}/abs_sub`); // absolute, inside
    await Deno.symlink("../file.txt", `${root}/sub/deeper/up`); // climbs, stays inside
    await Deno.symlink(`${base}/secret.txt`, `${root}/out_abs`);
    await Deno.symlink("../secret.txt", `${root}/out_rel`);
    await Deno.symlink("../../../secret.txt", `${root}/sub/deeper/out_deep`);
    await Deno.symlink(`${base}/missing.txt`, `${root}/out_dangling`);
    await Deno.symlink("..", `${root}/parent`);
    await Deno.symlink("loop_b", `${root}/loop_a`);
    await Deno.symlink("loop_a", `${root}/loop_b`);
    const real = await Deno.realPath(root);
    const resolve = (path: string, allowMissing = false) =>
      resolveInside(real, path, splitRequestPath(path), allowMissing);

    assert.equal((await resolve("alias")).path, `${real}/sub/file.txt`);
    assert.equal(
      (await resolve("abs_sub/file.txt")).path,
      `${real}/sub/file.txt`,
    );
    assert.equal((await resolve("sub/deeper/up")).path, `${real}/sub/file.txt`);
    for (
      const path of [
        "out_abs",
        "out_rel",
        "sub/deeper/out_deep",
        "out_dangling",
        "parent/secret.txt",
        "loop_a",
      ]
    ) {
      await assert.rejects(resolve(path), forbidden, path);
    }
    await assert.rejects(resolve("nope.txt"), { code: "FILE_NOT_FOUND" });
    await assert.rejects(resolve("sub/file.txt/x"), { code: "FILE_NOT_FOUND" });
    // An upload target may be missing, but never a symlink.
    assert.deepEqual(await resolve("sub/new.bin", true), {
      path: `${real}/sub/new.bin`,
      info: undefined,
    });
    await assert.rejects(resolve("alias", true), forbidden);
    await assert.rejects(resolve("nope/new.bin", true), {
      code: "FILE_NOT_FOUND",
    });
  });
});

Deno.test("mapFsError maps OS errors to the protocol's codes", () => {
  const code = (error: unknown) => mapFsError(error, "x").code;
  assert.equal(code(new Deno.errors.NotFound("x")), "FILE_NOT_FOUND");
  assert.equal(code(new Deno.errors.NotADirectory("x")), "FILE_NOT_FOUND");
  assert.equal(
    code(new Deno.errors.PermissionDenied("x")),
    "FILE_PERMISSION_DENIED",
  );
  assert.equal(code(new Deno.errors.FilesystemLoop("x")), "PATH_FORBIDDEN");
  assert.equal(code(new Error("disk on fire")), "FILE_READ_FAILED");
  const passed = new TransferError("FILE_EXISTS", "x");
  assert.equal(mapFsError(passed, "x"), passed);
});

Deno.test("splitRequestPath refuses a lone surrogate with INVALID_TEXT and shows it escaped", () => {
  for (const path of ["a\ud800", "\udc00/b", "dir/\udfff\ud800.txt"]) {
    assert.throws(
      () => splitRequestPath(path),
      (error: unknown) =>
        error instanceof TransferError && error.code === "INVALID_TEXT" &&
        error.message.includes("\\u") && error.message.isWellFormed(),
    );
  }
  assert.deepEqual(splitRequestPath("\u{1f600}/caf\u00e9"), [
    "\u{1f600}",
    "caf\u00e9",
  ]);
});
