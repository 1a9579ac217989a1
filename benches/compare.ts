// Copyright 2026 the framewire authors. MIT license.
// One table, from one run: every scenario with framewire, its raw-socket
// baseline, the ratio and the goal. Best of three runs per cell, receivers in
// a Worker (two cores, as two programs). Under three minutes on 2 cores.
//
//   deno task bench:compare
import { encodeFrames, FrameDecoder } from "../mod.ts";
import { measurePeakRss } from "./max_frame_rss.ts";
import {
  framewireBulk,
  framewirePingPong,
  framewirePipelined,
  framewireSmall,
  quantile,
  rawBulk,
  rawPingPong,
  rawSmallBlocks,
  rawSmallPerMessage,
  stopPeer,
} from "./_scenarios.ts";
import { measureWsChat } from "./_ws_chat.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

interface Row {
  scenario: string;
  framewire: string;
  baseline: string;
  ratio: string;
  goal: string;
  met: boolean | undefined;
}

async function bestMs(fn: () => Promise<unknown>, runs = 3): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);
const rows: Row[] = [];
const started = performance.now();

// Warm up the JIT on both sides with a short run of each path.
await framewireSmall(100_000);
await rawSmallBlocks(100_000);
await framewireBulk(4, 16 * MiB);

{
  const count = 1_000_000;
  const fw = await bestMs(() => framewireSmall(count));
  const perMessage = await bestMs(() => rawSmallPerMessage(count), 1);
  const blocks = await bestMs(() => rawSmallBlocks(count));
  const fwRate = count / fw / 1000;
  rows.push({
    scenario: "1M x 16 B frames, one way (M frames/s)",
    framewire: fmt(fwRate),
    baseline: `${fmt(count / perMessage / 1000)} (1 write/msg)`,
    ratio: fmt(perMessage / fw, 1) + "x",
    goal: ">= 10 M/s and >= 10x",
    met: fwRate >= 10 && perMessage / fw >= 10,
  });
  rows.push({
    scenario: "  same bytes, pre-encoded 64 KiB writes",
    framewire: fmt(fwRate),
    baseline: `${fmt(count / blocks / 1000)} (ceiling)`,
    ratio: fmt(blocks / fw),
    goal: "",
    met: undefined,
  });
}

{
  const count = 64;
  const size = 16 * MiB;
  const gbps = (ms: number) => count * size / ms / 1e6;
  const raw = await bestMs(() => rawBulk(count, size));
  const fwRelease = await bestMs(() => framewireBulk(count, size, true));
  const fwFresh = await bestMs(() => framewireBulk(count, size, false));
  rows.push({
    scenario: "64 x 16 MiB frames (GB/s), release()",
    framewire: fmt(gbps(fwRelease)),
    baseline: `${fmt(gbps(raw))} (1 MiB writes)`,
    ratio: fmt(raw / fwRelease),
    goal: ">= 0.90",
    met: raw / fwRelease >= 0.9,
  });
  rows.push({
    scenario: "  same, a fresh buffer per frame",
    framewire: fmt(gbps(fwFresh)),
    baseline: fmt(gbps(raw)),
    ratio: fmt(raw / fwFresh),
    goal: "",
    met: undefined,
  });
}

{
  const size = Number(Deno.env.get("FRAMEWIRE_BENCH_MAX_BYTES") ?? GiB);
  const raw = await bestMs(() => rawBulk(1, size), 2);
  const rawKept = await bestMs(() => rawBulk(1, size, true), 2);
  const fw = await bestMs(() => framewireBulk(1, size, false), 2);
  rows.push({
    scenario: `max-size frame, ${fmt(size / MiB, 0)} MiB (GB/s)`,
    framewire: fmt(size / fw / 1e6),
    baseline: `${fmt(size / raw / 1e6)} (1 MiB writes)`,
    ratio: fmt(raw / fw),
    goal: "byte-exact",
    met: true,
  });
  rows.push({
    scenario: "  raw read into one fresh buffer of the size",
    framewire: fmt(size / fw / 1e6),
    baseline: fmt(size / rawKept / 1e6),
    ratio: fmt(rawKept / fw),
    goal: "",
    met: undefined,
  });
  stopPeer(); // frees the worker's heap before the RSS probes
  const fwRss = await measurePeakRss("framewire", size);
  const rawRss = await measurePeakRss("raw", size);
  rows.push({
    scenario: "  receiver peak RSS (MiB)",
    framewire: fmt(fwRss.peakRssBytes / MiB, 0),
    baseline: `${fmt(rawRss.peakRssBytes / MiB, 0)} (1 buffer)`,
    ratio: fmt(fwRss.peakRssBytes / rawRss.peakRssBytes),
    goal: "<= 1.1 x frame + 60 MB",
    met: fwRss.peakRssBytes <= 1.1 * size + 60e6,
  });
}

