// Copyright 2026 the framewire authors. MIT license.
// Checks the layering of the sources (docs/ARCHITECTURE.md) from the module
// graph that `deno info --json` reports, type-only imports included:
//
//   1. dependencies point downward only:
//        internal <- codec <- transport (and mod.ts) <- chat, files <- cli, web
//      and never sideways between chat/ and files/;
//   2. a `_name.ts` file is private to its folder: no other folder imports it;
//   3. no import cycle, not even a type-only one;
//   4. internal/, codec/ and transport/ import nothing from outside the
//      package (zero dependencies: Deno and Web APIs only);
//   5. no source file longer than MAX_LINES, except those listed in
//      LONG_FILES with the reason.
//
// Run: deno run -A .ci/check_layers.ts   (exit 1 and one line per finding)

const ROOT = new URL("../", import.meta.url);
const SOURCE_DIRS = [
  "internal",
  "codec",
  "transport",
  "chat",
  "files",
  "cli",
  "web",
];
const LAYERS: Record<string, number> = {
  internal: 0,
  codec: 1,
  transport: 2,
  ".": 2, // mod.ts: the entry point of codec/ and transport/
  chat: 3,
  files: 3,
  cli: 4,
  // The browser library: codec/, transport/ and chat's client, no server.
  web: 4,
};
// web/ too: it is bundled for browsers, where no npm: or node: module runs.
const ZERO_DEPENDENCY = new Set([
  "internal",
  "codec",
  "transport",
  ".",
  "web",
]);
const MAX_LINES = 600;
/** Files allowed past MAX_LINES, each with the reason. */
const LONG_FILES: Record<string, string> = {
  "chat/sqlite_chat_store.ts":
    "one documented method per ChatStore operation plus group commit; its SQL lives in _sqlite_chat_schema.ts",
  "chat/postgres_chat_store.ts":
    "one documented method per ChatStore operation, as the SQLite store; its schema and transactions live in _postgres_chat_schema.ts",
};

async function sourceFiles(): Promise<string[]> {
  const files = ["mod.ts"];
  for (const dir of SOURCE_DIRS) {
    for await (const entry of Deno.readDir(new URL(`${dir}/`, ROOT))) {
      if (entry.isFile && entry.name.endsWith(".ts")) {
        files.push(`${dir}/${entry.name}`);
      }
    }
  }
  return files.sort();
}

interface InfoModule {
  specifier: string;
  kind?: string;
  dependencies?: {
    code?: { specifier: string };
    type?: { specifier: string };
  }[];
}

/** Every import between our files, and every import that leaves the package. */
async function moduleGraph(files: string[]): Promise<Map<string, Set<string>>> {
  // One root that imports every source file, so that a single `deno info`
  // sees the whole graph, also files no entry point reaches.
  const dir = await Deno.makeTempDir();
  try {
    const root = `${dir}/all.ts`;
    await Deno.writeTextFile(
      root,
      files.map((file) => `import "${new URL(file, ROOT)}";\n`).join(""),
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", root],
      cwd: new URL(".", ROOT),
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (!output.success) throw new Error("deno info failed");
    const info = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      modules: InfoModule[];
    };
    const graph = new Map<string, Set<string>>();
    for (const module of info.modules) {
      const from = relative(module.specifier);
      if (from === undefined) continue;
      const targets = new Set<string>();
      for (const dependency of module.dependencies ?? []) {
        for (const edge of [dependency.code, dependency.type]) {
          if (edge === undefined) continue;
          targets.add(relative(edge.specifier) ?? edge.specifier);
        }
      }
      graph.set(from, targets);
    }
    return graph;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A path relative to the repository for our files, else `undefined`. */
function relative(specifier: string): string | undefined {
  if (!specifier.startsWith(ROOT.href)) return undefined;
  const path = specifier.slice(ROOT.href.length);
  return path.endsWith(".ts") && !path.startsWith("tests/") &&
      !path.startsWith("benches/") && !path.startsWith(".ci/")
    ? path
    : undefined;
}

function folderOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "." : path.slice(0, slash);
}

function isPrivate(path: string): boolean {
  return path.slice(path.lastIndexOf("/") + 1).startsWith("_");
}

export function checkEdges(graph: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  for (const [from, targets] of graph) {
    const fromFolder = folderOf(from);
    for (const to of targets) {
      if (!to.endsWith(".ts") || to.includes(":")) {
        if (ZERO_DEPENDENCY.has(fromFolder)) {
          problems.push(
            `${from} imports ${to}: ${fromFolder}/ has no dependencies`,
          );
        }
        continue;
      }
      const toFolder = folderOf(to);
      if (toFolder === fromFolder) continue;
      if (isPrivate(to)) {
        problems.push(`${from} imports ${to}, private to ${toFolder}/`);
      }
      const fromLayer = LAYERS[fromFolder];
      const toLayer = LAYERS[toFolder];
      if (fromLayer === undefined || toLayer === undefined) {
        problems.push(`${from} imports ${to}: folder without a layer`);
      } else if (toLayer > fromLayer) {
        problems.push(
          `${from} imports ${to}: upward (${fromFolder}/ is below ${toFolder}/)`,
        );
      } else if (
        toLayer === fromLayer && fromFolder !== "." && toFolder !== "."
      ) {
        problems.push(
          `${from} imports ${to}: sideways between ${fromFolder}/ and ${toFolder}/`,
        );
      }
    }
  }
  return problems;
}

/** Strongly connected components of more than one file (Tarjan). */
export function findCycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) {
    if (!index.has(node)) visit(node);
  }
  return cycles;
}

async function checkLengths(files: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const file of files) {
    const text = await Deno.readTextFile(new URL(file, ROOT));
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (lines > MAX_LINES && LONG_FILES[file] === undefined) {
      problems.push(`${file} has ${lines} lines (at most ${MAX_LINES})`);
    }
  }
  return problems;
}

if (import.meta.main) {
  const files = await sourceFiles();
  const graph = await moduleGraph(files);
  const problems = [
    ...checkEdges(graph),
    ...findCycles(graph).map((cycle) => `import cycle: ${cycle.join(" <-> ")}`),
    ...await checkLengths(files),
  ];
  for (const problem of problems) console.log(problem);
  console.log(
    `layers: ${graph.size} files, ${problems.length} problem${
      problems.length === 1 ? "" : "s"
    }`,
  );
  Deno.exit(problems.length === 0 ? 0 : 1);
}
