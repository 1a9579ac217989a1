// Copyright 2026 the framewire authors. MIT license.
// Two processes, as users run framewire: each scenario's receiver and sender
// are separate `deno run` programs on 127.0.0.1 (benches/_peers_proc.ts),
// written with the public API as the README shows it, each beside a raw
// Deno.connect / Deno.listen program doing the same work. Runs are
// interleaved (raw, framewire, raw, ...) and each cell is the median of
// three; the ratios, taken within one run, are what to compare: absolute
// figures move with the machine's load. The message scenarios send an
// untimed warm-up first (see Job in _peers_common.ts): they measure the
// optimised code a long-lived program runs, not a fresh process's first
// hundred milliseconds in V8's interpreter.
//
//   deno task bench:peers               (about 60 s on 2 cores)
//   deno task bench:peers --runs 5
//
// compare.ts runs the same rows after its in-process ones.
import { parseArgs } from "node:util";
import type { Job, RawBulkReceiver } from "./_peers_common.ts";
import {
  fmt,
  type Goal,
  goalText,
  median,
  printTable,
  quantile,
  type Row,
  verdict,
} from "./_table.ts";

const PROC = new URL("./_peers_proc.ts", import.meta.url).pathname;
// Bounds one run; a hung peer is killed, and the bench fails.
const RUN_TIMEOUT_MS = 120_000;
const MiB = 1024 * 1024;

interface Outcome {
  ms: number;
  times?: number[];
}

/** Runs the two programs of one job; resolves to the client's result. */
async function runPair(impl: "raw" | "framewire", job: Job): Promise<Outcome> {
  const jobText = JSON.stringify(job);
  const spawn = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", PROC, ...args],
      stdout: "piped",
      stderr: "inherit",
      stdin: "null",
    }).spawn();
  const server = spawn(["serve", impl, jobText]);
  let client: Deno.ChildProcess | undefined;
  const timer = setTimeout(() => {
    for (const child of [server, client]) {
      try {
        child?.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }, RUN_TIMEOUT_MS);
  try {
    const lines = server.stdout.pipeThrough(new TextDecoderStream()).values();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`${impl} ${job.scenario}: server died`);
      text += value;
    }
    const port = Number(/^port (\d+)/.exec(text)?.[1]);
    client = spawn(["client", impl, jobText, String(port)]);
    const [output, serverStatus] = await Promise.all([
      client.output(),
      (async () => {
        // Drain the rest of the server's output, then wait for its exit.
        for await (const _ of lines) { /* nothing else is printed */ }
        return await server.status;
      })(),
    ]);
    if (!output.success || !serverStatus.success) {
      throw new Error(`${impl} ${jobText}: a program failed`);
    }
    const last = new TextDecoder().decode(output.stdout).trim().split("\n")
      .at(-1)!;
    return JSON.parse(last) as Outcome;
  } finally {
    clearTimeout(timer);
  }
}

interface Variant {
  impl: "raw" | "framewire";
  job: Job;
}

/** Runs the variants interleaved, `runs` times; outcomes per variant. */
async function interleaved(
  variants: Variant[],
  runs: number,
): Promise<Outcome[][]> {
  const outcomes: Outcome[][] = variants.map(() => []);
  for (let run = 0; run < runs; run++) {
    for (let i = 0; i < variants.length; i++) {
      outcomes[i].push(await runPair(variants[i].impl, variants[i].job));
    }
  }
  return outcomes;
}

const medianMs = (outcomes: Outcome[]) => median(outcomes.map((o) => o.ms));

function ratioRow(
  scenario: string,
  framewire: number,
  baseline: number,
  baselineNote: string,
  goal: Goal | undefined,
  digits = 2,
  suffix = "",
): Row {
  const ratio = framewire / baseline;
  return {
    scenario,
    framewire: fmt(framewire, digits),
    baseline: `${fmt(baseline, digits)}${baselineNote}`,
    ratio: fmt(ratio, ratio >= 10 ? 1 : 2) + suffix,
    goal: goal === undefined ? "" : goalText(goal),
    met: goal === undefined ? "" : verdict(goal, ratio),
  };
}

