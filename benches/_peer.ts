// Copyright 2026 the framewire authors. MIT license.
// The other program of a loopback benchmark, run in a Worker so that sender
// and receiver each have a core, as two processes would. The main thread
// posts a job; the worker listens on port 0, posts the port, serves exactly
// one connection, then posts the outcome.
import { FramedConn, FrameType, serve } from "../mod.ts";
import { Digest, digest } from "./_digest.ts";

/** A job for the peer. */
export type PeerJob =
  | { role: "framewire-receive-small"; count: number }
  | {
    role: "raw-receive";
    bytes: number;
    intoOneBuffer?: boolean;
    /** Reads each frame's worth whole into one reused or a fresh buffer. */
    frames?: { bytes: number; fresh: boolean };
  }
  | {
    role: "framewire-receive-bulk";
    count: number;
    size: number;
    release: boolean;
  }
  | { role: "framewire-echo" }
  | { role: "raw-echo"; messageBytes: number }
  | { role: "framewire-serve" }
  | { role: "framewire-receive-digest"; size: number; digest: number }
  | {
    role: "raw-receive-digest";
    size: number;
    digest: number;
    intoOneBuffer: boolean;
  };

/** What the peer posts back. */
export type PeerMessage =
  | { kind: "listening"; port: number }
  | { kind: "done"; error?: string; peakRssBytes?: number };

declare const self: Worker & { close(): void };

self.onmessage = async (event: MessageEvent<PeerJob>) => {
  try {
    await run(event.data);
    post({ kind: "done" });
  } catch (error) {
    post({ kind: "done", error: String((error as Error).stack ?? error) });
  }
};

function post(message: PeerMessage): void {
  self.postMessage(message);
}

async function run(job: PeerJob): Promise<void> {
  if (job.role === "framewire-serve") return await runServer();
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  post({ kind: "listening", port: listener.addr.port });
  const conn = await listener.accept();
  conn.setNoDelay(true);
  try {
    switch (job.role) {
      case "framewire-receive-small":
        return await receiveSmall(new FramedConn(conn), job.count);
      case "raw-receive":
        return job.frames === undefined
          ? await receiveRaw(conn, job.bytes, job.intoOneBuffer ?? false)
          : await receiveRawFrames(conn, job.bytes, job.frames);
      case "framewire-receive-bulk":
        return await receiveBulk(
          new FramedConn(conn, { maxFrameLength: job.size }),
          job.count,
          job.size,
          job.release,
        );
      case "framewire-echo":
        return await echoFrames(new FramedConn(conn));
      case "raw-echo":
        return await echoRaw(conn, job.messageBytes);
      case "framewire-receive-digest": {
        using framed = new FramedConn(conn, { maxFrameLength: job.size });
        const frame = await framed.receive();
        if (frame?.payload.length !== job.size) throw new Error("wrong size");
        if (digest(frame.payload) !== job.digest) {
          throw new Error("wrong bytes");
        }
        return;
      }
      case "raw-receive-digest":
        return await receiveRawDigest(conn, job);
    }
  } finally {
    try {
      conn.close();
    } catch {
      // The peer closed first.
    }
  }
}

async function receiveSmall(conn: FramedConn, count: number): Promise<void> {
  let received = 0;
  let last = -1;
  while (received < count) {
    const frames = await conn.receiveMany();
    if (frames === null) throw new Error(`EOF after ${received} frames`);
    received += frames.length;
    const payload = frames[frames.length - 1].payload;
    last = new DataView(payload.buffer, payload.byteOffset).getUint32(0);
  }
  if (received !== count || last !== count - 1) {
    throw new Error(`received ${received} frames, last sequence ${last}`);
  }
}

