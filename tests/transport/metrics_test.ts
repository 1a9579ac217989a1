// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  Counter,
  Histogram,
  MetricsRegistry,
  PROMETHEUS_CONTENT_TYPE,
} from "../../transport/metrics.ts";

Deno.test("MetricsRegistry renders nothing when empty", () => {
  assert.equal(new MetricsRegistry().render(), "");
});

Deno.test("MetricsRegistry renders an unlabelled counter as 0 before any inc", () => {
  const registry = new MetricsRegistry();
  registry.counter({ name: "a_total", help: "A." });
  assert.equal(
    registry.render(),
    "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n",
  );
});

Deno.test("MetricsRegistry renders labelled series in first-use order, labels in declared order", () => {
  const registry = new MetricsRegistry();
  const counter = registry.counter({
    name: "req_total",
    help: "Requests.",
    labelNames: ["method", "code"],
  });
  counter.inc(1, { code: "200", method: "GET" });
  counter.inc(2, { method: "HEAD", code: "404" });
  counter.inc(1, { method: "GET", code: "200" });
  assert.equal(counter.get({ method: "GET", code: "200" }), 2);
  assert.equal(
    registry.render(),
    [
      "# HELP req_total Requests.",
      "# TYPE req_total counter",
      'req_total{method="GET",code="200"} 2',
      'req_total{method="HEAD",code="404"} 2',
      "",
    ].join("\n"),
  );
});

Deno.test("MetricsRegistry escapes label values and help text per the format", () => {
  const registry = new MetricsRegistry();
  registry.counter({
    name: "odd_total",
    help: 'Back\\slash, "quotes" and\nnew line.',
    labelNames: ["v"],
  }).inc(1, { v: 'a\\b"c\nd' });
  assert.equal(
    registry.render(),
    [
      '# HELP odd_total Back\\\\slash, "quotes" and\\nnew line.',
      "# TYPE odd_total counter",
      'odd_total{v="a\\\\b\\"c\\nd"} 1',
      "",
    ].join("\n"),
  );
});

Deno.test("MetricsRegistry gauges: set, inc down, and collected at render time", () => {
  const registry = new MetricsRegistry();
  const gauge = registry.gauge({ name: "g", help: "G." });
  gauge.set(5);
  gauge.inc(-2);
  let open = 1;
  registry.gauge({ name: "open", help: "Open.", collect: () => open });
  const byKind = new Map([["tcp", 2], ["unix", 0]]);
  registry.gauge({
    name: "by_kind",
    help: "By kind.",
    labelNames: ["kind"],
    collect: () =>
      [...byKind].map(([kind, value]) => ({ labels: { kind }, value })),
  });
  open = 7;
  assert.equal(
    registry.render(),
    [
      "# HELP g G.",
      "# TYPE g gauge",
      "g 3",
      "# HELP open Open.",
      "# TYPE open gauge",
      "open 7",
      "# HELP by_kind By kind.",
      "# TYPE by_kind gauge",
      'by_kind{kind="tcp"} 2',
      'by_kind{kind="unix"} 0',
      "",
    ].join("\n"),
  );
});

Deno.test("MetricsRegistry histograms count cumulatively, with +Inf, sum and count", () => {
  const registry = new MetricsRegistry();
  const histogram = registry.histogram({
    name: "lat_seconds",
    help: "Latency.",
    buckets: [0.1, 1],
    labelNames: ["op"],
  });
  histogram.observe(0.1, { op: "a" }); // on a bound: counted in it (le)
  histogram.observe(0.5, { op: "a" });
  histogram.observe(3, { op: "a" });
  histogram.observe(Number.NaN, { op: "a" }); // ignored
  assert.deepEqual(histogram.get({ op: "a" }), { count: 3, sum: 3.6 });
  assert.equal(
    registry.render(),
    [
      "# HELP lat_seconds Latency.",
      "# TYPE lat_seconds histogram",
      'lat_seconds_bucket{op="a",le="0.1"} 1',
      'lat_seconds_bucket{op="a",le="1"} 2',
      'lat_seconds_bucket{op="a",le="+Inf"} 3',
      'lat_seconds_sum{op="a"} 3.6',
      'lat_seconds_count{op="a"} 3',
      "",
    ].join("\n"),
  );
});