/** Options of a peers run: message counts and runs per cell. */
export interface PeersOptions {
  runs?: number;
  /** Messages of the one-`await send()`-per-message scenario. */
  awaitCount?: number;
  /** Messages of the sendMany / FrameBatch scenarios. */
  manyCount?: number;
  /** Scenario groups to run (small, bulk, pingpong, conns, pipelined). */
  only?: string[];
}

/** Runs every two-process scenario; returns the table's rows. */
export async function peerRows(options: PeersOptions = {}): Promise<Row[]> {
  const runs = options.runs ?? 3;
  const awaitCount = options.awaitCount ?? 100_000;
  const manyCount = options.manyCount ?? 1_000_000;
  const rows: Row[] = [];
  const mps = (count: number, ms: number) => count / ms / 1000;
  const want = (group: string) =>
    options.only === undefined || options.only.includes(group);

  if (want("small")) {
    // Untimed first: a fifth of each count (see Job). A new Uint8Array per
    // message is six times slower than the other sendMany styles and its row
    // has no goal: its rate is measured on a fifth of the count.
    const small = (style: "await" | "many" | "fresh" | "writer") => {
      const count = style === "await"
        ? awaitCount
        : style === "fresh"
        ? manyCount / 5
        : manyCount;
      return {
        impl: "framewire" as const,
        job: {
          scenario: "small" as const,
          count,
          style,
          warmup: Math.ceil(count / 5),
        },
      };
    };
    const [raw, awaited, many, fresh, writer] = await interleaved([
      {
        impl: "raw",
        job: {
          scenario: "small",
          count: awaitCount,
          style: "await",
          warmup: Math.ceil(awaitCount / 5),
        },
      },
      small("await"),
      small("many"),
      small("fresh"),
      small("writer"),
    ], runs);
    const rawRate = mps(awaitCount, medianMs(raw));
    const k = (n: number) => `${fmt(n / 1000, 0)}k`;
    rows.push(ratioRow(
      `${k(awaitCount)} x 16 B, await send() each (M msg/s)`,
      mps(awaitCount, medianMs(awaited)),
      rawRate,
      " (1 write/msg)",
      { op: ">=", line: 0.95 },
      3,
    ));
    const manyRate = mps(manyCount, medianMs(many));
    rows.push({
      ...ratioRow(
        `${k(manyCount)} x 16 B, sendMany of 1,024 (M msg/s)`,
        manyRate,
        rawRate,
        " (1 write/msg)",
        { op: ">=", line: 20 },
        3,
        "x",
      ),
    });
    rows.push({
      scenario: "  same, rate goal (M msg/s)",
      framewire: fmt(manyRate, 3),
      baseline: "",
      ratio: "",
      goal: goalText({ op: ">=", line: 5 }, " M/s"),
      met: verdict({ op: ">=", line: 5 }, manyRate),
    });
    rows.push(ratioRow(
      "  sendMany, a new Uint8Array per msg",
      mps(manyCount / 5, medianMs(fresh)),
      rawRate,
      "",
      undefined,
      3,
      "x",
    ));
    rows.push(ratioRow(
      "  FrameBatch + sendBatch, built in place",
      mps(manyCount, medianMs(writer)),
      rawRate,
      "",
      undefined,
      3,
      "x",
    ));
  }

  if (want("bulk")) {
    const bulk = (release: boolean, raw?: RawBulkReceiver) => ({
      scenario: "bulk" as const,
      count: 64,
      size: 16 * MiB,
      release,
      raw,
    });
    const [stream, reuse, fresh, plain, release] = await interleaved([
      { impl: "raw", job: bulk(false, "stream") },
      { impl: "raw", job: bulk(false, "reuse") },
      { impl: "raw", job: bulk(false, "fresh") },
      { impl: "framewire", job: bulk(false) },
      { impl: "framewire", job: bulk(true) },
    ], runs);
    const gbps = (outcomes: Outcome[]) =>
      64 * 16 * MiB / medianMs(outcomes) / 1e6;
    const goal: Goal = { op: ">=", line: 0.9 };
    // Each framewire loop beside the raw program that keeps frames the same
    // way, then both beside the socket's ceiling (a reader keeping none).
    rows.push(ratioRow(
      "64 x 16 MiB, for await + release() (GB/s)",
      gbps(release),
      gbps(reuse),
      " (frames into 1 buffer)",
      goal,
    ));
    rows.push(ratioRow(
      "  same, plain for await",
      gbps(plain),
      gbps(fresh),
      " (a new buffer/frame)",
      goal,
    ));
    rows.push(ratioRow(
      "  release(), against 1 MiB reads",
      gbps(release),
      gbps(stream),
      " (keeps no frame)",
      goal,
    ));
    rows.push(ratioRow(
      "  plain, against 1 MiB reads",
      gbps(plain),
      gbps(stream),
      "",
      goal,
    ));
  }

  if (want("pingpong")) {
    const job: Job = {
      scenario: "pingpong",
      count: 10_000,
      size: 32,
      warmup: 2_000,
    };
    const [raw, fw] = await interleaved([
      { impl: "raw", job },
      { impl: "framewire", job },
    ], runs);
    const us = (outcomes: Outcome[], q: number) =>
      median(outcomes.map((o) => quantile(o.times!, q))) * 1000;
    rows.push(ratioRow(
      "ping-pong 32 B, p50 (us)",
      us(fw, 0.5),
      us(raw, 0.5),
      " (37 B echo)",
      { op: "<=", line: 1.1 },
      1,
    ));
    rows.push(ratioRow(
      "ping-pong 32 B, p99 (us)",
      us(fw, 0.99),
      us(raw, 0.99),
      "",
      { op: "<=", line: 1.5 },
      1,
    ));
  }

  if (want("conns")) {
    const job: Job = { scenario: "conns", connections: 1000, count: 100 };
    const [raw, fw] = await interleaved([
      { impl: "raw", job },
      { impl: "framewire", job },
    ], runs);
    rows.push(ratioRow(
      "1,000 conns x 100 msgs, await send (ms)",
      medianMs(fw),
      medianMs(raw),
      "",
      { op: "<=", line: 1.0 },
      0,
    ));
  }

  if (want("pipelined")) {
    const job: Job = { scenario: "pipelined", count: 100_000, warmup: 20_000 };
    const [raw, fw] = await interleaved([
      { impl: "raw", job },
      { impl: "framewire", job },
    ], runs);
    rows.push(ratioRow(
      "100k requests, 1,000 in flight (k req/s)",
      100_000 / medianMs(fw),
      100_000 / medianMs(raw),
      " (hand-written)",
      undefined,
      0,
    ));
  }
  return rows;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      runs: { type: "string", default: "3" },
      "await-count": { type: "string", default: "100000" },
      "many-count": { type: "string", default: "1000000" },
      only: { type: "string" },
    },
  });
  const started = performance.now();
  const rows = await peerRows({
    runs: Number(values.runs),
    awaitCount: Number(values["await-count"]),
    manyCount: Number(values["many-count"]),
    only: values.only?.split(","),
  });
  console.log(
    `framewire two-process ${
      new Date().toISOString().slice(0, 10)
    }, ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}`,
  );
  printTable(rows);
  console.log(
    `(median of ${values.runs} interleaved runs; ratio = framewire / raw: higher is better for rates, lower for times; ${
      fmt((performance.now() - started) / 1000, 0)
    } s)`,
  );
}
