// Copyright 2026 the framewire authors. MIT license.
// The raw-socket halves of `deno task bench:peers`: what a careful program
// written straight on Deno.connect / Deno.listen does for each scenario,
// the same bytes on the wire as framewire's (a 5-byte header, then the
// payload), the same checks, the same acknowledgement at the end.
import {
  ACK,
  BULK_TYPE,
  type Job,
  PIPELINE_WINDOW,
  REPLY_TYPE,
  type Result,
  SMALL_PAYLOAD,
} from "./_peers_common.ts";

const HEADER = 5;
const SMALL_FRAME = HEADER + SMALL_PAYLOAD;
const READ_BYTES = 64 * 1024;
const BULK_READ_BYTES = 1024 * 1024;

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let sent = 0; sent < bytes.length;) {
    sent += await conn.write(sent === 0 ? bytes : bytes.subarray(sent));
  }
}

async function readExactly(conn: Deno.Conn, buffer: Uint8Array): Promise<void> {
  for (let got = 0; got < buffer.length;) {
    const n = await conn.read(got === 0 ? buffer : buffer.subarray(got));
    if (n === null) throw new Error(`EOF after ${got} of ${buffer.length}`);
    got += n;
  }
}

function writeHeader(target: Uint8Array, type: number, length: number): void {
  target[0] = type;
  target[1] = length >>> 24;
  target[2] = length >>> 16;
  target[3] = length >>> 8;
  target[4] = length;
}

// The ack is a frame like framewire's (type ACK, empty payload), so that
// either program of a pair can face either program of the other.
const ackBytes = new Uint8Array([ACK, 0, 0, 0, 0]);

/** Reads until `total` bytes came, in reads of `readBytes`; then acks. */
async function receiveBytes(
  conn: Deno.Conn,
  total: number,
  readBytes: number,
): Promise<number> {
  const buffer = new Uint8Array(readBytes);
  let received = 0;
  let last = 0;
  while (received < total) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`EOF after ${received} of ${total} bytes`);
    received += n;
    last = buffer[n - 1];
  }
  await writeAll(conn, ackBytes);
  return last;
}

/**
 * Reads `count` frames, each header then the payload it declares, whole,
 * into one reused buffer or a new one per frame; checks each last byte, as
 * framewire's receiver does; then acks.
 */
async function receiveFrames(
  conn: Deno.Conn,
  count: number,
  fresh: boolean,
): Promise<void> {
  const header = new Uint8Array(HEADER);
  let payload = new Uint8Array(0);
  for (let i = 0; i < count; i++) {
    await readExactly(conn, header);
    const length = new DataView(header.buffer).getUint32(1);
    if (fresh || payload.length !== length) payload = new Uint8Array(length);
    await readExactly(conn, payload);
    if (payload[length - 1] !== 7) throw new Error(`frame ${i} is wrong`);
  }
  await writeAll(conn, ackBytes);
}

/**
 * Reads `count` small frames in reads of `readBytes`, walking the headers
 * and checking each length and sequence number as framewire's receiver
 * does (a frame split between two reads is carried over); then acks.
 */
async function receiveSmallFrames(
  conn: Deno.Conn,
  count: number,
  readBytes: number,
): Promise<void> {
  const buffer = new Uint8Array(readBytes + SMALL_FRAME);
  const view = new DataView(buffer.buffer);
  let held = 0;
  let next = 0;
  while (next < count) {
    const n = await conn.read(buffer.subarray(held, held + readBytes));
    if (n === null) throw new Error(`EOF after ${next} frames`);
    held += n;
    let at = 0;
    for (; at + SMALL_FRAME <= held && next < count; at += SMALL_FRAME) {
      if (
        view.getUint32(at + 1) !== SMALL_PAYLOAD ||
        view.getUint32(at + HEADER) !== next
      ) {
        throw new Error(`frame ${next} is wrong`);
      }
      next++;
    }
    buffer.copyWithin(0, at, held);
    held -= at;
  }
  await writeAll(conn, ackBytes);
}

