// Copyright 2026 the framewire authors. MIT license.
// A bystander's acknowledgement latency while another user floods: the
// server runs in a Worker (./_chat_peer.ts, SQLite in a temp dir), the
// flooder in another (./_chat_flooder.ts, 256 sends in flight for the whole
// run, RATE_LIMITED ignored), the bystander in this thread, sending one
// message every 10 ms and timing each ack. Three runs on fresh servers:
//
// - quiet: no flooder (the baseline);
// - flood, no limit: `messageRateLimit: 0`, as before the limit existed;
// - flood, default limit: the server's defaults (50 messages per second per
//   user after a burst of 1,000).
//
//   deno run -A benches/chat_flood.ts [--seconds 5]
//
// Prints p50/p99/max of the bystander's acks per run and the flooder's
// acknowledged and refused sends. The machine may be shared: compare the
// rows of one run, not runs of different days.
import { parseArgs } from "node:util";
import { ChatClient } from "../chat/mod.ts";
import type { ChatPeerStart } from "./_chat_peer.ts";
import type { ChatFlooderResult, ChatFlooderStart } from "./_chat_flooder.ts";

const PASSWORD = "bench-password";
const INTERVAL_MS = 10;
const FLOOD_WINDOW = 256;

const { values } = parseArgs({
  args: Deno.args,
  options: { seconds: { type: "string", default: "5" } },
});
const seconds = Number(values.seconds);
if (!(seconds > 0 && seconds <= 600)) {
  console.error("chat_flood: --seconds must be from 1 to 600");
  Deno.exit(1);
}

function startWorker(url: string): Worker {
  return new Worker(new URL(url, import.meta.url), { type: "module" });
}

function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<T>) => resolve(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

interface Row {
  run: string;
  acks: number;
  p50: number;
  p99: number;
  max: number;
  flood?: ChatFlooderResult;
}

async function run(
  name: string,
  dir: string,
  flood: boolean,
  messageRateLimit?: number,
): Promise<Row> {
  const server = startWorker("./_chat_peer.ts");
  const workers = [server];
  try {
    const start: ChatPeerStart = {
      path: `${dir}/${name.replaceAll(/\W+/g, "_")}.db`,
      synchronous: "FULL",
      messageRateLimit,
    };
    server.postMessage(start);
    const port = await nextMessage<number>(server);
    const login = (user: string) =>
      ChatClient.connect({ port, user, password: PASSWORD });
    // Offline recipients: registered once, stored to only.
    for (const user of ["sink", "friend"]) await (await login(user)).close();
    await using bystander = await login("bystander");
    let flooderDone: Promise<ChatFlooderResult> | undefined;
    if (flood) {
      const flooder = startWorker("./_chat_flooder.ts");
      workers.push(flooder);
      const ready = nextMessage<string>(flooder);
      const message: ChatFlooderStart = {
        port,
        user: "flooder",
        password: PASSWORD,
        to: "@sink",
        window: FLOOD_WINDOW,
        ms: seconds * 1000 + 500,
      };
      flooder.postMessage(message);
      await ready;
      flooderDone = nextMessage<ChatFlooderResult>(flooder);
    }
    const latencies: number[] = [];
    const end = performance.now() + seconds * 1000;
    let i = 0;
    while (performance.now() < end) {
      const sent = performance.now();
      await bystander.send("@friend", `hello ${i++}`);
      const took = performance.now() - sent;
      latencies.push(took);
      if (took < INTERVAL_MS) {
        await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS - took));
      }
    }
    const floodResult = await flooderDone;
    latencies.sort((a, b) => a - b);
    return {
      run: name,
      acks: latencies.length,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies.at(-1)!,
      flood: floodResult,
    };
  } finally {
    for (const worker of workers) worker.terminate();
  }
}

const dir = await Deno.makeTempDir({ prefix: "framewire_chat_flood_" });
try {
  const rows = [
    await run("quiet", dir, false),
    await run("flood, no limit", dir, true, 0),
    await run("flood, default limit", dir, true),
  ];
  const ms = (value: number) => value.toFixed(1).padStart(8);
  console.log(
    `bystander acks, one message per ${INTERVAL_MS} ms for ${seconds} s (ms)`,
  );
  console.log(
    "run                     acks      p50      p99      max   flooder acked/refused",
  );
  for (const row of rows) {
    const flood = row.flood === undefined
      ? "-"
      : `${row.flood.acked}/${row.flood.refused}`;
    console.log(
      `${row.run.padEnd(22)}${String(row.acks).padStart(6)} ${ms(row.p50)} ${
        ms(row.p99)
      } ${ms(row.max)}   ${flood}`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
