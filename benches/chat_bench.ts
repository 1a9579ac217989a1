// Copyright 2026 the framewire authors. MIT license.
// Chat message rates over loopback TCP: the server runs in a Worker
// (./_chat_peer.ts) with its SQLite database in a temp dir, the clients in
// this thread. Each group has a baseline in the same run; read the ratios,
// the machine is shared. Messages per second = messages per iteration ×
// iterations per second (the names say how many).
//
//   deno bench -A benches/chat_bench.ts
//
// - "1 → 1": 1,000 messages from one sender to one online receiver with
//   the chat open: each stored (group commit, synchronous=FULL),
//   acknowledged, pushed, deduplicated and confirmed with `read`. Baseline:
//   1,000 pipelined Pings through the same server (transport alone).
// - "room": 100 messages into a room of 100 online members (10,000
//   deliveries). Baseline: the same 100 messages to one receiver.
// - "offline": 1,000 messages to a user who is offline (stored only), with
//   synchronous=NORMAL (the baseline) and FULL (fsync before each ack batch).
import { connect, FrameType } from "../mod.ts";
import { ChatClient } from "../chat/mod.ts";
import type { ChatPeerStart } from "./_chat_peer.ts";

const PASSWORD = "bench-password";
const ROOM_SIZE = 100;

const dir = await Deno.makeTempDir({ prefix: "framewire_chat_bench_" });
const workers: Worker[] = [];
globalThis.addEventListener("unload", () => {
  for (const worker of workers) worker.terminate();
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch {
    // Already gone.
  }
});

async function startPeer(start: ChatPeerStart): Promise<number> {
  const worker = new Worker(new URL("./_chat_peer.ts", import.meta.url), {
    type: "module",
  });
  workers.push(worker);
  return await new Promise<number>((resolve) => {
    worker.onmessage = (event: MessageEvent<number>) => resolve(event.data);
    worker.postMessage(start);
  });
}

// Throughput is what is measured: the per-user message rate limit is off
// (see chat_flood.ts for what it does under a flood).
const port = await startPeer({
  path: `${dir}/full.db`,
  synchronous: "FULL",
  messageRateLimit: 0,
});
const normalPort = await startPeer({
  path: `${dir}/normal.db`,
  synchronous: "NORMAL",
  messageRateLimit: 0,
});
const login = (user: string, at = port) =>
  ChatClient.connect({ port: at, user, password: PASSWORD });

// Offline recipients: registered once, never online again.
for (const at of [port, normalPort]) await (await login("sink", at)).close();
const sender = await login("sender");
const receiver = await login("receiver");
await receiver.openChat("@sender");
const offlineSenders = {
  FULL: await login("writer", port),
  NORMAL: await login("writer", normalPort),
};
const members = await Promise.all(
  Array.from({ length: ROOM_SIZE }, (_, i) => login(`member${i}`)),
);
await sender.join("#bench");
for (const member of members) {
  await member.join("#bench");
  await member.openChat("#bench");
}
const pinger = await connect({ port });

/** Waits for `count` messages on `client`. */
async function receive(client: ChatClient, count: number): Promise<void> {
  for (let received = 0; received < count;) {
    const event = await client.nextEvent();
    if (event === undefined) throw new Error(`${client.user} disconnected`);
    if (event.type === "message") received++;
  }
}

function sendMany(
  client: ChatClient,
  chat: string,
  count: number,
): Promise<unknown> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => client.send(chat, `message ${i}`)),
  );
}

const payload = new TextEncoder().encode('{"op":"send","text":"message 0"}');

Deno.bench({
  name: "transport: 1,000 pipelined Pings",
  group: "1 → 1",
  baseline: true,
  async fn() {
    await Promise.all(
      Array.from(
        { length: 1000 },
        () => pinger.request({ type: FrameType.Ping, payload }),
      ),
    );
  },
});

Deno.bench({
  name: "chat: 1,000 messages, 1 sender → 1 online receiver",
  group: "1 → 1",
  async fn() {
    await Promise.all([
      sendMany(sender, "@receiver", 1000),
      receive(receiver, 1000),
    ]);
  },
});

Deno.bench({
  name: "chat: 100 messages, 1 sender → 1 online receiver",
  group: "room",
  baseline: true,
  async fn() {
    await Promise.all([
      sendMany(sender, "@receiver", 100),
      receive(receiver, 100),
    ]);
  },
});

Deno.bench({
  name: `chat: 100 messages, 1 sender → room of ${ROOM_SIZE} (${
    ROOM_SIZE * 100
  } deliveries)`,
  group: "room",
  n: 30,
  warmup: 3,
  async fn() {
    await Promise.all([
      sendMany(sender, "#bench", 100),
      ...members.map((member) => receive(member, 100)),
    ]);
  },
});

for (const level of ["NORMAL", "FULL"] as const) {
  Deno.bench({
    name: `chat: 1,000 messages to an offline user, synchronous=${level}`,
    group: "offline",
    baseline: level === "NORMAL",
    async fn() {
      await sendMany(offlineSenders[level], "@sink", 1000);
    },
  });
}
