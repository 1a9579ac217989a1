// Copyright 2026 the framewire authors. MIT license.
// The table of compare.ts and peers.ts: one row per scenario, its raw
// baseline, the ratio, the goal and whether it is met with a 10% margin.

/** One line of the table. */
export interface Row {
  scenario: string;
  framewire: string;
  baseline: string;
  ratio: string;
  goal: string;
  /** `yes`: met with the margin; `edge`: met, inside the margin; `NO`. */
  met: string;
}

/** A goal on a ratio: at least or at most `line`. */
export interface Goal {
  op: ">=" | "<=";
  line: number;
}

/** The margin a goal must be met by, so noise does not flip it (10%). */
export const MARGIN = 0.1;

/** The goal's text, with the line that includes the margin. */
export function goalText(goal: Goal, unit = ""): string {
  const margin = goal.op === ">="
    ? goal.line * (1 + MARGIN)
    : goal.line * (1 - MARGIN);
  return `${goal.op} ${goal.line}${unit} (margin ${
    Number(margin.toFixed(3))
  }${unit})`;
}

/** `yes` when met with the margin, `edge` when met inside it, else `NO`. */
export function verdict(goal: Goal, value: number): string {
  if (goal.op === ">=") {
    if (value >= goal.line * (1 + MARGIN)) return "yes";
    return value >= goal.line ? "edge" : "NO";
  }
  if (value <= goal.line * (1 - MARGIN)) return "yes";
  return value <= goal.line ? "edge" : "NO";
}

/** Two or `digits` decimals. */
export const fmt = (n: number, digits = 2): string => n.toFixed(digits);

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[mid]
    : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The q-quantile (0..1) of some numbers. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Prints rows as a Markdown table. */
export function printTable(rows: Row[]): void {
  const header: Row = {
    scenario: "scenario",
    framewire: "framewire",
    baseline: "raw baseline",
    ratio: "ratio",
    goal: "goal",
    met: "met",
  };
  const columns = [
    "scenario",
    "framewire",
    "baseline",
    "ratio",
    "goal",
    "met",
  ] as const;
  const widths = columns.map((key) =>
    Math.max(...[header, ...rows].map((row) => row[key].length))
  );
  const line = (row: Row) =>
    "| " + columns.map((key, i) => row[key].padEnd(widths[i])).join(" | ") +
    " |";
  console.log(line(header));
  console.log("| " + widths.map((w) => "-".repeat(w)).join(" | ") + " |");
  for (const row of rows) console.log(line(row));
}
