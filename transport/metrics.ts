// Copyright 2026 the framewire authors. MIT license.
/**
 * A small metrics registry that renders the Prometheus text exposition
 * format (version 0.0.4), with no dependency: counters, gauges and
 * histograms with fixed buckets, optionally labelled.
 *
 * A metric's value is either kept by the metric (`inc`, `set`, `observe`)
 * or read by a `collect` callback when the registry is rendered: a server
 * that already counts bytes per connection sums them at scrape time instead
 * of paying for a second counter on every frame.
 *
 * ```text
 * # HELP framewire_connections_open Connections being served.
 * # TYPE framewire_connections_open gauge
 * framewire_connections_open 3
 * ```
 *
 * Names follow Prometheus' conventions: `snake_case` with a prefix,
 * counters end in `_total`, durations are in seconds (`_seconds`).
 *
 * @module
 */

export type {
  MetricCollector,
  MetricLabels,
  MetricSample,
} from "./_metrics_text.ts";
import {
  checkOptions,
  formatValue,
  header,
  labelText,
  type MetricCollector,
  type MetricLabels,
  type Renderable,
  Series,
  ValueMetric,
} from "./_metrics_text.ts";

/** Options of {@linkcode MetricsRegistry.prototype.counter} and `gauge`. */
export interface MetricOptions {
  /** The metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
  name: string;
  /** One line saying what it counts (escaped when rendered). */
  help: string;
  /**
   * The label names every series of the metric carries, in the order they
   * are rendered.
   *
   * @default {[]}
   */
  labelNames?: readonly string[];
  /**
   * Reads the value when the registry is rendered. A collected metric keeps
   * no value of its own: `inc` and `set` throw on it.
   *
   * @default {undefined}
   */
  collect?: MetricCollector;
}

/** Options of {@linkcode MetricsRegistry.prototype.histogram}. */
export interface HistogramOptions {
  /** The metric name; `_bucket`, `_sum` and `_count` are appended. */
  name: string;
  /** One line saying what it measures. */
  help: string;
  /**
   * Upper bounds of the buckets, increasing; `+Inf` is added.
   *
   * @default {DEFAULT_BUCKETS}
   */
  buckets?: readonly number[];
  /**
   * The label names of every series (`le` is reserved).
   *
   * @default {[]}
   */
  labelNames?: readonly string[];
}

/**
 * Prometheus' default buckets, in seconds: 5 ms to 10 s.
 */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
]);

/** The `Content-Type` of {@linkcode MetricsRegistry.prototype.render}'s text. */
export const PROMETHEUS_CONTENT_TYPE =
  "text/plain; version=0.0.4; charset=utf-8";

/** A value that only goes up; see {@linkcode MetricsRegistry.prototype.counter}. */
export class Counter {
  #metric: ValueMetric;

  /**
   * A counter of no registry yet: add it to one with
   * {@linkcode MetricsRegistry.prototype.register} (a component can count
   * before anyone asks for its metrics). Usually
   * {@linkcode MetricsRegistry.prototype.counter} makes and registers it.
   *
   * @param options Name, help, labels, or a `collect` callback.
   * @throws {TypeError} If the name or a label name is invalid.
   */
  constructor(options: MetricOptions) {
    this.#metric = new ValueMetric(options, "counter");
  }

  /** The metric name. */
  get name(): string {
    return this.#metric.name;
  }

  /**
   * Adds to the counter.
   *
   * @param amount How much, at least 0.
   * @param labels The series, when the counter has labels.
   * @throws {RangeError} If `amount` is negative or not finite.
   * @throws {TypeError} If the labels do not match the declared names, or
   * the counter is collected.
   */
  inc(amount = 1, labels?: MetricLabels): void {
    if (!(amount >= 0) || amount === Infinity) {
      throw new RangeError(
        `Cannot add ${amount} to counter ${this.name}: expected a finite number of at least 0`,
      );
    }
    this.#metric.add(amount, labels);
  }

  /**
   * The current value of one series (of what `inc` added).
   *
   * @param labels The series, when the counter has labels.
   * @returns The value; 0 for a series never incremented.
   */
  get(labels?: MetricLabels): number {
    return this.#metric.get(labels);
  }

  /**
   * Appends the counter's lines.
   *
   * @param lines Where to append.
   */
  render(lines: string[]): void {
    this.#metric.render(lines);
  }
}

/** A value that goes up and down; see {@linkcode MetricsRegistry.prototype.gauge}. */
export class Gauge {
  #metric: ValueMetric;

  /**
   * A gauge of no registry yet: add it to one with
   * {@linkcode MetricsRegistry.prototype.register} (a component can count
   * before anyone asks for its metrics). Usually
   * {@linkcode MetricsRegistry.prototype.gauge} makes and registers it.
   *
   * @param options Name, help, labels, or a `collect` callback.
   * @throws {TypeError} If the name or a label name is invalid.
   */
  constructor(options: MetricOptions) {
    this.#metric = new ValueMetric(options, "gauge");
  }

