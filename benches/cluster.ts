// Copyright 2026 the framewire authors. MIT license.
// Chat throughput and ack latency, in one run, on three setups:
//   1. one node on SQLite (the embedded default),
//   2. one node on PostgreSQL,
//   3. three nodes on PostgreSQL + NATS, the clients spread over them.
// Workloads: 1→1 (alice → bob, on different nodes when there are several)
// and a 32-member room (one sender, 31 readers with the room open). Nodes
// are `cli/server.ts` subprocesses; the clients run here.
//
//   deno task bench:cluster
//   deno task bench:cluster --messages 2000 --window 64
//
// Needs PostgreSQL and nats-server (Debian: postgresql, nats-server).
import { parseArgs } from "node:util";
import type { ChatClient } from "../chat/mod.ts";
import { natsBinary, startNats } from "../dev/nats.ts";
import { postgresBinaries, startPostgres } from "../dev/postgres.ts";
import { ChatNode } from "../dev/chat_node.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    messages: { type: "string", default: "2000" },
    window: { type: "string", default: "64" },
    latency: { type: "string", default: "300" },
  },
});
const MESSAGES = Number(values.messages);
const WINDOW = Number(values.window);
const LATENCY_SENDS = Number(values.latency);
const ROOM_MEMBERS = 32;
const PASSWORD = "bench-password";

if (postgresBinaries() === undefined || natsBinary() === undefined) {
  console.error("bench:cluster needs PostgreSQL and nats-server installed");
  Deno.exit(1);
}

interface Row {
  setup: string;
  workload: string;
  perSecond: number;
  p50: number;
  p99: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** Sends `count` messages keeping `window` unacknowledged. */
async function sendWindowed(
  sender: ChatClient,
  chat: `@${string}` | `#${string}`,
  count: number,
  window: number,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await sender.send(chat, `m${i}`);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
}

/** Reads `count` messages of a client (the chat is open). */
async function receive(client: ChatClient, count: number): Promise<void> {
  let got = 0;
  while (got < count) {
    const event = await client.nextEvent();
    if (event === undefined) throw new Error(`${client.user} closed early`);
    if (event.type === "error") {
      throw new Error(
        `${client.user}: ${event.error.code} ${event.error.message}`,
      );
    }
    if (event.type === "message") got++;
  }
}

/** Ack latency of one send at a time, in ms, sorted. */
async function ackLatencies(
  sender: ChatClient,
  chat: `@${string}` | `#${string}`,
  readers: ChatClient[],
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < LATENCY_SENDS; i++) {
    const start = performance.now();
    await sender.send(chat, `l${i}`);
    times.push(performance.now() - start);
  }
  await Promise.all(readers.map((reader) => receive(reader, LATENCY_SENDS)));
  return times.sort((a, b) => a - b);
}

async function measure(
  setup: string,
  nodes: ChatNode[],
  rows: Row[],
): Promise<void> {
  const at = (i: number) => nodes[i % nodes.length];
  // 1 → 1.
  const alice = await at(0).login("alice", PASSWORD);
  const bob = await at(1).login("bob", PASSWORD);
  try {
    await bob.openChat("@alice");
    const start = performance.now();
    const received = receive(bob, MESSAGES);
    await sendWindowed(alice, "@bob", MESSAGES, WINDOW);
    await received;
    const seconds = (performance.now() - start) / 1000;
    const times = await ackLatencies(alice, "@bob", [bob]);
    rows.push({
      setup,
      workload: "1→1",
      perSecond: MESSAGES / seconds,
      p50: quantile(times, 0.5),
      p99: quantile(times, 0.99),
    });
  } finally {
    await alice.close();
    await bob.close();
  }
  // A 32-member room: one sender, 31 readers, over every node.
  const members = await Promise.all(
    Array.from(
      { length: ROOM_MEMBERS },
      (_, i) => at(i).login(`m${i}`, PASSWORD),
    ),
  );
  try {
    for (const member of members) await member.join("#bench");
    const [sender, ...readers] = members;
    await Promise.all(readers.map((reader) => reader.openChat("#bench")));
    const count = Math.max(1, Math.floor(MESSAGES / 4));
    const start = performance.now();
    const received = Promise.all(
      readers.map((reader) => receive(reader, count)),
    );
    await sendWindowed(sender, "#bench", count, WINDOW);
    await received;
    const seconds = (performance.now() - start) / 1000;
    const times = await ackLatencies(sender, "#bench", readers);
    rows.push({
      setup,
      workload: `room of ${ROOM_MEMBERS} (msgs sent/s; ${
        ROOM_MEMBERS - 1
      } deliveries each)`,
      perSecond: count / seconds,
      p50: quantile(times, 0.5),
      p99: quantile(times, 0.99),
    });
  } finally {
    await Promise.all(members.map((member) => member.close()));
  }
}

// The rate limit is off: this measures the path, not the limiter.
const COMMON = [
  "--port",
  "0",
  "--password-iterations",
  "1000",
  "--message-rate-limit",
  "0",
  "--quiet",
];
const rows: Row[] = [];
const dir = await Deno.makeTempDir({ prefix: "framewire_bench_cluster_" });
const postgres = await startPostgres();
const nats = await startNats();
const started: ChatNode[] = [];
try {
  const sqlite = new ChatNode("sqlite", [
    ...COMMON,
    "--db",
    `${dir}/chat.db`,
    "--db-sync",
    "FULL",
  ]);
  started.push(sqlite);
  await sqlite.start();
  await measure("1 node, SQLite", [sqlite], rows);
  await sqlite.stop();

  const single = await postgres.createDatabase();
  const pg = new ChatNode("pg", [...COMMON, "--db", single.url]);
  started.push(pg);
  await pg.start();
  await measure("1 node, PostgreSQL", [pg], rows);
  await pg.stop();

  const shared = await postgres.createDatabase();
  const cluster: ChatNode[] = [];
  for (let i = 1; i <= 3; i++) {
    const node = new ChatNode(`n${i}`, [
      ...COMMON,
      "--db",
      shared.url,
      "--cluster",
      nats.url,
      "--node-id",
      `n${i}`,
    ]);
    started.push(node);
    cluster.push(node);
    await node.start();
  }
  await measure("3 nodes, PostgreSQL + NATS", cluster, rows);
} finally {
  await Promise.all(started.map((node) => node.stop()));
  await nats.stop();
  await postgres.stop();
  await Deno.remove(dir, { recursive: true });
}

console.log(
  `\nchat: ${MESSAGES} messages 1→1 and ${
    Math.floor(MESSAGES / 4)
  } into a room, ${WINDOW} unacknowledged at most; ack latency over ${LATENCY_SENDS} sends one at a time\n`,
);
console.log("| setup | workload | msgs/s | ack p50 (ms) | ack p99 (ms) |");
console.log("| --- | --- | --: | --: | --: |");
for (const row of rows) {
  console.log(
    `| ${row.setup} | ${row.workload} | ${Math.round(row.perSecond)} | ${
      row.p50.toFixed(2)
    } | ${row.p99.toFixed(2)} |`,
  );
}
