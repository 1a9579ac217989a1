// Copyright 2026 the framewire authors. MIT license.
// The loopback scenarios of the benchmarks, each as a framewire run and the
// raw-socket baseline it is compared with. Shared by loopback_bench.ts
// (deno bench) and compare.ts (the one-table report).
import { encodeFrames, type Frame, FramedConn, FrameType } from "../mod.ts";
import { rawReadExactly, rawWriteAll, tcpPair } from "./_loopback.ts";

const SMALL_PAYLOAD = 16;
const SMALL_FRAME = 5 + SMALL_PAYLOAD;
// How many frames the sender hands to one sendMany call.
const SEND_BATCH = 4096;

function smallFrames(count: number): Frame[] {
  const frames: Frame[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const payload = new Uint8Array(SMALL_PAYLOAD);
    new DataView(payload.buffer).setUint32(0, i);
    frames[i] = { type: FrameType.Chat, payload };
  }
  return frames;
}

function sequenceOf(frame: Frame): number {
  const { payload } = frame;
  return new DataView(payload.buffer, payload.byteOffset).getUint32(0);
}

/** Small frames prepared once per process, so runs time the I/O only. */
const prepared = new Map<number, Frame[]>();
function smallFramesCached(count: number): Frame[] {
  let frames = prepared.get(count);
  if (!frames) prepared.set(count, frames = smallFrames(count));
  return frames;
}

/**
 * framewire: `count` frames of 16 bytes sent with sendMany, received with
 * receiveMany; the receiver checks the count and the last payload.
 */
export async function framewireSmall(count: number): Promise<void> {
  const frames = smallFramesCached(count);
  using pair = await tcpPair();
  const sender = new FramedConn(pair.client);
  const receiver = new FramedConn(pair.server);
  const receiving = (async () => {
    let received = 0;
    let last: Frame | undefined;
    while (received < count) {
      const batch = await receiver.receiveMany();
      if (batch === null) throw new Error(`EOF after ${received} frames`);
      received += batch.length;
      last = batch[batch.length - 1];
    }
    if (received !== count || sequenceOf(last!) !== count - 1) {
      throw new Error(`received ${received} frames, last ${sequenceOf(last!)}`);
    }
  })();
  for (let i = 0; i < count; i += SEND_BATCH) {
    await sender.sendMany(frames.slice(i, i + SEND_BATCH));
  }
  await receiving;
}

/** Baseline: the same bytes, one 21-byte write per message. */
export async function rawSmallPerMessage(count: number): Promise<void> {
  const messages = smallFramesCached(count).map((frame) =>
    encodeFrames([frame])
  );
  using pair = await tcpPair();
  const receiving = rawReadExactly(pair.server, count * SMALL_FRAME);
  for (let i = 0; i < count; i++) await rawWriteAll(pair.client, messages[i]);
  await receiving;
}

/** Ceiling: the same bytes pre-encoded, written in 64 KiB blocks. */
export async function rawSmallBlocks(count: number): Promise<void> {
  const bytes = encodeFrames(smallFramesCached(count));
  using pair = await tcpPair();
  const receiving = rawReadExactly(pair.server, bytes.length);
  for (let i = 0; i < bytes.length; i += 65536) {
    await rawWriteAll(pair.client, bytes.subarray(i, i + 65536));
  }
  await receiving;
}

/**
 * framewire: `count` frames of `size` bytes, each sent and received whole;
 * the receiver checks every length and the last byte of each payload.
 */
export async function framewireBulk(
  count: number,
  size: number,
): Promise<void> {
  const payload = new Uint8Array(size).fill(7);
  using pair = await tcpPair();
  const options = { maxFrameLength: size };
  const sender = new FramedConn(pair.client, options);
  const receiver = new FramedConn(pair.server, options);
  const receiving = (async () => {
    for (let i = 0; i < count; i++) {
      const frame = await receiver.receive();
      if (frame?.payload.length !== size || frame.payload[size - 1] !== 7) {
        throw new Error(`frame ${i} is wrong`);
      }
    }
  })();
  for (let i = 0; i < count; i++) {
    await sender.send({ type: FrameType.Chat, payload });
  }
  await receiving;
}

/** Baseline: the same volume through raw 1 MiB writes and reads. */
export async function rawBulk(count: number, size: number): Promise<void> {
  const block = new Uint8Array(1024 * 1024).fill(7);
  const total = count * size;
  using pair = await tcpPair();
  const receiving = rawReadExactly(pair.server, total);
  for (let sent = 0; sent < total; sent += block.length) {
    await rawWriteAll(
      pair.client,
      block.subarray(0, Math.min(block.length, total - sent)),
    );
  }
  await receiving;
}

/** Round-trip times in milliseconds of `count` Ping/Pong exchanges. */
export async function framewirePingPong(
  count: number,
  payloadBytes = 32,
): Promise<number[]> {
  using pair = await tcpPair();
  const client = new FramedConn(pair.client);
  const server = new FramedConn(pair.server);
  const serving = (async () => {
    for await (const frame of server) {
      await server.send({ type: FrameType.Pong, payload: frame.payload });
    }
  })();
  const payload = new Uint8Array(payloadBytes);
  const times: number[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await client.send({ type: FrameType.Ping, payload });
    const reply = await client.receive();
    times[i] = performance.now() - start;
    if (reply?.type !== FrameType.Pong) throw new Error("no Pong");
  }
  await client.closeWrite();
  await serving;
  return times;
}

/** Baseline: a raw echo of 37-byte messages (the same bytes as a Ping). */
export async function rawPingPong(
  count: number,
  messageBytes = 37,
): Promise<number[]> {
  using pair = await tcpPair();
  const serving = (async () => {
    const buffer = new Uint8Array(messageBytes);
    for (let i = 0; i < count; i++) {
      let got = 0;
      while (got < messageBytes) {
        const n = await pair.server.read(buffer.subarray(got));
        if (n === null) return;
        got += n;
      }
      await rawWriteAll(pair.server, buffer);
    }
  })();
  const message = new Uint8Array(messageBytes);
  const reply = new Uint8Array(messageBytes);
  const times: number[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await rawWriteAll(pair.client, message);
    let got = 0;
    while (got < messageBytes) {
      const n = await pair.client.read(reply.subarray(got));
      if (n === null) throw new Error("echo closed");
      got += n;
    }
    times[i] = performance.now() - start;
  }
  await serving;
  return times;
}

/** The q-quantile (0..1) of some numbers. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
