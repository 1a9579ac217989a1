// Copyright 2026 the framewire authors. MIT license.
// Chat fan-out against a peer: framewire's chat room beside the well-known
// Node `ws` broadcast server, same machine, same run, each server in its
// own process and the clients in another (./_fanout_clients.ts).
//
//   deno task bench:fanout [--runs 3] [--messages 500] [--window 16]
//
// - "room": 32 members of one room, each sending `--messages` with at most
//   `--window` unacknowledged; every message reaches all 32 (31 pushes and
//   the sender's ack; `ws`: 32 copies, the sender's own being its ack).
//   framewire commits every message to SQLite (synchronous=FULL, group
//   commit) before its ack and its pushes; `ws` stores and parses nothing.
//   Deliveries per second, and framewire / ws.
// - "1 → 1": one sender, one online receiver with the chat open,
//   `--direct-messages` with at most `--direct-window` (the server's
//   `sendWindow`, 256) unacknowledged: messages per second, ack latency
//   p50/p99 (under that load). The `ws` row is the same through its
//   broadcast server (two clients, one sending).
//
// Runs are interleaved (ws, framewire, ws, …) on fresh servers and
// databases; medians are printed, with the CPU time each server process
// spent per 1,000 deliveries (less sensitive to other load on the machine
// than wall time). The machine may be shared: compare the ratios of one
// run. `ws` is installed once with npm into a cache directory (pinned
// version below); nothing else is needed beyond Deno, Node and npm.
//
// `--prof DIR` writes a CPU profile of each framewire server process into
// DIR (`benches/_cpuprofile_top.ts` summarises one); `--only room` or
// `--only 1` runs one scenario; `--synchronous NORMAL` commits without
// `fsync` (to see what the disk costs). FANOUT_TOTALS=1 makes the
// framewire server print its frame and byte counters.
import { parseArgs } from "node:util";
import { join } from "node:path";
import type {
  FanoutClientsConfig,
  FanoutClientsResult,
} from "./_fanout_clients.ts";

const WS_VERSION = "8.18.3";
const MEMBERS = 32;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "3" },
    messages: { type: "string", default: "500" },
    window: { type: "string", default: "16" },
    "direct-messages": { type: "string", default: "20000" },
    "direct-window": { type: "string", default: "256" },
    only: { type: "string", default: "" },
    prof: { type: "string", default: "" },
    synchronous: { type: "string", default: "FULL" },
  },
});
const runs = Number(values.runs);
const messages = Number(values.messages);
const window = Number(values.window);
const directMessages = Number(values["direct-messages"]);
const directWindow = Number(values["direct-window"]);
for (
  const [name, value, max] of [
    ["runs", runs, 20],
    ["messages", messages, 100_000],
    ["window", window, 256],
    ["direct-messages", directMessages, 1_000_000],
    ["direct-window", directWindow, 256],
  ] as const
) {
  if (!(Number.isInteger(value) && value >= 1 && value <= max)) {
    console.error(`chat_fanout: --${name} must be an integer from 1 to ${max}`);
    Deno.exit(2);
  }
}

if (values.synchronous !== "FULL" && values.synchronous !== "NORMAL") {
  console.error("chat_fanout: --synchronous must be FULL or NORMAL");
  Deno.exit(2);
}
Deno.env.set("FANOUT_SYNCHRONOUS", values.synchronous);

const here = new URL(".", import.meta.url).pathname;

/** Installs the pinned `ws` once; returns the directory holding it. */
async function wsDir(): Promise<string> {
  const dir = join(
    Deno.env.get("TMPDIR") ?? "/tmp",
    `framewire-bench-ws-${WS_VERSION}`,
  );
  try {
    await Deno.stat(join(dir, "node_modules", "ws", "package.json"));
    return dir;
  } catch {
    // Not installed yet.
  }
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "package.json"), '{"private":true}\n');
  const npm = await new Deno.Command("npm", {
    args: [
      "install",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      `ws@${WS_VERSION}`,
    ],
    cwd: dir,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!npm.success) throw new Error(`npm install ws@${WS_VERSION} failed`);
  return dir;
}

interface Started {
  child: Deno.ChildProcess;
  port: number;
}

