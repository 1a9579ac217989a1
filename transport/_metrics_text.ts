// Copyright 2026 the framewire authors. MIT license.
// The text side of metrics.ts: name and label checks, the labelled series
// of one metric, and the lines of the Prometheus text format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): escaping
// of HELP text and label values, `+Inf`/`-Inf`/`NaN`, label order.

/** Label values of one series, by label name. */
export type MetricLabels = Readonly<Record<string, string>>;

/** One series of a `collect` callback: its labels and its value. */
export interface MetricSample {
  /** The series' labels; every declared label name must be present. */
  readonly labels?: MetricLabels;
  /** The value. */
  readonly value: number;
}

/** What a collected counter or gauge reports: one value, or labelled ones. */
export type MetricCollector = () => number | readonly MetricSample[];

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Joins label values into a map key; a value cannot hold it unescaped
// without the key still being unique per label tuple (it is only a key).
const KEY_SEPARATOR = "\u0000";

export type MetricKind = "counter" | "gauge" | "histogram";

/** What every metric gives the registry. */
export interface Renderable {
  readonly name: string;
  render(lines: string[]): void;
}

/** The labelled series of one metric: values by label key. */
export class Series<T> {
  readonly labelNames: readonly string[];
  #name: string;
  #make: () => T;
  // The unlabelled series, made at once: it renders as 0 before any change.
  #single: T | undefined;
  #byKey = new Map<string, { labels: MetricLabels; value: T }>();

  constructor(name: string, labelNames: readonly string[], make: () => T) {
    this.#name = name;
    this.labelNames = labelNames;
    this.#make = make;
    if (labelNames.length === 0) this.#single = make();
  }

  get(labels: MetricLabels | undefined): T {
    if (this.#single !== undefined) {
      if (labels !== undefined && Object.keys(labels).length > 0) {
        throw new TypeError(
          `Cannot use labels on metric ${this.#name}: it declares none`,
        );
      }
      return this.#single;
    }
    const key = labelKey(this.#name, this.labelNames, labels);
    let entry = this.#byKey.get(key);
    if (entry === undefined) {
      entry = { labels: { ...labels }, value: this.#make() };
      this.#byKey.set(key, entry);
    }
    return entry.value;
  }

  *entries(): Generator<[MetricLabels | undefined, T]> {
    if (this.#single !== undefined) {
      yield [undefined, this.#single];
      return;
    }
    for (const entry of this.#byKey.values()) {
      yield [entry.labels, entry.value];
    }
  }
}

/**
 * Escapes a label value: backslash, double quote and line feed.
 *
 * @param value The raw value.
 * @returns The value as it goes between the quotes.
 */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}

/**
 * Escapes a HELP text: backslash and line feed (quotes stay as they are).
 *
 * @param text The raw text.
 * @returns The text as it goes after `# HELP name `.
 */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => c === "\n" ? "\\n" : "\\\\");
}

export function checkOptions<T extends CheckedShape>(
  options: T,
  kind: MetricKind,
): T {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot register ${kind}: expected an options object`);
  }
  const { name, help, labelNames } = options;
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new TypeError(
      `Cannot register ${kind} ${
        JSON.stringify(name)
      }: expected a name matching [a-zA-Z_:][a-zA-Z0-9_:]*`,
    );
  }
  if (typeof help !== "string") {
    throw new TypeError(`Cannot register ${kind} ${name}: expected help text`);
  }
  if (labelNames !== undefined) {
    if (!Array.isArray(labelNames)) {
      throw new TypeError(
        `Cannot register ${kind} ${name}: expected labelNames to be an array`,
      );
    }
    for (const label of labelNames) {
      if (
        typeof label !== "string" || !LABEL_NAME.test(label) ||
        label.startsWith("__")
      ) {
        throw new TypeError(
          `Cannot register ${kind} ${name}: invalid label name ${
            JSON.stringify(label)
          }`,
        );
      }
    }
    if (new Set(labelNames).size !== labelNames.length) {
      throw new TypeError(
        `Cannot register ${kind} ${name}: a label name is repeated`,
      );
    }
  }
  const collect = (options as { collect?: unknown }).collect;
  if (collect !== undefined && typeof collect !== "function") {
    throw new TypeError(
      `Cannot register ${kind} ${name}: expected collect to be a function`,
    );
  }
  return { ...options, labelNames: Object.freeze([...(labelNames ?? [])]) };
}

export function labelKey(
  name: string,
  labelNames: readonly string[],
  labels: MetricLabels | undefined,
): string {
  if (labels === undefined) {
    throw new TypeError(
      `Cannot use metric ${name} without labels: expected ${
        labelNames.join(", ")
      }`,
    );
  }
  let key = "";
  let given = 0;
  for (let i = 0; i < labelNames.length; i++) {
    const value = labels[labelNames[i]];
    if (typeof value !== "string") {
      throw new TypeError(
        `Cannot use metric ${name}: label ${labelNames[i]} must be a string`,
      );
    }
    given++;
    key += i === 0 ? value : KEY_SEPARATOR + value;
  }
  if (Object.keys(labels).length !== given) {
    throw new TypeError(
      `Cannot use metric ${name}: expected only the labels ${
        labelNames.join(", ")
      }`,
    );
  }
  return key;
}

export function header(
  lines: string[],
  name: string,
  help: string,
  kind: MetricKind,
): void {
  lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${kind}`);
}

