// Copyright 2026 the framewire authors. MIT license.
// The soak's samples and the pass/fail rules applied to them.
import { OP_KINDS, type OpKind } from "./_counters.ts";
import type { LogReport } from "./_expected_log.ts";

/** Phase of the run a sample belongs to. */
export type Phase = "warmup" | "load" | "cooldown";

/** One row of the CSV: one second. */
export interface Sample {
  /** Seconds since the load started. */
  t: number;
  phase: Phase;
  /** Server RSS (VmRSS), MB (10^6 bytes). */
  rssMb: number;
  /** Server open file descriptors. */
  fds: number;
  /** Client connections the soak holds open. */
  clientConns: number;
  /** Probe Ping round trips this second, ms (NaN when none). */
  lagP50: number;
  lagP99: number;
  lagMax: number;
  lagCount: number;
  /** Operations this second, by kind. */
  ops: Record<OpKind, number>;
  /** File bytes moved this second, MB. */
  fileMb: number;
  /** Errors of well-behaved clients this second. */
  errors: number;
}

/** The thresholds; each is a flag of soak.ts. */
export interface Thresholds {
  /** Least-squares RSS slope after warm-up, MB per minute. @default {1} */
  maxRssSlopeMbPerMin: number;
  /** Last minute's median RSS over the first post-warm-up minute's, MB. @default {10} */
  maxRssDriftMb: number;
  /** Descriptors above the idle baseline allowed after the load. @default {0} */
  fdTolerance: number;
  /** Post-warm-up seconds needed to judge an RSS trend. @default {120} */
  minTrendSeconds: number;
}

/** Default thresholds. */
export const DEFAULT_THRESHOLDS: Thresholds = {
  maxRssSlopeMbPerMin: 1,
  maxRssDriftMb: 10,
  fdTolerance: 0,
  minTrendSeconds: 120,
};

/** One check of the verdict. */
export interface Check {
  name: string;
  /** `true` passed, `false` failed, `undefined` not judged (run too short). */
  ok: boolean | undefined;
  detail: string;
}

/** Everything the verdict looks at besides the samples. */
export interface RunFacts {
  /** Descriptors of the idle server before the load. */
  fdBaseline: number;
  /** Descriptors once the load stopped and connections closed. */
  fdAfter: number;
  /** Errors of well-behaved clients, by source:code. */
  clientErrors: ReadonlyMap<string, number>;
  log: LogReport;
  /** The server's exit after SIGTERM. */
  exit: { code: number; signal: string | null };
  /** Whether /proc could be read every second (the server stayed up). */
  serverAlive: boolean;
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  let sx = 0, sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i];
    sy += ys[i];
  }
  const mx = sx / n, my = sy / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** The `p`-th percentile (0 to 100, nearest rank) of `values`; NaN if empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/** The median of `values`; NaN if empty. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** RSS figures after warm-up. */
export interface RssTrend {
  seconds: number;
  slopeMbPerMin: number;
  firstMinuteMb: number;
  lastMinuteMb: number;
  minMb: number;
  maxMb: number;
}

/** RSS figures over the post-warm-up load samples. */
export function rssTrend(samples: readonly Sample[]): RssTrend {
  const load = samples.filter((s) => s.phase === "load");
  const xs = load.map((s) => s.t / 60);
  const ys = load.map((s) => s.rssMb);
  const start = load[0]?.t ?? 0;
  const end = load[load.length - 1]?.t ?? 0;
  return {
    seconds: end - start,
    slopeMbPerMin: slope(xs, ys),
    firstMinuteMb: median(
      load.filter((s) => s.t < start + 60).map((s) => s.rssMb),
    ),
    lastMinuteMb: median(
      load.filter((s) => s.t > end - 60).map((s) => s.rssMb),
    ),
    minMb: Math.min(...ys),
    maxMb: Math.max(...ys),
  };
}

/** Applies every rule; the run passes when no check is `false`. */
export function judge(
  samples: readonly Sample[],
  facts: RunFacts,
  limits: Thresholds,
): Check[] {
  const checks: Check[] = [];
  checks.push({
    name: "server stayed up",
    ok: facts.serverAlive,
    detail: facts.serverAlive
      ? "sampled every second"
      : "the server's /proc entry vanished during the run",
  });
  const trend = rssTrend(samples);
  const judgeable = trend.seconds >= limits.minTrendSeconds;
  const why =
    `only ${trend.seconds} s after warm-up (needs ${limits.minTrendSeconds})`;
  checks.push({
    name: "RSS slope after warm-up",
    ok: judgeable
      ? trend.slopeMbPerMin < limits.maxRssSlopeMbPerMin
      : undefined,
    detail:
      `${
        trend.slopeMbPerMin.toFixed(3)
      } MB/min (limit < ${limits.maxRssSlopeMbPerMin})` +
      (judgeable ? "" : `; not judged: ${why}`),
  });
  const drift = trend.lastMinuteMb - trend.firstMinuteMb;
  checks.push({
    name: "RSS last minute vs first",
    ok: judgeable ? drift <= limits.maxRssDriftMb : undefined,
    detail:
      `${trend.firstMinuteMb.toFixed(1)} -> ${
        trend.lastMinuteMb.toFixed(1)
      } MB (${drift >= 0 ? "+" : ""}${
        drift.toFixed(1)
      }, limit +${limits.maxRssDriftMb})` +
      (judgeable ? "" : `; not judged: ${why}`),
  });
  checks.push({
    name: "descriptors back to baseline",
    ok: facts.fdAfter <= facts.fdBaseline + limits.fdTolerance,
    detail:
      `${facts.fdBaseline} before the load, ${facts.fdAfter} after (tolerance ${limits.fdTolerance})`,
  });
  const lagSeconds =
    samples.filter((s) => s.phase !== "cooldown" && s.lagCount > 0).length;
  checks.push({
    name: "lag probe answered",
    ok: lagSeconds > 0,
    detail: `${lagSeconds} seconds with probe round trips`,
  });
  const errors = [...facts.clientErrors].map(([key, n]) => `${key} x${n}`);
  checks.push({
    name: "well-behaved clients saw no error",
    ok: errors.length === 0,
    detail: errors.length === 0 ? "none" : errors.join(", "),
  });
  checks.push({
    name: "log holds only expected codes",
    ok: facts.log.unexpectedCount === 0,
    detail: facts.log.unexpectedCount === 0
      ? `${facts.log.levels.warn} warn, 0 error lines`
      : `${facts.log.unexpectedCount} unexpected lines, first: ${
        facts.log.unexpected[0]
      }`,
  });
  checks.push({
    name: "server exited 0 on SIGTERM",
    ok: facts.exit.code === 0,
    detail: `code ${facts.exit.code}${
      facts.exit.signal ? ` (${facts.exit.signal})` : ""
    }`,
  });
  return checks;
}

/** Sums the per-second operation counts of the given samples. */
export function totalOps(samples: readonly Sample[]): Record<OpKind, number> {
  const total = Object.fromEntries(OP_KINDS.map((k) => [k, 0])) as Record<
    OpKind,
    number
  >;
  for (const s of samples) for (const k of OP_KINDS) total[k] += s.ops[k];
  return total;
}