/** Starts a server process and reads the port from its first line. */
async function startServer(command: string, args: string[]): Promise<Started> {
  const child = new Deno.Command(command, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${command} ${args.join(" ")} ended early`);
    text += value;
  }
  // Drain the rest so the pipe never fills.
  void (async () => {
    while (!(await reader.read()).done) { /* nothing */ }
  })();
  return { child, port: Number(text.trim()) };
}

async function stopServer(server: Started): Promise<void> {
  await server.child.stdin.close();
  await server.child.status;
}

/** CPU time (user + system) of a process so far, in ms. */
async function cpuMs(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime, fields 14 and 15 of proc(5), in clock ticks (100/s).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function runClients(
  config: FanoutClientsConfig,
): Promise<FanoutClientsResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      join(here, "_fanout_clients.ts"),
      JSON.stringify(config),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error("the client process failed");
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

interface Sample extends FanoutClientsResult {
  serverCpuMs: number;
}

const dbDir = await Deno.makeTempDir({ prefix: "framewire_fanout_" });
let wsModules: string | undefined;

async function sample(
  kind: "ws" | "framewire",
  scenario: Omit<FanoutClientsConfig, "kind" | "port">,
): Promise<Sample> {
  let server: Started;
  if (kind === "ws") {
    wsModules ??= await wsDir();
    server = await startServer("node", [
      join(here, "_ws_chat_server.mjs"),
      wsModules,
    ]);
  } else {
    const db = join(dbDir, `${crypto.randomUUID()}.db`);
    const profile = values.prof === "" ? [] : [
      join(
        values.prof,
        `server-${scenario.members}-${Date.now()}.cpuprofile`,
      ),
    ];
    server = await startServer(Deno.execPath(), [
      "run",
      "-A",
      join(here, "_fanout_server.ts"),
      db,
      ...profile,
    ]);
  }
  try {
    const cpuBefore = await cpuMs(server.child.pid);
    const result = await runClients({ kind, port: server.port, ...scenario });
    const serverCpuMs = await cpuMs(server.child.pid) - cpuBefore;
    return { ...result, serverCpuMs };
  } finally {
    await stopServer(server);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

interface Row {
  scenario: string;
  kind: "ws" | "framewire";
  samples: Sample[];
}

const room = {
  members: MEMBERS,
  senders: MEMBERS,
  messages,
  window,
};
const direct = {
  members: 2,
  senders: 1,
  messages: directMessages,
  window: directWindow,
};
const scenarios = [
  { name: "room", config: room },
  { name: "1 → 1", config: direct },
].filter((s) => values.only === "" || s.name.startsWith(values.only));

const rows: Row[] = [];
try {
  for (const { name, config } of scenarios) {
    const ws: Row = { scenario: name, kind: "ws", samples: [] };
    const fw: Row = { scenario: name, kind: "framewire", samples: [] };
    rows.push(ws, fw);
    for (let run = 0; run < runs; run++) {
      // Alternate who goes first, so that neither always gets the
      // quieter half of the machine.
      const order = run % 2 === 0 ? [ws, fw] : [fw, ws];
      for (const row of order) {
        const sampled = await sample(row.kind, {
          ...config,
          direct: row.kind === "framewire" && name !== "room",
        });
        row.samples.push(sampled);
        console.error(
          `${name} ${row.kind} run ${run + 1}: ${
            Math.round(sampled.deliveries / sampled.ms * 1000)
          } deliveries/s (CPU ms: server ${sampled.serverCpuMs}, clients ${
            Math.round(sampled.clientCpuMs)
          }, wall ${Math.round(sampled.ms)})`,
        );
      }
    }
  }
} finally {
  await Deno.remove(dbDir, { recursive: true }).catch(() => {});
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const rate = (s: Sample, of: "deliveries" | "messages") => s[of] / s.ms * 1000;
const nodeVersion = new TextDecoder().decode(
  (await new Deno.Command("node", { args: ["--version"] }).output()).stdout,
).trim();
console.log(
  `\nchat fan-out, ${
    new Date().toISOString().slice(0, 10)
  }, medians of ${runs} runs, synchronous=${values.synchronous} (ws ${WS_VERSION} on Node ${nodeVersion}, Deno ${Deno.version.deno})\n`,
);
console.log(
  "| scenario | server | deliveries/s | messages/s | ack p50 / p99 (ms) | server CPU ms per 1k deliveries |",
);
console.log("|---|---|---|---|---|---|");
const medians = new Map<string, number>();
for (const row of rows) {
  const deliveries = median(row.samples.map((s) => rate(s, "deliveries")));
  const msgs = median(row.samples.map((s) => rate(s, "messages")));
  const p50 = median(row.samples.map((s) => s.ackP50Ms));
  const p99 = median(row.samples.map((s) => s.ackP99Ms));
  const cpu = median(
    row.samples.map((s) => s.serverCpuMs / s.deliveries * 1000),
  );
  medians.set(`${row.scenario} ${row.kind}`, deliveries);
  medians.set(`${row.scenario} ${row.kind} msgs`, msgs);
  medians.set(`${row.scenario} ${row.kind} cpu`, cpu);
  console.log(
    `| ${row.scenario} | ${
      row.kind === "ws" ? `Node ws` : "framewire + SQLite"
    } | ${fmt(deliveries)} | ${fmt(msgs)} | ${p50.toFixed(2)} / ${
      p99.toFixed(2)
    } | ${cpu.toFixed(2)} |`,
  );
}
console.log("");
if (medians.has("room framewire")) {
  const ratio = medians.get("room framewire")! / medians.get("room ws")!;
  const cpuRatio = medians.get("room ws cpu")! /
    medians.get("room framewire cpu")!;
  console.log(
    `room: framewire / ws = ${ratio.toFixed(2)}× deliveries/s (${
      cpuRatio.toFixed(2)
    }× per server CPU ms); goal ≥ 1.0× (with margin: ≥ 1.10×): ${
      ratio >= 1.1 ? "yes" : ratio >= 1 ? "at the line" : "NO"
    }`,
  );
}
if (medians.has("1 → 1 framewire")) {
  const msgs = medians.get("1 → 1 framewire msgs")!;
  console.log(
    `1 → 1: framewire ${
      fmt(msgs)
    } msgs/s; goal ≥ 100,000 (with margin: ≥ 110,000): ${
      msgs >= 110_000 ? "yes" : msgs >= 100_000 ? "at the line" : "NO"
    }`,
  );
}
