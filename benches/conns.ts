// Copyright 2026 the framewire authors. MIT license.
// Memory of idle connections: the framewire server (`cli/server.ts`, default
// flags) beside a raw Deno listener that only holds its connections, each in
// its own process. A client process opens N connections to each, sends one
// Ping on every one, and lets them idle. Reported from the listener's VmRSS
// (/proc/<pid>/status, Linux only): the RSS over its baseline per idle
// connection, and the RSS once every connection is closed again: 3 s after
// the close, and once settled (sampled every second for `--after-close-s`,
// 60 s by default; V8's memory reducer hands the freed heap pages back to the
// system only after some idle seconds, 20 to 40 s here). The goals (issue 9):
// <= 16 KiB per idle connection, and settled after close within
// baseline + 50 MB.
//
//   deno task bench:conns                      (10,000 connections)
//   deno task bench:conns --connections 2000
//   deno task bench:conns --server-arg=--idle-timeout-ms=0   (extra flags)
//
// Every process runs under `ulimit -n <hard limit>`; everything binds
// 127.0.0.1 and is killed at the end, even on failure.
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    connections: { type: "string", default: "10000" },
    "server-arg": { type: "string", multiple: true, default: [] },
    "settle-ms": { type: "string", default: "3000" },
    "after-close-s": { type: "string", default: "60" },
  },
});
const count = Number(values.connections);
if (!Number.isInteger(count) || count < 1 || count > 50_000) {
  console.error(
    "bench:conns: --connections must be an integer from 1 to 50000",
  );
  Deno.exit(1);
}
const settleMs = Number(values["settle-ms"]);
const afterCloseS = Number(values["after-close-s"]);
if (!Number.isInteger(afterCloseS) || afterCloseS < 0) {
  console.error("bench:conns: --after-close-s must be an integer >= 0");
  Deno.exit(1);
}
// Bounds every wait: opening 10,000 connections takes seconds, not minutes.
const STEP_TIMEOUT_MS = 180_000;
const MB = 1e6;

const here = (path: string) => new URL(path, import.meta.url).pathname;

interface Child {
  process: Deno.ChildProcess;
  nextLine(): Promise<string>;
  stdin?: WritableStreamDefaultWriter<Uint8Array>;
}

/** Starts `deno <args>` with the open-file limit raised to the hard limit. */
function spawnDeno(args: string[], withStdin = false): Child {
  const process = new Deno.Command("bash", {
    args: [
      "-c",
      'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"',
      "bash",
      Deno.execPath(),
      ...args,
    ],
    stdin: withStdin ? "piped" : "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = process.stdout.pipeThrough(new TextDecoderStream()).values();
  let buffered = "";
  const nextLine = async (): Promise<string> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`${args[2]} exited before printing a line`);
      buffered += value;
    }
    const end = buffered.indexOf("\n");
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    return line;
  };
  return {
    process,
    nextLine,
    stdin: withStdin ? process.stdin.getWriter() : undefined,
  };
}

async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`bench:conns: timed out: ${what}`)),
          STEP_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** VmRSS of a process, in bytes. */
function rss(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

async function stop(child: Child | undefined): Promise<void> {
  if (child === undefined) return;
  try {
    child.process.kill("SIGTERM");
  } catch {
    // Already gone.
  }
  const killer = setTimeout(() => {
    try {
      child.process.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }, 5000);
  await child.process.status;
  clearTimeout(killer);
}

interface Result {
  listener: string;
  baseline: number;
  idle: number;
  /** RSS `settleMs` after the close. */
  closed: number;
  /** RSS `afterCloseS` seconds after the close. */
  settled: number;
  /** Seconds after the close when RSS first came within 1 MB of `settled`. */
  settledAfterS: number;
}

async function measure(kind: "raw" | "framewire"): Promise<Result> {
  const dir = await Deno.makeTempDir({ prefix: "bench-conns-" });
  let server: Child | undefined;
  let client: Child | undefined;
  try {
    server = kind === "raw"
      ? spawnDeno(["run", "-A", here("./_conns_raw_listener.ts")])
      : spawnDeno([
        "run",
        "-A",
        here("../cli/server.ts"),
        "--port",
        "0",
        "--quiet",
        "--db",
        `${dir}/chat.db`,
        // Room for the bench's connections when N is above the default.
        ...(count > 10_000 ? ["--max-connections", String(count)] : []),
        ...values["server-arg"],
      ]);
    const listening = await within(server.nextLine(), "the listener to start");
    const port = Number(/(\d+)\s*$/.exec(listening)?.[1]);
    if (!port) throw new Error(`bench:conns: unexpected line "${listening}"`);
    await delay(settleMs);
    const pid = server.process.pid;
    const baseline = rss(pid);
    client = spawnDeno(
      [
        "run",
        "-A",
        here("./_conns_client.ts"),
        String(port),
        String(count),
        kind,
      ],
      true,
    );
    const open = await within(client.nextLine(), `${count} connections`);
    if (open !== `open ${count}`) {
      throw new Error(`bench:conns: client said "${open}"`);
    }
    await delay(settleMs);
    const idle = rss(pid);
    await client.stdin!.write(new TextEncoder().encode("close\n"));
    await client.stdin!.close();
    const done = await within(client.nextLine(), "the connections to close");
    if (done !== "closed") {
      throw new Error(`bench:conns: client said "${done}"`);
    }
    await within(client.process.status, "the client to exit");
    const closedAt = Date.now();
    await delay(settleMs);
    const closed = rss(pid);
    // One sample a second, so the report can say when the memory came back.
    const samples: number[] = [];
    while (Date.now() - closedAt < afterCloseS * 1000) {
      await delay(1000);
      samples.push(rss(pid));
    }
    const settled = samples.at(-1) ?? closed;
    const firstNear = samples.findIndex((s) => s - settled < MB);
    return {
      listener: kind === "raw" ? "raw Deno.listen" : "framewire server",
      baseline,
      idle,
      closed,
      settled,
      settledAfterS: Math.round(settleMs / 1000) + firstNear + 1,
    };
  } finally {
    await stop(client);
    await stop(server);
    await Deno.remove(dir, { recursive: true });
  }
}

const results = [await measure("raw"), await measure("framewire")];
const mb = (bytes: number) => (bytes / MB).toFixed(1);
console.log(
  `\n${count} idle connections (one Ping each), Deno ${Deno.version.deno}\n`,
);
console.log(
  `| listener | baseline RSS (MB) | with idle conns (MB) | per idle conn (KiB) | ${
    settleMs / 1000
  } s after close (MB) | ${afterCloseS} s after close (MB) | settled - baseline (MB) |`,
);
console.log("| --- | --: | --: | --: | --: | --: | --: |");
for (const r of results) {
  console.log(
    `| ${r.listener} | ${mb(r.baseline)} | ${mb(r.idle)} | ${
      ((r.idle - r.baseline) / count / 1024).toFixed(1)
    } | ${mb(r.closed)} | ${mb(r.settled)} (from ${r.settledAfterS} s) | ${
      mb(r.settled - r.baseline)
    } |`,
  );
}
const fw = results[1];
const perConn = (fw.idle - fw.baseline) / count / 1024;
console.log(
  `\ngoals: <= 16 KiB per idle connection: ${perConn.toFixed(1)} KiB ${
    perConn <= 16 ? "met" : "NOT met"
  }; ${afterCloseS} s after close <= baseline + 50 MB: ${
    mb(fw.settled - fw.baseline)
  } MB ${fw.settled - fw.baseline <= 50 * MB ? "met" : "NOT met"}`,
);
