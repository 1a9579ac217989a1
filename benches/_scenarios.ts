// Copyright 2026 the framewire authors. MIT license.
// The loopback scenarios of the benchmarks, each as a framewire run and the
// raw-socket baseline it is compared with. The receiving (or echoing) side
// runs in a Worker (./_peer.ts), so both ends get a core as two programs
// would. Shared by loopback_bench.ts (deno bench) and compare.ts.
import { encodeFrames, type Frame, FramedConn, FrameType } from "../mod.ts";
import type { PeerJob, PeerMessage } from "./_peer.ts";
import { randomPayload } from "./_digest.ts";

const SMALL_PAYLOAD = 16;
const SMALL_FRAME = 5 + SMALL_PAYLOAD;
// How many frames the sender hands to one sendMany call.
const SEND_BATCH = 8192;
const RAW_BLOCK = 64 * 1024;
const RAW_BULK_BLOCK = 1024 * 1024;

let peer: Worker | undefined;
let onPeerMessage: ((message: PeerMessage) => void) | undefined;

/** Stops the peer worker (compare.ts calls it; deno bench exits anyway). */
export function stopPeer(): void {
  peer?.terminate();
  peer = undefined;
}

/**
 * Starts a job on the peer and connects to it. Returns the connection and a
 * promise of the job's end (rejected with the peer's error).
 */
async function startPeer(
  job: PeerJob,
): Promise<{ conn: Deno.TcpConn; done: Promise<void> }> {
  peer ??= new Worker(new URL("./_peer.ts", import.meta.url), {
    type: "module",
  });
  peer.onmessage = (event: MessageEvent<PeerMessage>) =>
    onPeerMessage?.(event.data);
  const listening = Promise.withResolvers<number>();
  const done = Promise.withResolvers<void>();
  onPeerMessage = (message) => {
    if (message.kind === "listening") listening.resolve(message.port);
    else if (message.error) {
      listening.reject(new Error(message.error));
      done.reject(new Error(message.error));
    } else done.resolve();
  };
  peer.postMessage(job);
  const port = await listening.promise;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  return { conn, done: done.promise };
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

async function rawWriteAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let sent = 0; sent < bytes.length;) {
    sent += await conn.write(sent === 0 ? bytes : bytes.subarray(sent));
  }
}

function smallFrames(count: number): Frame[] {
  const frames: Frame[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const payload = new Uint8Array(SMALL_PAYLOAD);
    new DataView(payload.buffer).setUint32(0, i);
    frames[i] = { type: FrameType.Chat, payload };
  }
  return frames;
}

// Inputs are prepared once per process, so runs time the transfer only.
const preparedFrames = new Map<number, Frame[]>();
function smallFramesCached(count: number): Frame[] {
  let frames = preparedFrames.get(count);
  if (!frames) preparedFrames.set(count, frames = smallFrames(count));
  return frames;
}
const preparedBytes = new Map<number, Uint8Array>();
function smallBytesCached(count: number): Uint8Array {
  let bytes = preparedBytes.get(count);
  if (!bytes) {
    preparedBytes.set(count, bytes = encodeFrames(smallFramesCached(count)));
  }
  return bytes;
}

/**
 * framewire: `count` frames of 16-byte payload, sent with sendMany and
 * received with receiveMany; the receiver checks the count and the last
 * sequence number.
 */
export async function framewireSmall(count: number): Promise<void> {
  const frames = smallFramesCached(count);
  const { conn, done } = await startPeer({
    role: "framewire-receive-small",
    count,
  });
  const sender = new FramedConn(conn);
  try {
    for (let i = 0; i < count; i += SEND_BATCH) {
      await sender.sendMany(frames.slice(i, i + SEND_BATCH));
    }
    await done;
  } finally {
    sender.close();
  }
}

/** Baseline: the same bytes, one 21-byte write per message. */
export async function rawSmallPerMessage(count: number): Promise<void> {
  const bytes = smallBytesCached(count);
  const { conn, done } = await startPeer({
    role: "raw-receive",
    bytes: bytes.length,
  });
  try {
    for (let at = 0; at < bytes.length; at += SMALL_FRAME) {
      await rawWriteAll(conn, bytes.subarray(at, at + SMALL_FRAME));
    }
    await done;
  } finally {
    closeQuietly(conn);
  }
}

/** Ceiling: the same bytes pre-encoded, written in 64 KiB blocks. */
export async function rawSmallBlocks(count: number): Promise<void> {
  const bytes = smallBytesCached(count);
  const { conn, done } = await startPeer({
    role: "raw-receive",
    bytes: bytes.length,
  });
  try {
    for (let at = 0; at < bytes.length; at += RAW_BLOCK) {
      await rawWriteAll(conn, bytes.subarray(at, at + RAW_BLOCK));
    }
    await done;
  } finally {
    closeQuietly(conn);
  }
}

const bulkPayloads = new Map<number, Uint8Array>();

/**
 * framewire: `count` frames of `size` bytes, each sent with `send` and
 * received whole; the receiver checks each length and last byte and, with
 * `release`, gives each payload back for reuse.
 */
export async function framewireBulk(
  count: number,
  size: number,
  release = true,
): Promise<void> {
  let payload = bulkPayloads.get(size);
  if (!payload) bulkPayloads.set(size, payload = new Uint8Array(size).fill(7));
  const { conn, done } = await startPeer({
    role: "framewire-receive-bulk",
    count,
    size,
    release,
  });
  const sender = new FramedConn(conn, { maxFrameLength: size });
  try {
    for (let i = 0; i < count; i++) {
      await sender.send({ type: 200, payload });
    }
    await done;
  } finally {
    sender.close();
  }
}