{
  const trips = 20_000;
  const fw = await framewirePingPong(trips);
  const raw = await rawPingPong(trips);
  const us = (ms: number) => fmt(ms * 1000, 1);
  rows.push({
    scenario: "ping-pong 32 B, p50 (us)",
    framewire: us(quantile(fw, 0.5)),
    baseline: `${us(quantile(raw, 0.5))} (37 B echo)`,
    ratio: fmt(quantile(fw, 0.5) / quantile(raw, 0.5)),
    goal: "<= 1.15",
    met: quantile(fw, 0.5) / quantile(raw, 0.5) <= 1.15,
  });
  rows.push({
    scenario: "ping-pong 32 B, p99 (us)",
    framewire: us(quantile(fw, 0.99)),
    baseline: us(quantile(raw, 0.99)),
    ratio: fmt(quantile(fw, 0.99) / quantile(raw, 0.99)),
    goal: "",
    met: undefined,
  });
}

{
  const count = 100_000;
  const window1 = await bestMs(() => framewirePipelined(count, 1), 1);
  for (const window of [32, 1000]) {
    const ms = await bestMs(() => framewirePipelined(count, window), 2);
    rows.push({
      scenario: `100k requests, window ${window} (k req/s)`,
      framewire: fmt(count / ms, 0),
      baseline: `${fmt(count / window1, 0)} (window 1)`,
      ratio: fmt(window1 / ms, 1) + "x",
      goal: "",
      met: undefined,
    });
  }
}

{
  const count = 100_000;
  const bytes = encodeFrames(
    Array.from({ length: count }, () => ({
      type: 0,
      payload: new Uint8Array(16),
    })),
  );
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 64 * 1024) {
    chunks.push(bytes.subarray(i, i + 64 * 1024));
  }
  const decode = () => {
    const decoder = new FrameDecoder();
    let frames = 0;
    for (const chunk of chunks) frames += decoder.push(chunk).length;
    if (frames !== count) throw new Error("lost frames");
    return Promise.resolve();
  };
  for (let i = 0; i < 20; i++) await decode();
  const ms = await bestMs(decode, 20);
  const copy = await bestMs(() => {
    const target = new Uint8Array(bytes.length);
    for (const chunk of chunks) target.set(chunk);
    return Promise.resolve();
  }, 20);
  rows.push({
    scenario: "in-memory decode, 16 B frames (M frames/s)",
    framewire: fmt(count / ms / 1000, 1),
    baseline: `${fmt(count / copy / 1000, 0)} (memcpy)`,
    ratio: fmt(copy / ms),
    goal: ">= 20 M/s",
    met: count / ms / 1000 >= 20,
  });
}

// --- chat in the browser (issue 15): start ---
{
  // Same chat server over both transports, same run (./_ws_chat.ts).
  const { tcp, ws } = await measureWsChat({
    messages: 2000,
    acks: 300,
    pings: 10_000,
    rounds: 3,
  });
  rows.push({
    scenario: "chat 1 → 1 through /ws (msgs/s)",
    framewire: fmt(ws.messagesPerS, 0),
    baseline: `${fmt(tcp.messagesPerS, 0)} (TCP)`,
    ratio: fmt(ws.messagesPerS / tcp.messagesPerS),
    goal: ">= 0.5 of TCP",
    met: ws.messagesPerS >= 0.5 * tcp.messagesPerS,
  });
  rows.push({
    scenario: "  chat ack one at a time, p50 (ms)",
    framewire: fmt(ws.p50Ms),
    baseline: `${fmt(tcp.p50Ms)} (TCP)`,
    ratio: fmt(ws.p50Ms / tcp.p50Ms),
    goal: "<= 1.5x TCP",
    met: ws.p50Ms <= 1.5 * tcp.p50Ms,
  });
}
// --- chat in the browser (issue 15): end ---

stopPeer();

const header: Row = {
  scenario: "scenario",
  framewire: "framewire",
  baseline: "raw baseline",
  ratio: "ratio",
  goal: "goal",
  met: undefined,
};
const columns = ["scenario", "framewire", "baseline", "ratio", "goal"] as const;
const widths = columns.map((key) =>
  Math.max(...[header, ...rows].map((row) => row[key].length))
);
const line = (row: Row, met: string) =>
  "| " + columns.map((key, i) => row[key].padEnd(widths[i])).join(" | ") +
  ` | ${met.padEnd(4)} |`;
console.log(
  `framewire ${
    new Date().toISOString().slice(0, 10)
  }, ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}`,
);
console.log(line(header, "met"));
console.log(
  "| " + widths.map((w) => "-".repeat(w)).join(" | ") + " | ---- |",
);
for (const row of rows) {
  console.log(line(row, row.met === undefined ? "" : row.met ? "yes" : "NO"));
}
console.log(
  `(ratio = framewire / baseline: higher is better for rates, lower for times and memory; ${
    fmt((performance.now() - started) / 1000, 0)
  } s)`,
);