Deno.test("MetricsRegistry renders infinite and NaN values the way the format spells them", () => {
  const registry = new MetricsRegistry();
  registry.gauge({ name: "up", help: "U.", collect: () => Infinity });
  registry.gauge({ name: "down", help: "D.", collect: () => -Infinity });
  registry.gauge({ name: "nan", help: "N.", collect: () => NaN });
  const lines = registry.render().split("\n");
  assert.deepEqual(lines.filter((line) => !line.startsWith("#")), [
    "up +Inf",
    "down -Inf",
    "nan NaN",
    "",
  ]);
});

Deno.test("MetricsRegistry refuses bad names, taken names, bad labels and bad buckets", () => {
  const registry = new MetricsRegistry();
  registry.counter({ name: "taken_total", help: "" });
  assert.throws(
    () => registry.gauge({ name: "taken_total", help: "" }),
    {
      name: "TypeError",
      message: "Cannot register metric taken_total: the name is taken",
    },
  );
  assert.throws(() => registry.counter({ name: "1bad", help: "" }), TypeError);
  assert.throws(() => registry.counter({ name: "a-b", help: "" }), TypeError);
  assert.throws(
    () => registry.counter({ name: "x_total", help: "", labelNames: ["__x"] }),
    TypeError,
  );
  assert.throws(
    () =>
      registry.counter({ name: "y_total", help: "", labelNames: ["a", "a"] }),
    TypeError,
  );
  assert.throws(
    () => registry.histogram({ name: "h", help: "", labelNames: ["le"] }),
    TypeError,
  );
  assert.throws(
    () => registry.histogram({ name: "h2", help: "", buckets: [1, 1] }),
    RangeError,
  );
  assert.throws(
    () => registry.histogram({ name: "h3", help: "", buckets: [1, Infinity] }),
    RangeError,
  );
});

Deno.test("Counter refuses negative amounts, wrong labels and changes to a collected value", () => {
  const registry = new MetricsRegistry();
  const plain = registry.counter({ name: "p_total", help: "" });
  assert.throws(() => plain.inc(-1), RangeError);
  assert.throws(() => plain.inc(1, { a: "x" }), TypeError);
  const labelled = registry.counter({
    name: "l_total",
    help: "",
    labelNames: ["a"],
  });
  assert.throws(() => labelled.inc(), TypeError);
  assert.throws(() => labelled.inc(1, { a: "x", b: "y" }), TypeError);
  assert.throws(() => labelled.inc(1, { b: "y" }), TypeError);
  const collected = registry.counter({
    name: "c_total",
    help: "",
    collect: () => 1,
  });
  assert.throws(() => collected.inc(), {
    name: "TypeError",
    message:
      "Cannot change metric c_total: its value is collected at render time",
  });
  assert.equal(plain.get(), 0);
});

Deno.test("PROMETHEUS_CONTENT_TYPE names the 0.0.4 text format", () => {
  assert.equal(
    PROMETHEUS_CONTENT_TYPE,
    "text/plain; version=0.0.4; charset=utf-8",
  );
});

Deno.test("MetricsRegistry.register adds a metric made on its own, which keeps its count", () => {
  const counter = new Counter({ name: "early_total", help: "Early." });
  counter.inc(4);
  const histogram = new Histogram({ name: "h", help: "H.", buckets: [1] });
  histogram.observe(2);
  const registry = new MetricsRegistry();
  assert.equal(registry.register(counter), counter);
  registry.register(histogram);
  assert.throws(() => registry.register(counter), TypeError);
  assert.equal(
    registry.render(),
    [
      "# HELP early_total Early.",
      "# TYPE early_total counter",
      "early_total 4",
      "# HELP h H.",
      "# TYPE h histogram",
      'h_bucket{le="1"} 0',
      'h_bucket{le="+Inf"} 1',
      "h_sum 2",
      "h_count 1",
      "",
    ].join("\n"),
  );
  assert.throws(() => new Counter({ name: "bad name", help: "" }), TypeError);
  assert.throws(
    () => new Histogram({ name: "h", help: "", buckets: [2, 1] }),
    RangeError,
  );
});