  /** The metric name. */
  get name(): string {
    return this.#metric.name;
  }

  /**
   * Sets the gauge.
   *
   * @param value The new value.
   * @param labels The series, when the gauge has labels.
   * @throws {TypeError} If the labels do not match, or the gauge is collected.
   */
  set(value: number, labels?: MetricLabels): void {
    this.#metric.set(value, labels);
  }

  /**
   * Adds to the gauge (a negative amount subtracts).
   *
   * @param amount How much.
   * @param labels The series, when the gauge has labels.
   * @throws {TypeError} If the labels do not match, or the gauge is collected.
   */
  inc(amount = 1, labels?: MetricLabels): void {
    this.#metric.add(amount, labels);
  }

  /**
   * The current value of one series (of what `set` and `inc` made it).
   *
   * @param labels The series, when the gauge has labels.
   * @returns The value; 0 for a series never set.
   */
  get(labels?: MetricLabels): number {
    return this.#metric.get(labels);
  }

  /**
   * Appends the gauge's lines.
   *
   * @param lines Where to append.
   */
  render(lines: string[]): void {
    this.#metric.render(lines);
  }
}

/** Observations counted in buckets; see {@linkcode MetricsRegistry.prototype.histogram}. */
export class Histogram {
  /** The metric name. */
  readonly name: string;
  /** The upper bounds of the buckets, without `+Inf`. */
  readonly buckets: readonly number[];
  #help: string;
  #series: Series<{ counts: number[]; sum: number; count: number }>;

  /**
   * A histogram of no registry yet; see the {@linkcode Counter}
   * constructor. Usually {@linkcode MetricsRegistry.prototype.histogram}
   * makes and registers it.
   *
   * @param options Name, help, buckets, labels.
   * @throws {TypeError} If the name or a label name is invalid.
   * @throws {RangeError} If the buckets are not finite and increasing.
   */
  constructor(options: HistogramOptions) {
    options = checkOptions(options, "histogram");
    this.name = options.name;
    this.#help = options.help;
    const buckets = Object.freeze(checkBuckets(options));
    this.buckets = buckets;
    this.#series = new Series(
      options.name,
      options.labelNames ?? [],
      () => ({ counts: new Array(buckets.length).fill(0), sum: 0, count: 0 }),
    );
  }

  /**
   * Records one observation (in the metric's unit: seconds for a
   * `_seconds` histogram).
   *
   * @param value The observed value; `NaN` is ignored.
   * @param labels The series, when the histogram has labels.
   * @throws {TypeError} If the labels do not match.
   */
  observe(value: number, labels?: MetricLabels): void {
    if (Number.isNaN(value)) return;
    const series = this.#series.get(labels);
    // Each observation lands in its own bucket only; render() makes the
    // counts cumulative, so observe() touches one slot.
    const buckets = this.buckets;
    let i = 0;
    while (i < buckets.length && value > buckets[i]) i++;
    if (i < buckets.length) series.counts[i]++;
    series.sum += value;
    series.count++;
  }

  /**
   * Observations so far of one series.
   *
   * @param labels The series, when the histogram has labels.
   * @returns Their count and sum.
   */
  get(labels?: MetricLabels): { count: number; sum: number } {
    const { count, sum } = this.#series.get(labels);
    return { count, sum };
  }

  /**
   * Appends the histogram's lines.
   *
   * @param lines Where to append.
   */
  render(lines: string[]): void {
    header(lines, this.name, this.#help, "histogram");
    const names = this.#series.labelNames;
    for (const [labels, series] of this.#series.entries()) {
      let cumulative = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += series.counts[i];
        lines.push(
          `${this.name}_bucket${
            labelText(names, labels, formatValue(this.buckets[i]))
          } ${cumulative}`,
        );
      }
      lines.push(
        `${this.name}_bucket${
          labelText(names, labels, "+Inf")
        } ${series.count}`,
      );
      const plain = labelText(names, labels);
      lines.push(`${this.name}_sum${plain} ${formatValue(series.sum)}`);
      lines.push(`${this.name}_count${plain} ${series.count}`);
    }
  }
}

