// Copyright 2026 the framewire authors. MIT license.
// What every fuzz target shares: its budget, the tally it reports, running a
// fast-check property under a run count and a time bound, and the set of
// error codes docs/PROTOCOL.md documents (the spec is the oracle: a code a
// peer can receive that is not in one of its tables is a bug).
import fc from "fast-check";

/** A target's budget. */
export interface FuzzBudget {
  /** fast-check seed: the same seed and budget replay the same inputs. */
  readonly seed: number;
  /** Most generated inputs. */
  readonly runs: number;
  /** Stop generating after this long (shrinking a failure may add to it). */
  readonly timeLimitMs: number;
}

/** What a target reports. */
export interface FuzzResult {
  readonly target: string;
  /** Inputs checked (fast-check runs, shrinking runs excluded). */
  readonly inputs: number;
  /** Refusals by error code: the documented errors the inputs provoked. */
  readonly refusals: ReadonlyMap<string, number>;
  /** Notes that are not failures, such as a known finding's count. */
  readonly notes: readonly string[];
  readonly ms: number;
  /** The failure report (seed, shrunk counterexample, error), if any. */
  readonly failure?: string;
}

/** Counts refusals by code while a target runs. */
export class Tally {
  readonly refusals = new Map<string, number>();
  readonly notes: string[] = [];

  /** Records one refusal with `code`. */
  refuse(code: string): void {
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
  }
}

/**
 * Runs a property under the budget and turns fast-check's details into a
 * {@linkcode FuzzResult}. An interrupt at the time limit is not a failure.
 */
export async function runProperty<T>(
  target: string,
  property: fc.IProperty<T> | fc.IAsyncProperty<T>,
  budget: FuzzBudget,
  tally: Tally,
  extra: Partial<fc.Parameters<T>> = {},
): Promise<FuzzResult> {
  const started = performance.now();
  const details = await fc.check(property as fc.IAsyncProperty<T>, {
    seed: budget.seed,
    numRuns: budget.runs,
    interruptAfterTimeLimit: budget.timeLimitMs,
    markInterruptAsFailure: false,
    ...extra,
  });
  const ms = performance.now() - started;
  return {
    target,
    inputs: details.numRuns,
    refusals: tally.refusals,
    notes: tally.notes,
    ms,
    failure: details.failed
      ? `${fc.defaultReportMessage(details) ?? "failed"}\n` +
        `Error: ${describeThrown(details.errorInstance)}\n` +
        `Replay: deno task fuzz --target ${target} --seed ${budget.seed}`
      : undefined,
  };
}

/** One summary line for a result. */
export function formatResult(result: FuzzResult): string {
  const codes = [...result.refusals]
    .sort((a, b) => b[1] - a[1])
    .map(([code, count]) => `${code}=${count}`)
    .join(" ");
  const rate = result.inputs / Math.max(result.ms / 1000, 0.001);
  return `${result.failure ? "FAIL" : "ok  "} ${result.target.padEnd(7)} ` +
    `${result.inputs} inputs in ${(result.ms / 1000).toFixed(1)} s ` +
    `(${Math.round(rate)}/s); refusals: ${codes || "none"}` +
    result.notes.map((note) => `; ${note}`).join("");
}

let documented: Set<string> | undefined;

/**
 * Every code in a table of docs/PROTOCOL.md, except section 7 (local codes
 * that never travel on the wire). Read from the spec itself so codes added
 * there are accepted without touching the fuzzer.
 */
export function documentedCodes(): ReadonlySet<string> {
  if (documented !== undefined) return documented;
  const text = Deno.readTextFileSync(
    new URL("../docs/PROTOCOL.md", import.meta.url),
  );
  documented = new Set();
  let localSection = false;
  for (const line of text.split("\n")) {
    if (/^#+ /.test(line)) localSection = /^## 7\./.test(line);
    const match = /^\|\s*`([A-Z][A-Z0-9_]+)`/.exec(line);
    if (match !== null && !localSection) documented.add(match[1]);
  }
  return documented;
}

/** Throws unless `code` is documented in docs/PROTOCOL.md. */
export function assertDocumented(code: unknown, where: string): void {
  if (typeof code !== "string" || !documentedCodes().has(code)) {
    throw new Error(
      `${where}: code ${JSON.stringify(code)} is not in docs/PROTOCOL.md`,
    );
  }
}

/** A short description of a thrown value, for failure messages. */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${code === undefined ? "" : ` ${String(code)}`}: ${
      error.message.slice(0, 200)
    }`;
  }
  return `non-Error ${typeof error}: ${String(error).slice(0, 200)}`;
}
