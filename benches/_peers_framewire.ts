// Copyright 2026 the framewire authors. MIT license.
// The framewire halves of `deno task bench:peers`, written the way the README
// shows: `connect()` and `listen()`, `await conn.send()` per message,
// `sendMany`, `FrameBatch`, `for await (const frame of conn)`, `request()`,
// `serve()`. Every receiver checks what it got (count, order, bytes) and
// answers with one ACK frame once all is in.
import {
  connect,
  type Frame,
  FrameBatch,
  type FramedConn,
  listen,
  serve,
} from "../mod.ts";
import {
  ACK,
  BULK_TYPE,
  type Job,
  PIPELINE_WINDOW,
  REPLY_TYPE,
  type Result,
  SEND_MANY_BATCH,
  SMALL_PAYLOAD,
} from "./_peers_common.ts";
import { connectGate } from "./_peers_raw.ts";

const ackFrame = { type: ACK, payload: new Uint8Array(0) };

/** Starts the receiving side of `job`; resolves to its port and its end. */
export function framewireServe(
  job: Job,
): { port: number; done: Promise<void> } {
  if (job.scenario === "pipelined") {
    const server = serve({
      hostname: "127.0.0.1",
      port: 0,
      logger: null,
    }, {
      frameTypes: [BULK_TYPE],
      onFrame: (frame) => ({ type: REPLY_TYPE, payload: frame.payload }),
    });
    const done = (async () => {
      // The client closes its one connection once every reply is in.
      while (server.connections().length === 0) await delay(2);
      while (server.connections().length > 0) await delay(2);
      await server.shutdown();
    })();
    return { port: server.port!, done };
  }
  const maxFrameLength = job.scenario === "bulk" ? job.size : undefined;
  const listener = listen({ hostname: "127.0.0.1", port: 0, maxFrameLength });
  const done = (async () => {
    try {
      if (job.scenario === "conns") {
        const served: Promise<void>[] = [];
        for await (const conn of listener) {
          served.push(receiveSmall(conn, job.count, false));
          if (served.length === job.connections) break;
        }
        await Promise.all(served);
        return;
      }
      const conn = await listener.accept();
      switch (job.scenario) {
        case "small":
          return await receiveSmall(
            conn,
            job.count,
            job.style !== "await",
            job.warmup,
          );
        case "bulk":
          return await receiveBulk(conn, job.count, job.size, job.release);
        case "pingpong":
          return await echo(conn);
      }
    } finally {
      listener.close();
    }
  })();
  return { port: listener.addr.port, done };
}

// `for await` one frame at a time, or `receiveMany` for batches; checks
// that the sequence numbers arrive complete and in order. The warm-up's
// messages (numbered from 0 too) are acknowledged on their own.
async function receiveSmall(
  conn: FramedConn,
  count: number,
  many: boolean,
  warmup = 0,
): Promise<void> {
  try {
    if (warmup > 0) await receiveRun(conn, warmup, many);
    await receiveRun(conn, count, many);
  } finally {
    conn.close();
  }
}

async function receiveRun(
  conn: FramedConn,
  count: number,
  many: boolean,
): Promise<void> {
  let next = 0;
  const check = (frame: Frame) => {
    const p = frame.payload;
    const seq = ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
    if (seq !== next % 0x1_0000_0000 || p.length !== SMALL_PAYLOAD) {
      throw new Error(`frame ${next}: sequence ${seq}`);
    }
    next++;
  };
  if (many) {
    while (next < count) {
      const frames = await conn.receiveMany();
      if (frames === null) throw new Error(`EOF after ${next} frames`);
      for (const frame of frames) check(frame);
    }
  } else {
    for await (const frame of conn) {
      check(frame);
      if (next === count) break;
    }
  }
  if (next !== count) throw new Error(`EOF after ${next} frames`);
  await conn.send(ackFrame);
}

// The plain loop a user writes, with or without giving payloads back.
async function receiveBulk(
  conn: FramedConn,
  count: number,
  size: number,
  release: boolean,
): Promise<void> {
  try {
    let received = 0;
    for await (const frame of conn) {
      if (frame.payload.length !== size || frame.payload[size - 1] !== 7) {
        throw new Error(`frame ${received} is wrong`);
      }
      if (release) conn.release(frame.payload);
      if (++received === count) break;
    }
    if (received !== count) throw new Error(`EOF after ${received} frames`);
    await conn.send(ackFrame);
  } finally {
    conn.close();
  }
}

async function echo(conn: FramedConn): Promise<void> {
  try {
    for await (const frame of conn) {
      await conn.send({ type: REPLY_TYPE, payload: frame.payload });
    }
  } finally {
    conn.close();
  }
}

async function waitAck(conn: FramedConn): Promise<void> {
  const frame = await conn.receive();
  if (frame?.type !== ACK) throw new Error("no ack");
}