/**
 * What a counter and a gauge share: one number per series, kept here or
 * read from a `collect` callback at render time.
 */
export class ValueMetric {
  readonly name: string;
  #help: string;
  #kind: MetricKind;
  #series: Series<{ value: number }>;
  #collect: MetricCollector | undefined;

  constructor(options: MetricOptionsShape, kind: MetricKind) {
    options = checkOptions(options, kind);
    this.name = options.name;
    this.#help = options.help;
    this.#kind = kind;
    this.#collect = options.collect;
    this.#series = new Series(
      options.name,
      options.labelNames ?? [],
      () => ({ value: 0 }),
    );
  }

  add(amount: number, labels: MetricLabels | undefined): void {
    this.#series.get(this.#kept(labels)).value += amount;
  }

  set(value: number, labels: MetricLabels | undefined): void {
    this.#series.get(this.#kept(labels)).value = value;
  }

  get(labels: MetricLabels | undefined): number {
    return this.#series.get(labels).value;
  }

  render(lines: string[]): void {
    const { name } = this;
    header(lines, name, this.#help, this.#kind);
    const names = this.#series.labelNames;
    if (this.#collect === undefined) {
      for (const [labels, { value }] of this.#series.entries()) {
        lines.push(`${name}${labelText(names, labels)} ${formatValue(value)}`);
      }
      return;
    }
    const collected = this.#collect();
    if (typeof collected === "number") {
      if (names.length > 0) {
        throw new TypeError(
          `Cannot render metric ${name}: collect returned one number, expected labelled samples`,
        );
      }
      lines.push(`${name} ${formatValue(collected)}`);
      return;
    }
    for (const sample of collected) {
      // Checks the labels the way inc() would.
      if (names.length > 0) labelKey(name, names, sample.labels);
      lines.push(
        `${name}${labelText(names, sample.labels)} ${
          formatValue(sample.value)
        }`,
      );
    }
  }

  /** A collected metric keeps no value: changing it is a mistake. */
  #kept(labels: MetricLabels | undefined): MetricLabels | undefined {
    if (this.#collect !== undefined) {
      throw new TypeError(
        `Cannot change metric ${this.name}: its value is collected at render time`,
      );
    }
    return labels;
  }
}

/** `{a="1",b="2"}` in declared order, with `le` last; `""` when empty. */
export function labelText(
  names: readonly string[],
  labels: MetricLabels | undefined,
  le?: string,
): string {
  if (names.length === 0 && le === undefined) return "";
  const parts: string[] = [];
  for (const label of names) {
    parts.push(`${label}="${escapeLabelValue(labels?.[label] ?? "")}"`);
  }
  if (le !== undefined) parts.push(`le="${le}"`);
  return `{${parts.join(",")}}`;
}

/** A sample value as the format spells it: `+Inf`, `-Inf`, `NaN`. */
export function formatValue(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** What checkOptions reads of a metric's options. */
export interface CheckedShape {
  name: string;
  help: string;
  labelNames?: readonly string[];
}

/** The options of a counter or a gauge, as ValueMetric reads them. */
export interface MetricOptionsShape extends CheckedShape {
  collect?: MetricCollector;
}
