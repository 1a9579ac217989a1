// Copyright 2026 the framewire authors. MIT license.
/**
 * `deno task fuzz`: runs the fuzz targets (frame decoder, chat parsers,
 * files parsers, live server) with fast-check and mutation of valid inputs.
 *
 * ```sh
 * deno task fuzz                               # 1,000,000 inputs, random seed
 * deno task fuzz --seed 42 --target decoder    # replay one target
 * deno task fuzz --runs 20000 --minutes 1      # a quick look
 * ```
 *
 * The seed is printed first, so any run can be replayed; each target prints
 * one summary line (inputs, refusals by code, time). On a broken invariant
 * the shrunk counterexample is printed and the exit code is 1.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fuzzChat } from "./chat.ts";
import { fuzzDecoder } from "./decoder.ts";
import { fuzzFiles } from "./files.ts";
import { fuzzServer } from "./server.ts";
import { formatResult, type FuzzBudget, type FuzzResult } from "./_run.ts";

const HELP = `Usage: deno task fuzz [options]

Options:
  --seed N       fast-check seed (default: random; printed first)
  --runs N       generated inputs, shared by the parser targets (default
                 1000000); the server target runs N x 0.0015 batches of up
                 to 20 connections
  --target NAME  decoder, chat, files, server or all (default all)
  --minutes N    time bound for the whole run (default 10)
  -h, --help     show this help`;

/** A target: how to run it and its share of the inputs and of the time. */
interface Target {
  readonly run: (budget: FuzzBudget) => Promise<FuzzResult>;
  /** Share of `--runs` (for the server: batches of connections per input). */
  readonly runShare: number;
  /** Share of the time left when it starts. */
  readonly timeShare: number;
}

/** The targets, in the order they run. */
export const TARGETS: Readonly<Record<string, Target>> = {
  decoder: { run: fuzzDecoder, runShare: 0.4, timeShare: 1 },
  chat: { run: fuzzChat, runShare: 0.3, timeShare: 1 },
  files: { run: fuzzFiles, runShare: 0.3, timeShare: 1 },
  // 1,500 batches of up to 20 connections per million inputs.
  server: {
    run: (budget) => fuzzServer(budget),
    runShare: 0.0015,
    timeShare: 2,
  },
};

/**
 * Runs the fuzzer.
 *
 * @param args Command-line arguments.
 * @param print Where lines go.
 * @returns The exit code: 0 when every invariant held, 1 otherwise.
 */
export async function main(
  args: string[],
  print: (line: string) => void = console.log,
): Promise<number> {
  let seed: number;
  let runs: number;
  let minutes: number;
  let names: string[];
  try {
    const { values } = parseArgs({
      args,
      options: {
        seed: { type: "string" },
        runs: { type: "string", default: "1000000" },
        target: { type: "string", default: "all" },
        minutes: { type: "string", default: "10" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) {
      print(HELP);
      return 0;
    }
    seed = values.seed === undefined
      ? Math.floor(Math.random() * 0x7fff_ffff)
      : integerFlag("--seed", values.seed);
    runs = integerFlag("--runs", values.runs);
    minutes = Number(values.minutes);
    if (!(minutes > 0)) {
      throw new Error(`invalid --minutes "${values.minutes}"`);
    }
    names = values.target === "all" ? Object.keys(TARGETS) : [values.target];
    for (const name of names) {
      if (!(name in TARGETS)) {
        throw new Error(
          `invalid --target "${name}": expected ${
            Object.keys(TARGETS).join(", ")
          } or all`,
        );
      }
    }
  } catch (error) {
    console.error(`fuzz: ${(error as Error).message}`);
    return 2;
  }

  print(`fuzz: seed ${seed}`);
  // The parser targets share --runs; the server runs a fixed fraction of it
  // as batches of connections (its inputs are far slower).
  const parserShares = names
    .filter((name) => name !== "server")
    .reduce((sum, name) => sum + TARGETS[name].runShare, 0);
  const deadline = performance.now() + minutes * 60_000;
  const results: FuzzResult[] = [];
  for (const [index, name] of names.entries()) {
    const target = TARGETS[name];
    const timeLeft = names.slice(index).reduce(
      (sum, other) => sum + TARGETS[other].timeShare,
      0,
    );
    const budget: FuzzBudget = {
      seed,
      runs: Math.max(
        1,
        Math.round(
          name === "server"
            ? runs * target.runShare
            : runs * target.runShare / parserShares,
        ),
      ),
      timeLimitMs: Math.max(
        1000,
        (deadline - performance.now()) * target.timeShare / timeLeft,
      ),
    };
    const result = await target.run(budget);
    results.push(result);
    print(formatResult(result));
    if (result.failure !== undefined) print(result.failure);
  }
  const inputs = results.reduce((sum, result) => sum + result.inputs, 0);
  const failed = results.filter((result) => result.failure !== undefined);
  const seconds = results.reduce((sum, result) => sum + result.ms, 0) / 1000;
  print(
    `fuzz: ${inputs} inputs in ${seconds.toFixed(1)} s, ` +
      `${
        failed.length === 0
          ? "no invariant broken"
          : `${failed.length} target(s) FAILED`
      } (seed ${seed})`,
  );
  return failed.length === 0 ? 0 : 1;
}

function integerFlag(flag: string, value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) {
    throw new Error(`invalid ${flag} "${value}": expected a whole number`);
  }
  return number;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