/** The sending side of `job`, connected to `port`. */
export async function framewireClient(
  port: number,
  job: Job,
): Promise<Result> {
  if (job.scenario === "conns") return await manyConnections(port, job);
  const maxFrameLength = job.scenario === "bulk" ? job.size : undefined;
  const conn = await connect({ hostname: "127.0.0.1", port, maxFrameLength });
  try {
    let start = performance.now();
    switch (job.scenario) {
      case "small":
        if (job.warmup) {
          await sendSmall(conn, job.warmup, job.style);
          await waitAck(conn);
        }
        start = performance.now();
        await sendSmall(conn, job.count, job.style);
        await waitAck(conn);
        return { ms: performance.now() - start };
      case "bulk": {
        const payload = new Uint8Array(job.size).fill(7);
        for (let i = 0; i < job.count; i++) {
          await conn.send({ type: BULK_TYPE, payload });
        }
        await waitAck(conn);
        return { ms: performance.now() - start };
      }
      case "pingpong": {
        const payload = new Uint8Array(job.size);
        const roundTrips = async (count: number) => {
          const times: number[] = new Array(count);
          for (let i = 0; i < count; i++) {
            const start = performance.now();
            await conn.send({ type: 1, payload });
            const reply = await conn.receive();
            times[i] = performance.now() - start;
            if (reply?.type !== REPLY_TYPE) throw new Error("wrong reply");
          }
          return times;
        };
        if (job.warmup) await roundTrips(job.warmup);
        return { ms: 0, times: await roundTrips(job.count) };
      }
      case "pipelined": {
        if (job.warmup) await requests(conn, job.warmup);
        start = performance.now();
        await requests(conn, job.count);
        return { ms: performance.now() - start };
      }
    }
  } finally {
    conn.close();
  }
}

/** `count` requests, PIPELINE_WINDOW of them outstanding at once. */
async function requests(conn: FramedConn, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      // A payload per request: it waits in the queue until written.
      const payload = new Uint8Array(8);
      setSeq(payload, 0, i);
      const reply = await conn.request({ type: BULK_TYPE, payload });
      const p = reply.payload;
      if (((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) !== i) {
        throw new Error(`reply ${i} out of order`);
      }
    }
  };
  await Promise.all(Array.from({ length: PIPELINE_WINDOW }, worker));
}

function setSeq(payload: Uint8Array, at: number, seq: number): void {
  payload[at] = seq >>> 24;
  payload[at + 1] = seq >>> 16;
  payload[at + 2] = seq >>> 8;
  payload[at + 3] = seq;
}

async function sendSmall(
  conn: FramedConn,
  count: number,
  style: Job & { scenario: "small" } extends { style: infer S } ? S : never,
): Promise<void> {
  if (style === "await") {
    // One message at a time, its payload refilled in place (a send has
    // written it when it resolves).
    const payload = new Uint8Array(SMALL_PAYLOAD);
    for (let i = 0; i < count; i++) {
      setSeq(payload, 0, i);
      await conn.send({ type: 1, payload });
    }
    return;
  }
  if (style === "many") {
    const frames: Frame[] = Array.from({ length: SEND_MANY_BATCH }, () => ({
      type: 1,
      payload: new Uint8Array(SMALL_PAYLOAD),
    }));
    for (let i = 0; i < count; i += SEND_MANY_BATCH) {
      const n = Math.min(SEND_MANY_BATCH, count - i);
      for (let j = 0; j < n; j++) setSeq(frames[j].payload, 0, i + j);
      await conn.sendMany(n === SEND_MANY_BATCH ? frames : frames.slice(0, n));
    }
    return;
  }
  if (style === "fresh") {
    for (let i = 0; i < count; i += SEND_MANY_BATCH) {
      const n = Math.min(SEND_MANY_BATCH, count - i);
      const frames: Frame[] = new Array(n);
      for (let j = 0; j < n; j++) {
        const payload = new Uint8Array(SMALL_PAYLOAD);
        setSeq(payload, 0, i + j);
        frames[j] = { type: 1, payload };
      }
      await conn.sendMany(frames);
    }
    return;
  }
  // FrameBatch: headers and payloads written straight into one buffer.
  const batch = new FrameBatch();
  for (let i = 0; i < count; i += SEND_MANY_BATCH) {
    const n = Math.min(SEND_MANY_BATCH, count - i);
    batch.clear();
    for (let j = 0; j < n; j++) {
      const at = batch.reserve(1, SMALL_PAYLOAD);
      setSeq(batch.bytes, at, i + j);
    }
    await conn.sendBatch(batch);
  }
}

async function manyConnections(port: number, job: Job): Promise<Result> {
  if (job.scenario !== "conns") throw new Error("unreachable");
  const start = performance.now();
  const gate = connectGate();
  const one = async () => {
    const conn = await gate(() => connect({ hostname: "127.0.0.1", port }));
    try {
      const payload = new Uint8Array(SMALL_PAYLOAD);
      for (let i = 0; i < job.count; i++) {
        setSeq(payload, 0, i);
        await conn.send({ type: 1, payload });
      }
      await waitAck(conn);
    } finally {
      conn.close();
    }
  };
  await Promise.all(Array.from({ length: job.connections }, one));
  return { ms: performance.now() - start };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