async function waitAck(conn: Deno.Conn): Promise<void> {
  const frame = new Uint8Array(HEADER);
  await readExactly(conn, frame);
  if (frame[0] !== ACK) throw new Error("no ack");
}

/** The receiving / answering side of `job`, on an accepted connection. */
export async function rawServe(
  listener: Deno.Listener,
  job: Job,
): Promise<void> {
  if (job.scenario === "conns") {
    const served: Promise<unknown>[] = [];
    for (let i = 0; i < job.connections; i++) {
      const conn = await listener.accept();
      (conn as Deno.TcpConn).setNoDelay(true);
      served.push(
        receiveSmallFrames(conn, job.count, 4096).finally(() => conn.close()),
      );
    }
    await Promise.all(served);
    return;
  }
  const conn = await listener.accept() as Deno.TcpConn;
  conn.setNoDelay(true);
  try {
    switch (job.scenario) {
      case "small":
        if (job.warmup) {
          await receiveSmallFrames(conn, job.warmup, READ_BYTES);
        }
        await receiveSmallFrames(conn, job.count, READ_BYTES);
        return;
      case "bulk":
        if ((job.raw ?? "stream") === "stream") {
          await receiveBytes(
            conn,
            job.count * (HEADER + job.size),
            BULK_READ_BYTES,
          );
        } else {
          await receiveFrames(conn, job.count, job.raw === "fresh");
        }
        return;
      case "pingpong":
        return await echo(conn, HEADER + job.size);
      case "pipelined":
        return await answerRequests(conn, job.count + (job.warmup ?? 0));
    }
  } finally {
    conn.close();
  }
}

async function echo(conn: Deno.Conn, messageBytes: number): Promise<void> {
  const buffer = new Uint8Array(messageBytes);
  while (true) {
    let got = 0;
    while (got < messageBytes) {
      const n = await conn.read(buffer.subarray(got));
      if (n === null) return;
      got += n;
    }
    buffer[0] = REPLY_TYPE;
    await writeAll(conn, buffer);
  }
}

// Reads fixed-size requests as they come and answers each read's complete
// requests in one write (a hand-written server batches this way, too).
async function answerRequests(conn: Deno.Conn, count: number): Promise<void> {
  const frame = HEADER + 8;
  const buffer = new Uint8Array(READ_BYTES + frame);
  let held = 0;
  let answered = 0;
  while (answered < count) {
    const n = await conn.read(buffer.subarray(held, held + READ_BYTES));
    if (n === null) throw new Error(`EOF after ${answered} requests`);
    held += n;
    const whole = held - held % frame;
    const reply = buffer.slice(0, whole);
    for (let at = 0; at < whole; at += frame) reply[at] = REPLY_TYPE;
    await writeAll(conn, reply);
    answered += whole / frame;
    buffer.copyWithin(0, whole, held);
    held -= whole;
  }
}

/** The sending side of `job`, on a connection to `port`. */
export async function rawClient(port: number, job: Job): Promise<Result> {
  if (job.scenario === "conns") return await manyConnections(port, job);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  try {
    switch (job.scenario) {
      case "small": {
        // One 21-byte write per message, awaited: the baseline of `await
        // send()`. The message is refilled in place, as framewire's is.
        const message = new Uint8Array(SMALL_FRAME);
        writeHeader(message, 1, SMALL_PAYLOAD);
        const view = new DataView(message.buffer);
        const send = async (count: number) => {
          for (let i = 0; i < count; i++) {
            view.setUint32(HEADER, i);
            await writeAll(conn, message);
          }
          await waitAck(conn);
        };
        if (job.warmup) await send(job.warmup);
        const start = performance.now();
        await send(job.count);
        return { ms: performance.now() - start };
      }
      case "bulk": {
        const start = performance.now();
        const header = new Uint8Array(HEADER);
        writeHeader(header, BULK_TYPE, job.size);
        const payload = bulkPayload(job.size);
        for (let i = 0; i < job.count; i++) {
          await writeAll(conn, header);
          await writeAll(conn, payload);
        }
        await waitAck(conn);
        return { ms: performance.now() - start };
      }
      case "pingpong":
        if (job.warmup) await pingPong(conn, job.warmup, job.size);
        return await pingPong(conn, job.count, job.size);
      case "pipelined":
        if (job.warmup) await pipelined(conn, job.warmup);
        return { ms: await pipelined(conn, job.count) };
    }
  } finally {
    conn.close();
  }
}

