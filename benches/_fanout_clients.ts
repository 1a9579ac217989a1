// Copyright 2026 the framewire authors. MIT license.
// The clients of chat_fanout.ts, as one process apart from the server:
// `members` clients of one room (or, with `direct`, one sender and one
// receiver of a direct chat), `senders` of which send `messages` each with
// at most `window` unacknowledged at a time, until every member has every
// message. Prints one JSON line: elapsed ms, deliveries, ack latencies.
//
//   deno run -A benches/_fanout_clients.ts '<json of FanoutClientsConfig>'
//
// Both sides do what a program of their kind does: the WebSocket clients
// (Deno's built-in `WebSocket`) send JSON and parse every JSON message they
// get, their own copy being their acknowledgement; the framewire clients
// are `ChatClient`s (JSON both ways, `read` confirmations, acks after the
// server's commit).
import process from "node:process";
import { ChatClient } from "../chat/mod.ts";

/** What the parent asks for. */
export interface FanoutClientsConfig {
  kind: "ws" | "framewire";
  port: number;
  members: number;
  senders: number;
  messages: number;
  window: number;
  /** framewire only: a direct chat between member 0 and member 1. */
  direct?: boolean;
}

/** What this process prints. */
export interface FanoutClientsResult {
  ms: number;
  deliveries: number;
  messages: number;
  ackP50Ms: number;
  ackP99Ms: number;
  /** CPU time of this process (user + system) over the timed part. */
  clientCpuMs: number;
}

const PASSWORD = "bench-password";
const config = JSON.parse(Deno.args[0]) as FanoutClientsConfig;
const { members, senders, messages, window } = config;

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** Ack latency of each message sent, in ms, filled by the runs. */
const latencies = new Float64Array(senders * messages);
let latencyCount = 0;

async function runWs(): Promise<number> {
  const sockets = await Promise.all(
    Array.from(
      { length: members },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(`ws://127.0.0.1:${config.port}`);
          socket.onopen = () => resolve(socket);
          socket.onerror = () => reject(new Error("WebSocket failed"));
        }),
    ),
  );
  const expected = senders * messages;
  const started = startClock();
  await Promise.all(
    sockets.map((socket, index) =>
      new Promise<void>((resolve) => {
        const me = `m${index}`;
        const sender = index < senders;
        const sentAt: number[] = [];
        let sent = 0;
        let received = 0;
        const sendOne = () => {
          sentAt.push(performance.now());
          socket.send(
            JSON.stringify({ from: me, text: `message ${sent} from ${me}` }),
          );
          sent++;
        };
        let acked = 0;
        socket.onmessage = (event: MessageEvent<string>) => {
          const message = JSON.parse(event.data) as { from: string };
          received++;
          if (message.from === me) {
            latencies[latencyCount++] = performance.now() - sentAt[acked++];
            if (sent < messages) sendOne();
          }
          if (received === expected) resolve();
        };
        if (sender) {
          for (let i = 0; i < window && sent < messages; i++) sendOne();
        }
      })
    ),
  );
  const ms = performance.now() - started;
  for (const socket of sockets) socket.close();
  return ms;
}

async function runFramewire(): Promise<number> {
  const clients = await Promise.all(
    Array.from(
      { length: members },
      (_, i) =>
        ChatClient.connect({
          port: config.port,
          user: `m${i}`,
          password: PASSWORD,
        }),
    ),
  );
  const chatOf = (index: number) => config.direct ? `@m${1 - index}` : "#bench";
  if (config.direct) {
    await clients[1].openChat("@m0");
  } else {
    for (const client of clients) {
      await client.join("#bench");
      await client.openChat("#bench");
    }
  }
  const started = startClock();
  await Promise.all(clients.map(async (client, index) => {
    const sender = index < senders;
    const me = `m${index}`;
    const chat = chatOf(index);
    // What reaches this member: everyone else's messages (its own come
    // back as acks).
    const expected = config.direct
      ? (index === 1 ? messages : 0)
      : (senders - (sender ? 1 : 0)) * messages;
    const receiving = (async () => {
      let received = 0;
      while (received < expected) {
        const event = await client.nextEvent();
        if (event === undefined) throw new Error(`${me} disconnected`);
        if (event.type === "message") received++;
      }
    })();
    if (sender) {
      let next = 0;
      const lane = async () => {
        while (next < messages) {
          const i = next++;
          const at = performance.now();
          await client.send(chat, `message ${i} from ${me}`);
          latencies[latencyCount++] = performance.now() - at;
        }
      };
      await Promise.all(Array.from({ length: window }, lane));
    }
    await receiving;
  }));
  const ms = performance.now() - started;
  await Promise.all(clients.map((client) => client.close()));
  return ms;
}

let cpuAtStart = process.cpuUsage();
/** Marks the start of the timed part. */
function startClock(): number {
  cpuAtStart = process.cpuUsage();
  return performance.now();
}

const ms = config.kind === "ws" ? await runWs() : await runFramewire();
const cpu = process.cpuUsage(cpuAtStart);
const sorted = latencies.subarray(0, latencyCount).sort();
// Every message reaches every member: the others as pushes, its sender as
// its acknowledgement (ws: its own copy).
const deliveries = config.direct ? 2 * messages : senders * messages * members;
const result: FanoutClientsResult = {
  ms,
  deliveries,
  messages: senders * messages,
  ackP50Ms: percentile(sorted, 0.5),
  ackP99Ms: percentile(sorted, 0.99),
  clientCpuMs: (cpu.user + cpu.system) / 1000,
};
console.log(JSON.stringify(result));
