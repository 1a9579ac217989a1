// Copyright 2026 the framewire authors. MIT license.
// Loopback TCP benchmarks. Each fn is an `async` function: deno bench only
// awaits those (a plain arrow returning a promise would be timed as sync).
//
// Each group with its raw-socket baseline in the
// same run, so read the ratios, not the absolute times (the machine is
// shared and noisy). The receiving side runs in a Worker.
//
//   deno bench -A benches/loopback_bench.ts
//   FRAMEWIRE_BENCH_MAX_BYTES=4294967295 deno bench -A benches/loopback_bench.ts
import {
  framewireBulk,
  framewirePingPong,
  framewirePipelined,
  framewireSmall,
  rawBulk,
  rawPingPong,
  rawSmallBlocks,
  rawSmallPerMessage,
} from "./_scenarios.ts";

const SMALL_COUNT = 1_000_000;
const BULK_COUNT = 64;
const BULK_SIZE = 16 * 1024 * 1024;
const MAX_BYTES = Number(
  Deno.env.get("FRAMEWIRE_BENCH_MAX_BYTES") ?? 1024 * 1024 * 1024,
);
const ROUND_TRIPS = 20_000;
const REQUESTS = 100_000;
const runs = { n: 3, warmup: 1 };

Deno.bench({
  name: "raw: one 21-byte write per message",
  group: "1M small frames",
  baseline: true,
  ...runs,
  async fn() {
    await rawSmallPerMessage(SMALL_COUNT);
  },
});
Deno.bench({
  name: "framewire: sendMany / receiveMany",
  group: "1M small frames",
  ...runs,
  async fn() {
    await framewireSmall(SMALL_COUNT);
  },
});
Deno.bench({
  name: "raw: pre-encoded 64 KiB writes (ceiling)",
  group: "1M small frames",
  ...runs,
  async fn() {
    await rawSmallBlocks(SMALL_COUNT);
  },
});

Deno.bench({
  name: "raw: 1 MiB writes",
  group: "bulk 64 x 16 MiB",
  baseline: true,
  ...runs,
  async fn() {
    await rawBulk(BULK_COUNT, BULK_SIZE);
  },
});
Deno.bench({
  name: "framewire: send / receive + release",
  group: "bulk 64 x 16 MiB",
  ...runs,
  async fn() {
    await framewireBulk(BULK_COUNT, BULK_SIZE, true);
  },
});
Deno.bench({
  name: "framewire: send / receive, fresh buffers",
  group: "bulk 64 x 16 MiB",
  ...runs,
  async fn() {
    await framewireBulk(BULK_COUNT, BULK_SIZE, false);
  },
});

Deno.bench({
  name: "raw: 1 MiB writes",
  group: `max-size frame (${MAX_BYTES} bytes)`,
  baseline: true,
  n: 2,
  warmup: 1,
  async fn() {
    await rawBulk(1, MAX_BYTES);
  },
});
Deno.bench({
  name: "framewire: one frame, byte-exact",
  group: `max-size frame (${MAX_BYTES} bytes)`,
  n: 2,
  warmup: 1,
  async fn() {
    await framewireBulk(1, MAX_BYTES, false);
  },
});

Deno.bench({
  name: "raw: 37-byte echo x 20,000",
  group: "ping-pong",
  baseline: true,
  ...runs,
  async fn() {
    await rawPingPong(ROUND_TRIPS);
  },
});
Deno.bench({
  name: "framewire: 32-byte Ping/Pong x 20,000",
  group: "ping-pong",
  ...runs,
  async fn() {
    await framewirePingPong(ROUND_TRIPS);
  },
});

for (const window of [1, 32, 1000]) {
  Deno.bench({
    name: `framewire: 100,000 requests, window ${window}`,
    group: "request/response pipelining",
    baseline: window === 1,
    n: 1,
    warmup: 1,
    async fn() {
      await framewirePipelined(REQUESTS, window);
    },
  });
}