/**
 * Baseline: the same volume through raw 1 MiB writes, read into a reused
 * 1 MiB buffer, or with `intoOneBuffer` into one fresh buffer of the whole
 * size (what a receiver that keeps the message pays), or with `frames`
 * each `size` bytes whole into one reused buffer (`"reuse"`) or a fresh one
 * (`"fresh"`): what framewire's receiver does with and without `release()`.
 */
export async function rawBulk(
  count: number,
  size: number,
  intoOneBuffer = false,
  frames?: "reuse" | "fresh",
): Promise<void> {
  const block = new Uint8Array(RAW_BULK_BLOCK).fill(7);
  const total = count * size;
  const { conn, done } = await startPeer({
    role: "raw-receive",
    bytes: total,
    intoOneBuffer,
    frames: frames && { bytes: size, fresh: frames === "fresh" },
  });
  try {
    for (let sent = 0; sent < total; sent += block.length) {
      await rawWriteAll(
        conn,
        block.subarray(0, Math.min(block.length, total - sent)),
      );
    }
    await done;
  } finally {
    closeQuietly(conn);
  }
}

let maxPayload: { payload: Uint8Array; digest: number } | undefined;

/** Drops the max-size payload kept between runs (a gigabyte by default). */
export function dropMaxFramePayload(): void {
  maxPayload = undefined;
}
function maxFramePayload(size: number) {
  if (maxPayload?.payload.length !== size) {
    maxPayload = undefined; // the old one's memory first
    maxPayload = randomPayload(size);
  }
  return maxPayload;
}

/**
 * framewire: one frame of `size` pseudo-random bytes, sent with `send` and
 * received with `receive()`; the receiver digests every byte and compares.
 */
export async function framewireMaxFrame(size: number): Promise<void> {
  const { payload, digest } = maxFramePayload(size);
  const { conn, done } = await startPeer({
    role: "framewire-receive-digest",
    size,
    digest,
  });
  const sender = new FramedConn(conn, { maxFrameLength: size });
  try {
    await sender.send({ type: 200, payload });
    await done;
  } finally {
    sender.close();
  }
}

/**
 * Baseline: the same header and bytes written raw; the receiver reads the
 * header, then the payload in 1 MiB reads into a reused buffer or (with
 * `intoOneBuffer`) into one fresh buffer of the size, digesting every byte.
 */
export async function rawMaxFrame(
  size: number,
  intoOneBuffer: boolean,
): Promise<void> {
  const { payload, digest } = maxFramePayload(size);
  const { conn, done } = await startPeer({
    role: "raw-receive-digest",
    size,
    digest,
    intoOneBuffer,
  });
  try {
    const header = new Uint8Array(5);
    header[0] = 200;
    new DataView(header.buffer).setUint32(1, size);
    await rawWriteAll(conn, header);
    for (let sent = 0; sent < size; sent += RAW_BULK_BLOCK) {
      await rawWriteAll(conn, payload.subarray(sent, sent + RAW_BULK_BLOCK));
    }
    await done;
  } finally {
    closeQuietly(conn);
  }
}

/** Round-trip times in milliseconds of `count` Ping/Pong exchanges. */
export async function framewirePingPong(
  count: number,
  payloadBytes = 32,
): Promise<number[]> {
  const { conn, done } = await startPeer({ role: "framewire-echo" });
  const client = new FramedConn(conn);
  const payload = new Uint8Array(payloadBytes);
  const times: number[] = new Array(count);
  try {
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await client.send({ type: FrameType.Ping, payload });
      const reply = await client.receive();
      times[i] = performance.now() - start;
      if (reply?.type !== FrameType.Pong) throw new Error("no Pong");
    }
    await client.closeWrite();
    await done;
  } finally {
    client.close();
  }
  return times;
}

/** Baseline: a raw echo of 37-byte messages (the bytes of a 32-byte Ping). */
export async function rawPingPong(
  count: number,
  messageBytes = 37,
): Promise<number[]> {
  const { conn, done } = await startPeer({ role: "raw-echo", messageBytes });
  const message = new Uint8Array(messageBytes);
  const reply = new Uint8Array(messageBytes);
  const times: number[] = new Array(count);
  try {
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await rawWriteAll(conn, message);
      for (let got = 0; got < messageBytes;) {
        const n = await conn.read(reply.subarray(got));
        if (n === null) throw new Error("echo closed");
        got += n;
      }
      times[i] = performance.now() - start;
    }
    await conn.closeWrite();
    await done;
  } finally {
    closeQuietly(conn);
  }
  return times;
}

/**
 * `count` requests through `conn.request()` to a framewire server, at most
 * `window` outstanding at a time; every reply is checked.
 */
export async function framewirePipelined(
  count: number,
  window: number,
): Promise<void> {
  const { conn, done } = await startPeer({ role: "framewire-serve" });
  const client = new FramedConn(conn, { maxQueuedBytes: Infinity });
  try {
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        const payload = new Uint8Array(8);
        new DataView(payload.buffer).setUint32(0, i);
        const reply = await client.request({ type: 200, payload });
        if (
          new DataView(reply.payload.buffer, reply.payload.byteOffset)
            .getUint32(0) !== i
        ) {
          throw new Error(`reply ${i} out of order`);
        }
      }
    };
    await Promise.all(Array.from({ length: window }, worker));
  } finally {
    client.close();
  }
  await done;
}