// Reads into a reused 1 MiB buffer, or (intoOneBuffer) into one fresh
// buffer of the whole size, as a receiver that keeps the message must.
async function receiveRaw(
  conn: Deno.Conn,
  total: number,
  intoOneBuffer: boolean,
): Promise<void> {
  const buffer = new Uint8Array(intoOneBuffer ? total : 1024 * 1024);
  let received = 0;
  while (received < total) {
    const count = await conn.read(
      intoOneBuffer ? buffer.subarray(received) : buffer,
    );
    if (count === null) throw new Error(`EOF after ${received} bytes`);
    received += count;
  }
}

// `total` bytes in frame-sized pieces, each read whole into one buffer of
// that size: the same one each time, or a fresh one (what a receiver that
// keeps each message pays).
async function receiveRawFrames(
  conn: Deno.Conn,
  total: number,
  frames: { bytes: number; fresh: boolean },
): Promise<void> {
  let buffer = new Uint8Array(frames.bytes);
  let at = 0;
  for (let received = 0; received < total;) {
    if (at === buffer.length) {
      at = 0;
      if (frames.fresh) buffer = new Uint8Array(frames.bytes);
    }
    const count = await conn.read(
      buffer.subarray(at, Math.min(buffer.length, at + total - received)),
    );
    if (count === null) throw new Error(`EOF after ${received} bytes`);
    received += count;
    at += count;
  }
}

// Reads the 5-byte header, then the payload, in 1 MiB reads into a reused
// buffer or into one fresh buffer of the size, and digests every byte.
async function receiveRawDigest(
  conn: Deno.Conn,
  job: PeerJob & { role: "raw-receive-digest" },
): Promise<void> {
  const readFull = async (target: Uint8Array) => {
    for (let got = 0; got < target.length;) {
      const count = await conn.read(target.subarray(got));
      if (count === null) throw new Error("EOF");
      got += count;
    }
  };
  const header = new Uint8Array(5);
  await readFull(header);
  const size = new DataView(header.buffer).getUint32(1);
  if (size !== job.size) throw new Error("wrong size");
  const running = new Digest();
  if (job.intoOneBuffer) {
    const payload = new Uint8Array(size);
    for (let got = 0; got < size;) {
      const count = await conn.read(
        payload.subarray(got, Math.min(size, got + 1024 * 1024)),
      );
      if (count === null) throw new Error("EOF");
      got += count;
    }
    running.update(payload);
  } else {
    const block = new Uint8Array(1024 * 1024);
    for (let at = 0; at < size; at += block.length) {
      const part = block.subarray(0, Math.min(block.length, size - at));
      await readFull(part);
      running.update(part);
    }
  }
  if (running.value() !== job.digest) throw new Error("wrong bytes");
}

async function receiveBulk(
  conn: FramedConn,
  count: number,
  size: number,
  release: boolean,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const frame = await conn.receive();
    if (frame?.payload.length !== size || frame.payload[size - 1] !== 7) {
      throw new Error(`frame ${i} is wrong`);
    }
    if (release) conn.release(frame.payload);
  }
}

async function echoFrames(conn: FramedConn): Promise<void> {
  for await (const frame of conn) {
    await conn.send({ type: FrameType.Pong, payload: frame.payload });
  }
}

async function echoRaw(conn: Deno.Conn, messageBytes: number): Promise<void> {
  const buffer = new Uint8Array(messageBytes);
  while (true) {
    let got = 0;
    while (got < messageBytes) {
      const count = await conn.read(buffer.subarray(got));
      if (count === null) return;
      got += count;
    }
    let sent = 0;
    while (sent < messageBytes) sent += await conn.write(buffer.subarray(sent));
  }
}

// A framewire server whose type-200 handler echoes the request payload.
async function runServer(): Promise<void> {
  const server = serve({
    hostname: "127.0.0.1",
    port: 0,
    logger: null,
    maxQueuedBytes: 16 * 1024 * 1024,
  }, {
    frameTypes: [200],
    onFrame: (frame) => ({ type: 201, payload: frame.payload }),
  });
  post({ kind: "listening", port: server.port! });
  // The main thread closes its one client, then we stop.
  while (server.connections().length === 0) await delay(1);
  while (server.connections().length > 0) await delay(5);
  await server.shutdown();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
