// Copyright 2026 the framewire authors. MIT license.
/**
 * Soak test: runs `cli/server.ts` as an operator would and drives mixed
 * load at it for minutes (pings, chat, file transfers, bad clients,
 * connection churn), sampling the server's RSS, open descriptors and
 * event-loop lag every second. It passes when, after warm-up, RSS has no
 * upward trend, descriptors return to their idle baseline once the load
 * stops, and the server log holds only the codes the bad clients cause.
 *
 * ```sh
 * deno task soak -- --minutes 30
 * deno task soak -- --seconds 10 --out /tmp/soak
 * ```
 *
 * Writes `samples.csv`, `plot.svg`, `summary.md` and `server.log` to the
 * output directory and exits 0 on a pass, 1 on a failure (with the reason),
 * 2 on bad usage. Linux only (it reads `/proc`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Counters } from "./_counters.ts";
import { EXPECTED_CODES, readLog } from "./_expected_log.ts";
import { startBadClients } from "./_bad_clients.ts";
import {
  chatUserName,
  DEFAULT_SHAPE,
  DOWNLOAD_SIZES,
  downloadName,
  type LoadContext,
  PASSWORD,
  startLoad,
} from "./_load.ts";
import { sleep } from "../internal/sleep.ts";
import { CSV_HEADER, csvRow, summary, svgPlot } from "./_report.ts";
import { seededRandom } from "../tests/_utils.ts";
import { startSoakServer } from "./_server.ts";
import {
  DEFAULT_THRESHOLDS,
  judge,
  percentile,
  type Phase,
  type Sample,
  type Thresholds,
} from "./_verdict.ts";
import { OP_KINDS, type OpKind } from "./_counters.ts";
import { ChatClient } from "../chat/mod.ts";
import { FileClient } from "../files/mod.ts";

const HELP = `Usage: deno task soak -- (--minutes N | --seconds N) [options]

Starts cli/server.ts on 127.0.0.1 (port 0, temp --db/--files/--uploads),
drives mixed load at it and samples RSS, descriptors and Ping lag each second.

Options:
      --minutes N             load duration in minutes
      --seconds N             load duration in seconds (short runs, tests)
      --out DIR               where results go (default: a new temp dir)
      --seed N                seed of the load's random choices (default: random)
      --warmup-fraction F     share of the run not judged for RSS (default 0.2)
      --max-rss-slope MB      RSS slope limit after warm-up, MB/min (default ${DEFAULT_THRESHOLDS.maxRssSlopeMbPerMin})
      --max-rss-drift MB      last minute's RSS over the first post-warm-up
                              minute's, MB (default ${DEFAULT_THRESHOLDS.maxRssDriftMb})
      --fd-tolerance N        descriptors above baseline allowed after the
                              load (default ${DEFAULT_THRESHOLDS.fdTolerance})
      --allow-code CODE       a server log code to accept (repeatable)
      --server-arg ARG        an extra argument for cli/server.ts (repeatable)
      --deno-arg ARG          an extra argument for the server's "deno run",
                              e.g. --deno-arg=--v8-flags=--trace-gc (its
                              output lands in server.stdout; repeatable)
  -h, --help                  show this help

RSS trend checks need at least ${DEFAULT_THRESHOLDS.minTrendSeconds} s after warm-up; shorter runs report
them as n/a. MB is 10^6 bytes.`;

/** Longest wait for descriptors to come back after the load. */
const COOLDOWN_MS = 30_000;

/** Parsed command line. */
interface SoakArgs {
  seconds: number;
  out: string | undefined;
  seed: number;
  warmupFraction: number;
  thresholds: Thresholds;
  allowCodes: string[];
  serverArgs: string[];
  denoArgs: string[];
}

function number(flag: string, text: string | undefined, min: number): number {
  const value = Number(text);
  if (text === undefined || text.trim() === "" || !(value >= min)) {
    throw new Error(`invalid --${flag} "${text}": expected a number >= ${min}`);
  }
  return value;
}

