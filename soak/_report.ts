// Copyright 2026 the framewire authors. MIT license.
// Writing a soak's results: the CSV (one row per second), a small SVG plot
// of RSS, descriptors and lag over time, and the summary table.
import { OP_KINDS } from "./_counters.ts";
import type { LogReport } from "./_expected_log.ts";
import {
  type Check,
  percentile,
  rssTrend,
  type Sample,
  totalOps,
} from "./_verdict.ts";

/** The CSV header. */
export const CSV_HEADER = [
  "t_s",
  "phase",
  "rss_mb",
  "fds",
  "client_conns",
  "lag_p50_ms",
  "lag_p99_ms",
  "lag_max_ms",
  "lag_n",
  ...OP_KINDS,
  "file_mb",
  "errors",
].join(",");

/** One CSV row. */
export function csvRow(s: Sample): string {
  const ms = (v: number) => Number.isNaN(v) ? "" : v.toFixed(2);
  return [
    s.t,
    s.phase,
    s.rssMb.toFixed(2),
    s.fds,
    s.clientConns,
    ms(s.lagP50),
    ms(s.lagP99),
    ms(s.lagMax),
    s.lagCount,
    ...OP_KINDS.map((k) => s.ops[k]),
    s.fileMb.toFixed(3),
    s.errors,
  ].join(",");
}

/**
 * An SVG with three panels sharing the time axis: RSS (MB), descriptors,
 * and the probe's per-second p99 round trip (ms). Warm-up and cool-down
 * are shaded.
 */
export function svgPlot(samples: readonly Sample[], title: string): string {
  const width = 800, panel = 150, gap = 30, left = 60, right = 20, top = 30;
  const height = top + 3 * (panel + gap);
  const t0 = samples[0]?.t ?? 0;
  const t1 = Math.max(t0 + 1, samples[samples.length - 1]?.t ?? 1);
  const x = (t: number) =>
    left + ((t - t0) / (t1 - t0)) * (width - left - right);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="18" font-size="13">${escapeXml(title)}</text>`,
  ];
  const series: [string, (s: Sample) => number, string][] = [
    ["server RSS (MB)", (s) => s.rssMb, "#1f77b4"],
    ["server open fds", (s) => s.fds, "#2ca02c"],
    ["probe Ping p99 (ms)", (s) => s.lagP99, "#d62728"],
  ];
  series.forEach(([label, value, color], i) => {
    const y0 = top + i * (panel + gap);
    const values = samples.map(value).filter((v) => !Number.isNaN(v));
    const lo = Math.min(0, ...values);
    const hi = Math.max(1, ...values) * 1.05;
    const y = (v: number) => y0 + panel - ((v - lo) / (hi - lo)) * panel;
    for (const phase of ["warmup", "cooldown"]) {
      const inPhase = samples.filter((s) => s.phase === phase);
      if (inPhase.length === 0) continue;
      const a = x(inPhase[0].t), b = x(inPhase[inPhase.length - 1].t);
      parts.push(
        `<rect x="${a.toFixed(1)}" y="${y0}" width="${
          Math.max(1, b - a).toFixed(1)
        }" height="${panel}" fill="#eee"/>`,
      );
    }
    parts.push(
      `<rect x="${left}" y="${y0}" width="${
        width - left - right
      }" height="${panel}" fill="none" stroke="#999"/>`,
      `<text x="${left + 4}" y="${y0 + 12}">${label}</text>`,
      `<text x="${left - 4}" y="${y0 + 10}" text-anchor="end">${
        hi.toFixed(0)
      }</text>`,
      `<text x="${left - 4}" y="${y0 + panel}" text-anchor="end">${
        lo.toFixed(0)
      }</text>`,
    );
    const points = samples
      .filter((s) => !Number.isNaN(value(s)))
      .map((s) => `${x(s.t).toFixed(1)},${y(value(s)).toFixed(1)}`);
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="1.2" points="${
        points.join(" ")
      }"/>`,
    );
  });
  const axisY = top + 3 * (panel + gap) - gap + 14;
  parts.push(
    `<text x="${left}" y="${axisY}">${t0} s</text>`,
    `<text x="${
      width - right
    }" y="${axisY}" text-anchor="end">${t1} s (shaded: warm-up, cool-down)</text>`,
    `</svg>`,
  );
  return parts.join("\n") + "\n";
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Facts printed in the summary besides the samples. */
export interface SummaryFacts {
  seconds: number;
  warmupSeconds: number;
  seed: number;
  fdBaseline: number;
  fdAfter: number;
  maxClientConns: number;
  postWarmupLag: readonly number[];
  clientErrors: ReadonlyMap<string, number>;
  badOutcomes: ReadonlyMap<string, number>;
  log: LogReport;
}

/** The summary table, as Markdown (it reads well in a terminal too). */
export function summary(
  samples: readonly Sample[],
  facts: SummaryFacts,
  checks: readonly Check[],
): string {
  const trend = rssTrend(samples);
  const running = samples.filter((s) => s.phase !== "cooldown");
  const ops = totalOps(running);
  const opsText = OP_KINDS.map((k) => `${k} ${ops[k]}`).join(", ");
  const fdPeak = Math.max(...samples.map((s) => s.fds));
  const worstP99 = Math.max(
    ...running.filter((s) => s.lagCount > 0).map((s) => s.lagP99),
  );
  const fileMb = running.reduce((sum, s) => sum + s.fileMb, 0);
  const lag = facts.postWarmupLag;
  const map = (m: ReadonlyMap<string, number>) =>
    m.size === 0
      ? "none"
      : [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(
        ", ",
      );
  const rows: [string, string][] = [
    [
      "load",
      `${facts.seconds} s (warm-up ${facts.warmupSeconds} s), seed ${facts.seed}`,
    ],
    ["client connections", `at most ${facts.maxClientConns} at once`],
    ["operations", opsText],
    ["file bytes", `${fileMb.toFixed(0)} MB`],
    [
      "RSS after warm-up",
      `first minute ${trend.firstMinuteMb.toFixed(1)} MB, last minute ${
        trend.lastMinuteMb.toFixed(1)
      } MB, range ${trend.minMb.toFixed(1)}-${
        trend.maxMb.toFixed(1)
      } MB, slope ${trend.slopeMbPerMin.toFixed(3)} MB/min`,
    ],
    [
      "descriptors",
      `baseline ${facts.fdBaseline}, peak ${fdPeak}, after ${facts.fdAfter}`,
    ],
    [
      "probe Ping round trip",
      `p50 ${percentile(lag, 50).toFixed(2)} ms, p99 ${
        percentile(lag, 99).toFixed(2)
      } ms, max ${
        percentile(lag, 100).toFixed(2)
      } ms (after warm-up, n=${lag.length}); worst second p99 ${
        worstP99.toFixed(1)
      } ms`,
    ],
    ["client errors", map(facts.clientErrors)],
    ["bad clients", map(facts.badOutcomes)],
    [
      "server log",
      `${facts.log.levels.info} info, ${facts.log.levels.warn} warn, ${facts.log.levels.error} error; codes: ${
        map(facts.log.codes)
      }`,
    ],
    ...checks.map((c): [string, string] => [
      `${c.ok === true ? "PASS" : c.ok === false ? "FAIL" : "n/a "} ${c.name}`,
      c.detail,
    ]),
  ];
  return [
    "| what | value |",
    "| --- | --- |",
    ...rows.map(([k, v]) => `| ${k} | ${v.replaceAll("|", "\\|")} |`),
  ].join("\n");
}