/**
 * The metrics of a process, rendered for a Prometheus scrape. Metrics
 * render in the order they were registered; a name is registered once.
 *
 * @example Counters, a collected gauge and a histogram, rendered
 * ```ts
 * import { MetricsRegistry } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const registry = new MetricsRegistry();
 * const sent = registry.counter({ name: "app_sent_total", help: "Messages sent." });
 * sent.inc();
 * sent.inc(2);
 * const queue: string[] = ["a", "b"];
 * registry.gauge({ name: "app_queued", help: "Messages queued.", collect: () => queue.length });
 * const latency = registry.histogram({
 *   name: "app_latency_seconds",
 *   help: "Time to send.",
 *   buckets: [0.01, 0.1],
 * });
 * latency.observe(0.004);
 * latency.observe(0.5);
 * assert.equal(registry.render(), [
 *   "# HELP app_sent_total Messages sent.",
 *   "# TYPE app_sent_total counter",
 *   "app_sent_total 3",
 *   "# HELP app_queued Messages queued.",
 *   "# TYPE app_queued gauge",
 *   "app_queued 2",
 *   "# HELP app_latency_seconds Time to send.",
 *   "# TYPE app_latency_seconds histogram",
 *   'app_latency_seconds_bucket{le="0.01"} 1',
 *   'app_latency_seconds_bucket{le="0.1"} 1',
 *   'app_latency_seconds_bucket{le="+Inf"} 2',
 *   "app_latency_seconds_sum 0.504",
 *   "app_latency_seconds_count 2",
 *   "",
 * ].join("\n"));
 * ```
 *
 * @example A labelled counter
 * ```ts
 * import { MetricsRegistry } from "@framewire/framewire";
 * import assert from "node:assert/strict";
 *
 * const registry = new MetricsRegistry();
 * const refused = registry.counter({
 *   name: "app_refused_total",
 *   help: "Requests refused, by code.",
 *   labelNames: ["code"],
 * });
 * refused.inc(1, { code: "FULL" });
 * assert.match(registry.render(), /^app_refused_total\{code="FULL"\} 1$/m);
 * ```
 */
export class MetricsRegistry {
  #metrics = new Map<string, Renderable>();

  /**
   * Registers a counter: a value that only goes up (requests served, bytes
   * sent). Name it `…_total`.
   *
   * @param options Name, help, labels, or a `collect` callback.
   * @returns The counter.
   * @throws {TypeError} If the name or a label name is invalid or taken.
   */
  counter(options: MetricOptions): Counter {
    return this.#add(new Counter(options));
  }

  /**
   * Registers a gauge: a value that goes up and down (connections open).
   * With `collect`, its value is read at render time.
   *
   * @param options Name, help, labels, or a `collect` callback.
   * @returns The gauge.
   * @throws {TypeError} If the name or a label name is invalid or taken.
   */
  gauge(options: MetricOptions): Gauge {
    return this.#add(new Gauge(options));
  }

  /**
   * Registers a histogram with fixed buckets (latencies, sizes).
   *
   * @param options Name, help, buckets, labels.
   * @returns The histogram.
   * @throws {TypeError} If the name or a label name is invalid or taken.
   * @throws {RangeError} If the buckets are not finite and increasing.
   */
  histogram(options: HistogramOptions): Histogram {
    return this.#add(new Histogram(options));
  }

  /**
   * Adds a metric made on its own (`new Counter(…)`), which keeps counting
   * where it was; a metric may be in several registries.
   *
   * @param metric The metric.
   * @returns The metric.
   * @throws {TypeError} If the registry already has a metric of its name.
   */
  register<T extends Counter | Gauge | Histogram>(metric: T): T {
    return this.#add(metric);
  }

  /**
   * Renders every metric in the Prometheus text format 0.0.4, for a
   * `GET /metrics` answered with {@linkcode PROMETHEUS_CONTENT_TYPE}.
   *
   * @returns The text; each line ends in `\n`.
   */
  render(): string {
    const lines: string[] = [];
    for (const metric of this.#metrics.values()) metric.render(lines);
    return lines.length === 0 ? "" : lines.join("\n") + "\n";
  }

  #add<T extends Renderable>(metric: T): T {
    if (this.#metrics.has(metric.name)) {
      throw new TypeError(
        `Cannot register metric ${metric.name}: the name is taken`,
      );
    }
    this.#metrics.set(metric.name, metric);
    return metric;
  }
}

/** The histogram's buckets, checked: finite and increasing. */
function checkBuckets(options: HistogramOptions): number[] {
  const name = options.name;
  if (options.labelNames?.includes("le")) {
    throw new TypeError(
      `Cannot use label le on histogram ${name}: it is reserved for buckets`,
    );
  }
  const buckets = options.buckets ?? DEFAULT_BUCKETS;
  if (!Array.isArray(buckets)) {
    throw new TypeError(
      `Cannot use buckets of histogram ${name}: expected an array of numbers`,
    );
  }
  for (let i = 0; i < buckets.length; i++) {
    const bound = buckets[i];
    if (
      typeof bound !== "number" || !Number.isFinite(bound) ||
      (i > 0 && bound <= buckets[i - 1])
    ) {
      throw new RangeError(
        `Cannot use buckets of histogram ${name}: expected finite numbers in increasing order`,
      );
    }
  }
  return [...buckets];
}
