// Copyright 2026 the framewire authors. MIT license.
/**
 * `deno task mutate`: checks that the tests catch a break of each critical
 * invariant. For every mutation of `dev/mutations.ts` it copies the working
 * tree to a temp dir, applies the mutation's patches (plain search/replace),
 * runs the mutation's test files there, and reports:
 *
 * - `killed`: the tests failed (or hung past the bound): good;
 * - `SURVIVED`: the tests passed with the bug in: a missing test;
 * - `STALE`: a patch's search text is not in the file, or is there more than
 *   once (the code was edited): update the mutation, it no longer checks
 *   anything.
 *
 * Before any mutation the same test files run once unmutated (a failure
 * there would make every "killed" meaningless). Exits 1 if the baseline
 * fails or any mutation survived or is stale.
 *
 * ```sh
 * deno task mutate                 # every mutation (a few minutes)
 * deno task mutate drain throttle  # those whose name contains a word
 * deno task mutate --list          # names only
 * ```
 *
 * @module
 */
import { type Mutation, MUTATIONS } from "./mutations.ts";

const root = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
// A mutation whose tests run longer than this counts as killed (a hang is a
// failure a user would notice), and the run moves on.
const RUN_BOUND_MS = 240_000;

type Outcome =
  | { status: "killed"; ms: number; how: string }
  | { status: "SURVIVED"; ms: number }
  | { status: "STALE"; why: string };

/** The tracked and untracked (not ignored) files of the working tree. */
async function treeFiles(): Promise<string[]> {
  const { stdout, success } = await new Deno.Command("git", {
    args: ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    cwd: root,
    stdout: "piped",
  }).output();
  if (!success) throw new Error("Cannot list the tree: git ls-files failed");
  return new TextDecoder().decode(stdout).split("\0").filter((path) =>
    path !== ""
  );
}

async function copyTree(to: string): Promise<void> {
  for (const path of await treeFiles()) {
    let data: Uint8Array;
    try {
      data = await Deno.readFile(`${root}/${path}`);
    } catch (error) {
      // Deleted in the working tree but not yet in the index.
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    const target = `${to}/${path}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), {
      recursive: true,
    });
    await Deno.writeFile(target, data);
  }
}

/** Applies the patches in `tree`; returns the originals, or why it is stale. */
async function apply(
  tree: string,
  mutation: Mutation,
): Promise<Map<string, string> | string> {
  const originals = new Map<string, string>();
  const texts = new Map<string, string>();
  for (const patch of mutation.patches) {
    const path = `${tree}/${patch.file}`;
    let text = texts.get(path);
    if (text === undefined) {
      try {
        text = await Deno.readTextFile(path);
      } catch {
        return `${patch.file} does not exist`;
      }
      originals.set(path, text);
    }
    const at = text.indexOf(patch.search);
    if (at === -1) {
      return `search text not found in ${patch.file}: ${
        JSON.stringify(patch.search.slice(0, 60))
      }…`;
    }
    if (text.indexOf(patch.search, at + 1) !== -1) {
      return `search text found more than once in ${patch.file}`;
    }
    texts.set(
      path,
      text.slice(0, at) + patch.replace + text.slice(at + patch.search.length),
    );
  }
  for (const [path, text] of texts) await Deno.writeTextFile(path, text);
  return originals;
}

/** Runs test files in `tree`; resolves to whether they passed, and output. */
async function runTests(
  tree: string,
  tests: readonly string[],
  filter: string | undefined,
): Promise<{ passed: boolean; timedOut: boolean; output: string }> {
  const args = [
    "test",
    "-A",
    // A mutation may not type-check; it must still run to show whether a
    // test notices the behaviour (a type error is not a test).
    "--no-check",
    "--sanitize-ops",
    "--sanitize-resources",
    ...(filter === undefined ? [] : ["--filter", filter]),
    ...tests,
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: tree,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }, RUN_BOUND_MS);
  const [status, out, err] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  clearTimeout(timer);
  return { passed: status.success, timedOut, output: out + err };
}

/** The names of the failed tests in a `deno test` output, for the report. */
function failedTests(output: string): string {
  // Deno lists each failure as "name => ./path:line:column".
  const names = [
    ...new Set(
      [...output.matchAll(/^(.+?) => \S+:\d+:\d+$/gm)].map((m) => m[1]),
    ),
  ];
  return names.length === 0 ? "tests failed" : names.slice(0, 2).join("; ");
}

async function main(): Promise<number> {
  const args = Deno.args.filter((arg) => !arg.startsWith("--"));
  if (Deno.args.includes("--list")) {
    for (const mutation of MUTATIONS) console.log(mutation.name);
    return 0;
  }
  const chosen = MUTATIONS.filter((mutation) =>
    args.length === 0 || args.some((word) => mutation.name.includes(word))
  );
  if (chosen.length === 0) {
    console.error(`mutate: no mutation matches ${args.join(" ")}`);
    return 1;
  }
  const tree = await Deno.makeTempDir({ prefix: "framewire_mutate_" });
  try {
    await copyTree(tree);
    // Baseline: every test file involved, unmutated, with its filters.
    const groups = new Map<string, Mutation>();
    for (const mutation of chosen) {
      groups.set(JSON.stringify([mutation.tests, mutation.filter]), mutation);
    }
    console.log(`== baseline: ${groups.size} test runs without mutations`);
    for (const mutation of groups.values()) {
      const run = await runTests(tree, mutation.tests, mutation.filter);
      if (!run.passed) {
        console.log(run.output.slice(-4000));
        console.error(
          `mutate: the tests of "${mutation.name}" fail without any mutation (${
            mutation.tests.join(" ")
          }); fix them first`,
        );
        return 1;
      }
    }
    let bad = 0;
    for (const mutation of chosen) {
      const outcome = await check(tree, mutation);
      if (outcome.status === "killed") {
        console.log(
          `killed    ${mutation.name} (${
            (outcome.ms / 1000).toFixed(1)
          } s: ${outcome.how})`,
        );
      } else if (outcome.status === "SURVIVED") {
        bad++;
        console.log(
          `SURVIVED  ${mutation.name}: ${mutation.tests.join(" ")} passed`,
        );
      } else {
        bad++;
        console.log(`STALE     ${mutation.name}: ${outcome.why}`);
      }
    }
    console.log(
      `${chosen.length - bad} of ${chosen.length} mutations killed` +
        (bad > 0 ? `, ${bad} survived or stale` : ""),
    );
    return bad > 0 ? 1 : 0;
  } finally {
    await Deno.remove(tree, { recursive: true });
  }
}

async function check(tree: string, mutation: Mutation): Promise<Outcome> {
  const originals = await apply(tree, mutation);
  if (typeof originals === "string") return { status: "STALE", why: originals };
  const started = performance.now();
  try {
    const run = await runTests(tree, mutation.tests, mutation.filter);
    const ms = performance.now() - started;
    if (run.passed) return { status: "SURVIVED", ms };
    return {
      status: "killed",
      ms,
      how: run.timedOut ? "hung" : failedTests(run.output),
    };
  } finally {
    for (const [path, text] of originals) await Deno.writeTextFile(path, text);
  }
}

if (import.meta.main) Deno.exit(await main());
