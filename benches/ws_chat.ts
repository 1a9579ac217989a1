// Copyright 2026 the framewire authors. MIT license.
// Chat through the WebSocket gateway vs the same through raw TCP, same run,
// same server (in a Worker): messages per second from one sender to one
// online receiver (pipelined sends, stored, acknowledged, pushed, `read`),
// the ack latency of one message at a time, and pipelined Pings (transport
// alone). Rounds alternate between the transports; each figure is the median
// of the rounds. The machine is shared: read the ratios.
//
//   deno run -A benches/ws_chat.ts [--messages 2000] [--acks 300] [--rounds 3]
import { parseArgs } from "node:util";
import { connect, connectWebSocket, type Frame, FrameType } from "../mod.ts";
import { ChatClient } from "../chat/mod.ts";
import type { WsChatPeerPorts, WsChatPeerStart } from "./_ws_chat_peer.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    messages: { type: "string", default: "2000" },
    acks: { type: "string", default: "300" },
    pings: { type: "string", default: "10000" },
    rounds: { type: "string", default: "3" },
  },
});
const MESSAGES = Number(values.messages);
const ACKS = Number(values.acks);
const PINGS = Number(values.pings);
const ROUNDS = Number(values.rounds);
const PASSWORD = "bench-password";

const dir = await Deno.makeTempDir({ prefix: "framewire_ws_bench_" });
const worker = new Worker(new URL("./_ws_chat_peer.ts", import.meta.url), {
  type: "module",
});
const ports = await new Promise<WsChatPeerPorts>((resolve) => {
  worker.onmessage = (event: MessageEvent<WsChatPeerPorts>) =>
    resolve(event.data);
  worker.postMessage({ path: `${dir}/chat.db` } satisfies WsChatPeerStart);
});
const url = `ws://127.0.0.1:${ports.httpPort}/ws`;

type Transport = "tcp" | "ws";
const login = (transport: Transport, user: string) =>
  transport === "tcp"
    ? ChatClient.connect({ port: ports.tcpPort, user, password: PASSWORD })
    : ChatClient.connect({ url, user, password: PASSWORD });

async function receive(client: ChatClient, count: number): Promise<void> {
  for (let received = 0; received < count;) {
    const event = await client.nextEvent();
    if (event === undefined) throw new Error(`${client.user} disconnected`);
    if (event.type === "message") received++;
  }
}

interface Round {
  messagesPerS: number;
  p50Ms: number;
  p99Ms: number;
  pingsPerS: number;
}

async function round(transport: Transport, n: number): Promise<Round> {
  const sender = await login(transport, `${transport}-s${n}`);
  const receiver = await login(transport, `${transport}-r${n}`);
  try {
    await receiver.openChat(`@${sender.user}`);
    let started = performance.now();
    await Promise.all([
      Promise.all(
        Array.from(
          { length: MESSAGES },
          (_, i) => sender.send(`@${receiver.user}`, `message ${i}`),
        ),
      ),
      receive(receiver, MESSAGES),
    ]);
    const messagesPerS = MESSAGES / ((performance.now() - started) / 1000);
    const latencies: number[] = [];
    for (let i = 0; i < ACKS; i++) {
      started = performance.now();
      await sender.send(`@${receiver.user}`, `one ${i}`);
      latencies.push(performance.now() - started);
    }
    await receive(receiver, ACKS);
    latencies.sort((a, b) => a - b);
    const pinger = transport === "tcp"
      ? await connect({ port: ports.tcpPort })
      : await connectWebSocket({ url });
    try {
      const ping: Frame = { type: FrameType.Ping, payload: new Uint8Array(32) };
      started = performance.now();
      await Promise.all(
        Array.from({ length: PINGS }, () => pinger.request(ping)),
      );
      const pingsPerS = PINGS / ((performance.now() - started) / 1000);
      return {
        messagesPerS,
        p50Ms: latencies[Math.floor(latencies.length * 0.5)],
        p99Ms: latencies[Math.floor(latencies.length * 0.99)],
        pingsPerS,
      };
    } finally {
      pinger.close();
    }
  } finally {
    await sender.close();
    await receiver.close();
  }
}

/** Bare WebSocket echo of `PINGS` 37-byte messages (the Ping's size). */
async function rawEcho(): Promise<number> {
  const socket = new WebSocket(`ws://127.0.0.1:${ports.httpPort}/echo`);
  socket.binaryType = "arraybuffer";
  await new Promise((resolve) => socket.onopen = resolve);
  let got = 0;
  const done = new Promise<void>((resolve) =>
    socket.onmessage = () => {
      if (++got === PINGS) resolve();
    }
  );
  const message = new Uint8Array(37);
  const started = performance.now();
  for (let i = 0; i < PINGS; i++) socket.send(message);
  await done;
  const perS = PINGS / ((performance.now() - started) / 1000);
  const closed = new Promise((resolve) => socket.onclose = resolve);
  socket.close();
  await closed;
  return perS;
}

const results: Record<Transport, Round[]> = { tcp: [], ws: [] };
const echoes: number[] = [];
try {
  for (let n = 0; n < ROUNDS; n++) {
    for (const transport of ["tcp", "ws"] as const) {
      results[transport].push(await round(transport, n));
    }
    echoes.push(await rawEcho());
  }
} finally {
  worker.terminate();
  await Deno.remove(dir, { recursive: true });
}

const median = (transport: Transport, key: keyof Round) => {
  const sorted = results[transport].map((r) => r[key]).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const rows: [string, keyof Round, number][] = [
  [`chat 1 → 1, ${MESSAGES} pipelined (msgs/s)`, "messagesPerS", 0],
  ["chat ack latency, one at a time, p50 (ms)", "p50Ms", 2],
  ["chat ack latency, one at a time, p99 (ms)", "p99Ms", 2],
  [`${PINGS} pipelined Pings (k/s)`, "pingsPerS", 1],
];
console.log(
  `| scenario | WebSocket /ws | raw TCP | ws / tcp |\n| --- | --- | --- | --- |`,
);
for (const [name, key, digits] of rows) {
  const scale = key === "pingsPerS" ? 1000 : 1;
  const ws = median("ws", key);
  const tcp = median("tcp", key);
  console.log(
    `| ${name} | ${(ws / scale).toFixed(digits)} | ${
      (tcp / scale).toFixed(digits)
    } | ${(ws / tcp).toFixed(2)} |`,
  );
}
echoes.sort((a, b) => a - b);
console.log(
  `| ${PINGS} pipelined 37 B messages, bare WebSocket echo, no framewire (k/s) | ${
    (echoes[Math.floor(echoes.length / 2)] / 1000).toFixed(1)
  } | – | – |`,
);
console.log(
  `\nmedian of ${ROUNDS} alternating rounds; server in a Worker, synchronous=NORMAL, rate limit off`,
);