let bulk: Uint8Array | undefined;
function bulkPayload(size: number): Uint8Array {
  if (bulk?.length !== size) bulk = new Uint8Array(size).fill(7);
  return bulk;
}

async function pingPong(
  conn: Deno.Conn,
  count: number,
  size: number,
): Promise<Result> {
  const message = new Uint8Array(HEADER + size);
  writeHeader(message, 1, size);
  const reply = new Uint8Array(HEADER + size);
  const times: number[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await writeAll(conn, message);
    await readExactly(conn, reply);
    times[i] = performance.now() - start;
    if (reply[0] !== REPLY_TYPE) throw new Error("wrong reply");
  }
  return { ms: 0, times };
}

// At most PIPELINE_WINDOW requests outstanding; one write per request, a
// reader that checks every reply's sequence number in order.
async function pipelined(conn: Deno.Conn, count: number): Promise<number> {
  const start = performance.now();
  const frame = HEADER + 8;
  let replied = 0;
  let wake: (() => void) | undefined;
  const reading = (async () => {
    const buffer = new Uint8Array(READ_BYTES + frame);
    const view = new DataView(buffer.buffer);
    let held = 0;
    while (replied < count) {
      const n = await conn.read(buffer.subarray(held, held + READ_BYTES));
      if (n === null) throw new Error(`EOF after ${replied} replies`);
      held += n;
      let at = 0;
      for (; at + frame <= held; at += frame) {
        if (view.getUint32(at + HEADER) !== replied) {
          throw new Error(`reply ${replied} out of order`);
        }
        replied++;
      }
      buffer.copyWithin(0, at, held);
      held -= at;
      wake?.();
    }
  })();
  const request = new Uint8Array(frame);
  writeHeader(request, BULK_TYPE, 8);
  const view = new DataView(request.buffer);
  for (let i = 0; i < count; i++) {
    while (i - replied >= PIPELINE_WINDOW) {
      await new Promise<void>((resolve) => wake = resolve);
    }
    view.setUint32(HEADER, i);
    await writeAll(conn, request);
  }
  await reading;
  return performance.now() - start;
}

async function manyConnections(port: number, job: Job): Promise<Result> {
  if (job.scenario !== "conns") throw new Error("unreachable");
  const start = performance.now();
  const gate = connectGate();
  const one = async () => {
    const conn = await gate(() =>
      Deno.connect({ hostname: "127.0.0.1", port })
    );
    conn.setNoDelay(true);
    try {
      const message = new Uint8Array(SMALL_FRAME);
      writeHeader(message, 1, SMALL_PAYLOAD);
      const view = new DataView(message.buffer);
      for (let i = 0; i < job.count; i++) {
        view.setUint32(HEADER, i);
        await writeAll(conn, message);
      }
      await waitAck(conn);
    } finally {
      conn.close();
    }
  };
  await Promise.all(Array.from({ length: job.connections }, one));
  return { ms: performance.now() - start };
}

/**
 * Limits connects in progress, so the listener's accept backlog never
 * overflows (a dropped SYN costs a one-second retry, in both programs).
 */
export function connectGate(
  limit = 128,
): <T>(open: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (open) => {
    while (active >= limit) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    active++;
    try {
      return await open();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