function parse(args: string[]): SoakArgs | "help" {
  // `deno task soak -- --minutes 5` passes the "--" on.
  if (args[0] === "--") args = args.slice(1);
  const { values } = parseArgs({
    args,
    options: {
      minutes: { type: "string" },
      seconds: { type: "string" },
      out: { type: "string" },
      seed: { type: "string" },
      "warmup-fraction": { type: "string", default: "0.2" },
      "max-rss-slope": { type: "string" },
      "max-rss-drift": { type: "string" },
      "fd-tolerance": { type: "string" },
      "allow-code": { type: "string", multiple: true, default: [] },
      "server-arg": { type: "string", multiple: true, default: [] },
      "deno-arg": { type: "string", multiple: true, default: [] },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  if ((values.minutes === undefined) === (values.seconds === undefined)) {
    throw new Error("give one of --minutes N or --seconds N");
  }
  const seconds = values.minutes !== undefined
    ? number("minutes", values.minutes, 0.05) * 60
    : number("seconds", values.seconds, 3);
  const fraction = number("warmup-fraction", values["warmup-fraction"], 0);
  if (fraction >= 1) throw new Error("--warmup-fraction must be below 1");
  const d = DEFAULT_THRESHOLDS;
  return {
    seconds: Math.round(seconds),
    out: values.out,
    seed: values.seed !== undefined
      ? number("seed", values.seed, 0) >>> 0
      : Math.floor(Math.random() * 2 ** 32),
    warmupFraction: fraction,
    thresholds: {
      maxRssSlopeMbPerMin: values["max-rss-slope"] === undefined
        ? d.maxRssSlopeMbPerMin
        : number("max-rss-slope", values["max-rss-slope"], 0),
      maxRssDriftMb: values["max-rss-drift"] === undefined
        ? d.maxRssDriftMb
        : number("max-rss-drift", values["max-rss-drift"], 0),
      fdTolerance: values["fd-tolerance"] === undefined
        ? d.fdTolerance
        : number("fd-tolerance", values["fd-tolerance"], 0),
      minTrendSeconds: d.minTrendSeconds,
    },
    allowCodes: values["allow-code"],
    serverArgs: values["server-arg"],
    denoArgs: values["deno-arg"],
  };
}

async function rssMb(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  return (kb * 1024) / 1e6;
}

async function fdCount(pid: number): Promise<number> {
  let count = 0;
  for await (const _ of Deno.readDir(`/proc/${pid}/fd`)) count++;
  return count;
}

/**
 * Registers the chat users (so direct messages find them from the start),
 * sends a message, downloads and uploads a file: whatever the server opens
 * lazily is open before the descriptor baseline is taken.
 */
async function prime(port: number, users: number): Promise<void> {
  for (let i = 0; i < users; i++) {
    const chat = await ChatClient.connect({
      port,
      user: chatUserName(i),
      password: PASSWORD,
    });
    try {
      await chat.join("#soak-a");
      if (i === 0) await chat.send("#soak-a", "prime");
    } finally {
      await chat.close();
    }
  }
  await using files = await FileClient.connect({ port });
  await (await files.get(downloadName(0))).bytes();
  await files.put("soak-prime.bin", new Uint8Array(1024), { overwrite: true });
}

/** Runs a soak; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let options: SoakArgs;
  try {
    const parsed = parse(args);
    if (parsed === "help") {
      console.log(HELP);
      return 0;
    }
    options = parsed;
  } catch (error) {
    console.error(`soak: ${(error as Error).message}`);
    return 2;
  }
  if (Deno.build.os !== "linux") {
    console.error("soak: needs Linux (it reads /proc)");
    return 2;
  }
  const out = options.out ??
    await Deno.makeTempDir({ prefix: "framewire_soak_" });
  await Deno.mkdir(out, { recursive: true });
  const dataDir = await Deno.makeTempDir({ prefix: "framewire_soak_data_" });
  const files = new Map<string, Uint8Array>();
  DOWNLOAD_SIZES.forEach((size, i) => {
    const bytes = new Uint8Array(size);
    for (let j = 0; j < size; j += 1024) bytes[j] = j >> 10;
    files.set(downloadName(i), bytes);
  });
  console.log(
    `soak: ${options.seconds} s of load, seed ${options.seed}, results in ${out}`,
  );
  const server = await startSoakServer({
    dir: dataDir,
    // Cheap password hashing: logins are part of the load, and 210,000
    // PBKDF2 iterations each would make the soak measure hashing.
    extraArgs: ["--password-iterations", "1000", ...options.serverArgs],
    denoArgs: options.denoArgs,
    files,
  });
  const csv = await Deno.open(`${out}/samples.csv`, {
    write: true,
    create: true,
    truncate: true,
  });
  const encoder = new TextEncoder();
  try {
    await prime(server.port, DEFAULT_SHAPE.chatUsers);
    await sleep(1000, new AbortController().signal);
    const fdBaseline = await fdCount(server.pid);
    await csv.write(encoder.encode(CSV_HEADER + "\n"));

    const counters = new Counters();
    const stop = new AbortController();
    const ctx: LoadContext = {
      port: server.port,
      counters,
      signal: stop.signal,
      random: seededRandom(options.seed),
    };
    const warmupSeconds = Math.round(options.seconds * options.warmupFraction);
    const samples: Sample[] = [];
    let serverAlive = true;
    let lastOps = { ...counters.ops };
    let lastErrors = 0;
    let lastBytes = 0;
    const started = performance.now();
    const sample = async (phase: Phase, t: number) => {
      const lag = counters.lag;
      counters.lag = [];
      if (phase === "load") { for (const v of lag) counters.allLag.push(v); }
      const ops = {} as Record<OpKind, number>;
      for (const k of OP_KINDS) ops[k] = counters.ops[k] - lastOps[k];
      lastOps = { ...counters.ops };
      const errors = counters.errorTotal - lastErrors;
      lastErrors = counters.errorTotal;
      const bytes = counters.fileBytes - lastBytes;
      lastBytes = counters.fileBytes;
      let rss = NaN, fds = NaN;
      try {
        rss = await rssMb(server.pid);
        fds = await fdCount(server.pid);
      } catch {
        serverAlive = false;
      }
      const row: Sample = {
        t,
        phase,
        rssMb: rss,
        fds,
        clientConns: counters.open,
        lagP50: percentile(lag, 50),
        lagP99: percentile(lag, 99),
        lagMax: percentile(lag, 100),
        lagCount: lag.length,
        ops,
        fileMb: bytes / 1e6,
        errors,
      };
      samples.push(row);
      await csv.write(encoder.encode(csvRow(row) + "\n"));
    };
    const waitUntil = (t: number) =>
      sleep(
        Math.max(0, started + t * 1000 - performance.now()),
        new AbortController().signal,
      );

    const load = startLoad(ctx, DEFAULT_SHAPE);
    const bad = startBadClients(ctx);
    let t = 0;
    while (t < options.seconds && serverAlive) {
      t++;
      await waitUntil(t);
      await sample(t <= warmupSeconds ? "warmup" : "load", t);
      if (t % 60 === 0) {
        const last = samples[samples.length - 1];
        console.log(
          `soak: ${t} s, RSS ${
            last.rssMb.toFixed(1)
          } MB, ${last.fds} fds, ${counters.open} client conns`,
        );
      }
    }
    counters.stopping = true;
    stop.abort();
    await Promise.all([load, bad]);
    // Cool-down: sample until the descriptors are back (and 3 s at least).
    const cooldownEnds = t + COOLDOWN_MS / 1000;
    let fdAfter = NaN;
    while (t < cooldownEnds && serverAlive) {
      t++;
      await waitUntil(t);
      await sample("cooldown", t);
      fdAfter = samples[samples.length - 1].fds;
      const cooled = samples.filter((s) => s.phase === "cooldown").length;
      if (
        cooled >= 3 && fdAfter <= fdBaseline + options.thresholds.fdTolerance
      ) break;
    }
    const exit = await server.stop();
    csv.close();
    const logText = await Deno.readTextFile(server.logPath);
    await Deno.writeTextFile(`${out}/server.log`, logText);
    await Deno.copyFile(server.stdoutPath, `${out}/server.stdout`).catch(
      () => {},
    );
    const allowed = new Set([
      ...Object.keys(EXPECTED_CODES),
      ...options.allowCodes,
    ]);
    const log = readLog(logText, allowed);
    const checks = judge(samples, {
      fdBaseline,
      fdAfter,
      clientErrors: counters.errors,
      log,
      exit,
      serverAlive,
    }, options.thresholds);
    const passed = checks.every((c) => c.ok !== false);
    const title =
      `framewire soak: ${options.seconds} s, seed ${options.seed}, ${
        passed ? "PASS" : "FAIL"
      }`;
    await Deno.writeTextFile(`${out}/plot.svg`, svgPlot(samples, title));
    const table = summary(samples, {
      seconds: options.seconds,
      warmupSeconds,
      seed: options.seed,
      fdBaseline,
      fdAfter,
      maxClientConns: counters.maxOpen,
      postWarmupLag: counters.allLag,
      clientErrors: counters.errors,
      badOutcomes: counters.badOutcomes,
      log,
    }, checks);
    await Deno.writeTextFile(`${out}/summary.md`, table + "\n");
    console.log(table);
    console.log(
      `soak: results in ${out} (samples.csv, plot.svg, summary.md, server.log)`,
    );
    if (!passed) {
      const failed = checks.filter((c) => c.ok === false);
      console.log(
        `soak: FAIL: ${
          failed.map((c) => `${c.name} (${c.detail})`).join("; ")
        }`,
      );
      if (log.unexpected.length > 0) {
        console.log(
          `soak: unexpected log lines:\n${log.unexpected.join("\n")}`,
        );
      }
      return 1;
    }
    console.log("soak: PASS");
    return 0;
  } finally {
    try {
      csv.close();
    } catch {
      // Closed already.
    }
    await server.stop(5000);
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
