// Copyright 2026 the framewire authors. MIT license.
// Chat through the WebSocket gateway vs the same through raw TCP, same run,
// same server (in a Worker, ./_ws_chat_peer.ts): messages per second from one
// sender to one online receiver (pipelined sends, stored, acknowledged,
// pushed, `read`), the ack latency of one message at a time, pipelined Pings
// (transport alone), and a bare WebSocket echo (the platform's ceiling).
// Rounds alternate between the transports; each figure is the median of the
// rounds. Used by ws_chat.ts and compare.ts.
import { connect, connectWebSocket, type Frame, FrameType } from "../mod.ts";
import { ChatClient } from "../chat/mod.ts";
import type { WsChatPeerPorts, WsChatPeerStart } from "./_ws_chat_peer.ts";

/** How much to measure. */
export interface WsChatBenchOptions {
  messages: number;
  acks: number;
  pings: number;
  rounds: number;
}

/** One transport's medians. */
export interface WsChatRound {
  messagesPerS: number;
  p50Ms: number;
  p99Ms: number;
  pingsPerS: number;
}

/** The medians per transport, and the bare echo's rate. */
export interface WsChatResult {
  tcp: WsChatRound;
  ws: WsChatRound;
  echoPerS: number;
}

const PASSWORD = "bench-password";

/** Runs the rounds; see the top of this file. */
export async function measureWsChat(
  options: WsChatBenchOptions,
): Promise<WsChatResult> {
  const { messages: MESSAGES, acks: ACKS, pings: PINGS, rounds: ROUNDS } =
    options;
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

  async function round(transport: Transport, n: number): Promise<WsChatRound> {
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
        const ping: Frame = {
          type: FrameType.Ping,
          payload: new Uint8Array(32),
        };
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

  const results: Record<Transport, WsChatRound[]> = { tcp: [], ws: [] };
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

  const median = (values: number[]) =>
    values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const medians = (transport: Transport): WsChatRound => ({
    messagesPerS: median(results[transport].map((r) => r.messagesPerS)),
    p50Ms: median(results[transport].map((r) => r.p50Ms)),
    p99Ms: median(results[transport].map((r) => r.p99Ms)),
    pingsPerS: median(results[transport].map((r) => r.pingsPerS)),
  });
  return { tcp: medians("tcp"), ws: medians("ws"), echoPerS: median(echoes) };
}
