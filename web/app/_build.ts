// Copyright 2026 the framewire authors. MIT license.
// Bundles the chat page (web/app/src/_main.ts and what it imports: the
// browser chat client, the codec) into web/app/dist/app.js with a pinned
// esbuild from npm. The bundle is committed, so that the server serves the
// page from a fresh clone with no build step and no network.
//
//   deno task build:web           rebuild web/app/dist/app.js
//   deno task build:web --check   fail if the committed bundle is stale
//
// Same sources and esbuild version, same bytes: --check compares them.

/** Pinned, so that a rebuild of unchanged sources gives the same bytes. */
const ESBUILD = "esbuild@0.24.2";
const here = new URL("./", import.meta.url);
const entry = new URL("src/_main.ts", here).pathname;
const output = new URL("dist/app.js", here).pathname;

async function bundle(outfile: string): Promise<void> {
  const { code } = await new Deno.Command("npx", {
    args: [
      "-y",
      ESBUILD,
      entry,
      "--bundle",
      "--format=esm",
      "--platform=browser",
      "--target=es2022",
      "--minify",
      "--legal-comments=none",
      "--charset=utf8",
      "--log-level=warning",
      `--outfile=${outfile}`,
    ],
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error(`esbuild exited with ${code}`);
}

if (import.meta.main) {
  if (Deno.args.includes("--check")) {
    const dir = await Deno.makeTempDir({ prefix: "framewire_web_" });
    try {
      await bundle(`${dir}/app.js`);
      const fresh = await Deno.readFile(`${dir}/app.js`);
      let committed: Uint8Array | undefined;
      try {
        committed = await Deno.readFile(output);
      } catch {
        // Missing: stale.
      }
      const same = committed !== undefined &&
        committed.length === fresh.length &&
        committed.every((byte, i) => byte === fresh[i]);
      if (!same) {
        console.error(
          "web/app/dist/app.js is stale: run `deno task build:web` and commit it",
        );
        Deno.exit(1);
      }
      console.log("web/app/dist/app.js is up to date");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  } else {
    await bundle(output);
    const { size } = await Deno.stat(output);
    console.log(`web/app/dist/app.js: ${size} bytes`);
  }
}
