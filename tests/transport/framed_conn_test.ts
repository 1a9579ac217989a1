// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  type ByteConn,
  ConnectionClosedError,
  DEFAULT_MAX_FRAME_LENGTH,
  encodeFrame,
  type Frame,
  FrameBatch,
  FramedConn,
  type FramedConnOptions,
  FrameDecoder,
  FrameTooLargeError,
  FrameType,
  type LengthFieldBytes,
  type ResolvedFramedConnOptions,
  resolveFramedConnOptions,
  SendQueueFullError,
  TruncatedFrameError,
  UnknownFrameTypeError,
  WriteZeroError,
  X86_LITTLE_ENDIAN_PROFILE,
} from "../../mod.ts";
import {
  concat,
  findPatternMismatch,
  loopbackBufferBytes,
  patternBytes,
  randomBytes,
  randomInt,
  rawPeerPair,
  rawTcpPair,
  readExactly,
  readFrames,
  readToEnd,
  ScriptedConn,
  seededRandom,
  tcpPair,
  writeRaw,
  WriteRecorder,
} from "./_utils.ts";

// Since Deno 2.8 the op and resource sanitizers are off unless asked for:
// every test here must close its sockets and settle its ops.
Deno.test.sanitizer({ ops: true, resources: true });

const MiB = 1024 * 1024;
// For tests that carry frames of every type byte-exact, Pings included: a
// FramedConn answers Pings itself by default and does not hand them out.
const EVERY_TYPE = { answerPings: false } as const;

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Cheap on success; on failure falls back to deepEqual for a readable diff. */
function assertFrameEqual(
  actual: Frame | null | undefined,
  expected: Frame,
  label = "",
): void {
  assert(actual, `expected a frame, got ${actual} ${label}`);
  assert.equal(actual.type, expected.type, `type ${label}`);
  if (!bytesEqual(actual.payload, expected.payload)) {
    assert.deepEqual(actual.payload, expected.payload, `payload ${label}`);
  }
}

function assertFramesEqual(actual: Frame[], expected: Frame[]): void {
  assert.equal(actual.length, expected.length, "frame count");
  for (let i = 0; i < expected.length; i++) {
    assertFrameEqual(actual[i], expected[i], `at frame ${i}`);
  }
}

function decodeAll(bytes: Uint8Array, options: FramedConnOptions = {}) {
  const decoder = new FrameDecoder(options);
  const frames = decoder.push(bytes);
  decoder.finish();
  return frames;
}

/** A frame's bytes in the default format, built by hand. */
function rawFrame(frame: Frame): Uint8Array {
  const bytes = new Uint8Array(5 + frame.payload.length);
  bytes[0] = frame.type;
  new DataView(bytes.buffer).setUint32(1, frame.payload.length);
  bytes.set(frame.payload, 5);
  return bytes;
}

function encodedLength(frames: Frame[], headerLength = 5): number {
  let total = 0;
  for (const frame of frames) total += headerLength + frame.payload.length;
  return total;
}

function randomFrames(
  random: () => number,
  count: number,
  maxBytes: number,
): Frame[] {
  return Array.from({ length: count }, () => ({
    type: randomInt(random, 0, 255),
    payload: randomBytes(random, randomInt(random, 0, maxBytes)),
  }));
}

async function receiveAll(conn: FramedConn<Deno.TcpConn>): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of conn) frames.push(frame);
  return frames;
}

// ---------------------------------------------------------------------------
// Short writes

Deno.test("FramedConn sends intact frames through a conn that accepts one byte per write", async () => {
  const random = seededRandom(11);
  // Sizes around the slab limit (256) and past batchBytes (64), so the batch
  // path and the write-the-payload-in-place path both meet 1-byte writes.
  const frames = [0, 1, 5, 63, 64, 255, 256, 257, 1000, 5000].map((size) => ({
    type: randomInt(random, 0, 255),
    payload: randomBytes(random, size),
  }));
  const fake = new ScriptedConn({ writeCount: () => 1 });
  using conn = new FramedConn(fake, { batchBytes: 64 });
  await conn.sendMany(frames.slice(0, 4));
  await Promise.all(frames.slice(4).map((frame) => conn.send(frame)));
  const written = fake.written;
  assert.equal(written.length, encodedLength(frames));
  assertFramesEqual(decodeAll(written), frames);
  assert.equal(fake.writeRequests.length, written.length);
  assert.equal(conn.stats.bytesSent, written.length);
  assert.equal(conn.stats.framesSent, frames.length);
  assert.equal(conn.queuedBytes, 0);
});

Deno.test("FramedConn sends intact frames through conns that accept random short counts", async () => {
  for (let seed = 1; seed <= 10; seed++) {
    const random = seededRandom(seed);
    const frames = randomFrames(random, 60, 3000);
    // Every sixth frame is larger than batchBytes.
    for (let i = 0; i < frames.length; i += 6) {
      frames[i] = { type: i, payload: randomBytes(random, 70_000 + i) };
    }
    const fake = new ScriptedConn({
      writeCount: (requested) =>
        randomInt(random, 1, Math.min(requested, 9000)),
    });
    using conn = new FramedConn(fake, { batchBytes: 65536 });
    await Promise.all([
      conn.sendMany(frames.slice(0, 20)),
      ...frames.slice(20).map((frame) => conn.send(frame)),
    ]);
    assertFramesEqual(decodeAll(fake.written), frames);
    assert.equal(conn.stats.bytesSent, encodedLength(frames), `seed ${seed}`);
    assert.equal(conn.stats.framesSent, frames.length, `seed ${seed}`);
  }
});

Deno.test("FramedConn fails the send and every queued send when a write returns 0", async () => {
  const fake = new ScriptedConn({
    writeCount: (_, call) => {
      if (call > 100) throw new Error("write() called forever");
      return call === 0 ? 3 : 0;
    },
  });
  using conn = new FramedConn(fake);
  const first = conn.send({ type: 1, payload: new Uint8Array(10) });
  // Queued while the first write is in flight.
  const second = conn.send({ type: 1, payload: new Uint8Array(10) });
  const results = await Promise.allSettled([first, second]);
  assert.equal(results[0].status, "rejected");
  const zero = (results[0] as PromiseRejectedResult).reason;
  assert(zero instanceof WriteZeroError);
  assert.equal(zero.writtenBytes, 3);
  assert.equal(zero.totalBytes, 15);
  assert.equal(results[1].status, "rejected");
  const queued = (results[1] as PromiseRejectedResult).reason;
  assert(queued instanceof ConnectionClosedError);
  assert.equal(queued.cause, zero);
  await assert.rejects(conn.send({ type: 1, payload: new Uint8Array(1) }), (
    error,
  ) => {
    assert(error instanceof ConnectionClosedError);
    assert.equal(error.code, "CONNECTION_CLOSED");
    assert.equal(error.cause, zero);
    return true;
  });
  // Two write calls: no spinning on the zero-byte write.
  assert.deepEqual(fake.writeRequests, [15, 12]);
  assert.equal(conn.queuedBytes, 0);
  assert.equal(conn.stats.framesSent, 0);
});

Deno.test("FramedConn delivers more than loopback buffers hold byte-exact after the kernel made short writes to a paused reader", async () => {
  using pair = await rawTcpPair();
  const recorder = new WriteRecorder(pair.client);
  using sender = new FramedConn(recorder);
  using receiver = new FramedConn(pair.server);
  const frames: Frame[] = [];
  const seeds: number[] = [];
  // More than the kernel may buffer on loopback, so writes must come back
  // short whatever the machine's settings.
  const large = Math.ceil(loopbackBufferBytes() / (256 * 1024)) + 16;
  for (let i = 0; i < large; i++) {
    frames.push({ type: 0x80, payload: patternBytes(256 * 1024, i) });
    frames.push({ type: 1, payload: patternBytes(i, 1000 + i) });
    seeds.push(i, 1000 + i);
  }
  frames.push({ type: 0x81, payload: patternBytes(4 * MiB, 99) });
  seeds.push(99);
  const sending = Promise.all([
    sender.sendMany(frames.slice(0, 10)),
    ...frames.slice(10).map((frame) => sender.send(frame)),
  ]);
  // The receiver has not called receive(), so nothing is read: the kernel's
  // buffers (a few MiB on loopback) fill and write() starts returning short.
  const outcome = await Promise.race([
    recorder.firstShortWrite.then(() => "short write"),
    sending.then(() => "all sent"),
  ]);
  assert.equal(outcome, "short write");
  assert.equal(receiver.stats.bytesReceived, 0);
  assert(sender.queuedBytes > 0, "sends are still waiting for the reader");

  for (let i = 0; i < frames.length; i++) {
    const frame = await receiver.receive();
    assert(frame, `frame ${i}`);
    assert.equal(frame.type, frames[i].type, `type of frame ${i}`);
    assert.equal(frame.payload.length, frames[i].payload.length);
    assert.equal(
      findPatternMismatch(frame.payload, seeds[i]),
      -1,
      `frame ${i}`,
    );
  }
  await sending;
  assert(recorder.shortWrites >= 1);
  assert.equal(sender.queuedBytes, 0);
  assert.equal(sender.stats.framesSent, frames.length);
  assert.equal(receiver.stats.framesReceived, frames.length);
  assert.equal(sender.stats.bytesSent, encodedLength(frames));
  assert.equal(receiver.stats.bytesReceived, sender.stats.bytesSent);
});

// ---------------------------------------------------------------------------
// The largest message

const MAX_64_MIB = 64 * MiB;

Deno.test("FramedConn carries a frame of exactly maxFrameLength (64 MiB) over loopback byte-exact", async () => {
  using pair = await tcpPair({ maxFrameLength: MAX_64_MIB, ...EVERY_TYPE });
  const payload = patternBytes(MAX_64_MIB, 64);
  const [, frame] = await Promise.all([
    pair.client.send({ type: 0x80, payload }),
    pair.server.receive(),
  ]);
  assert(frame);
  assert.equal(frame.type, 0x80);
  assert.equal(frame.payload.length, MAX_64_MIB);
  assert.equal(findPatternMismatch(frame.payload, 64), -1);
  // The stream is still in step after it.
  await pair.client.send({ type: 2, payload: new Uint8Array([42]) });
  assertFrameEqual(await pair.server.receive(), {
    type: 2,
    payload: new Uint8Array([42]),
  });
  assert.equal(pair.client.stats.bytesSent, MAX_64_MIB + 5 + 6);
  assert.equal(pair.server.stats.bytesReceived, MAX_64_MIB + 5 + 6);
  assert.equal(pair.server.stats.framesReceived, 2);
});

Deno.test("FramedConn refuses to send maxFrameLength + 1 before writing anything and stays usable", async () => {
  using pair = await tcpPair({ maxFrameLength: MAX_64_MIB });
  const oversized = { type: 0, payload: new Uint8Array(MAX_64_MIB + 1) };
  const small = { type: 2, payload: new Uint8Array([7]) };
  const before = pair.client.stats;
  await assert.rejects(pair.client.send(oversized), (error) => {
    assert(error instanceof FrameTooLargeError);
    assert.equal(error.code, "FRAME_TOO_LARGE");
    assert.equal(error.length, MAX_64_MIB + 1);
    assert.equal(error.maxFrameLength, MAX_64_MIB);
    assert.equal(error.direction, "send");
    return true;
  });
  // A batch holding it is refused whole: its small frame is not sent either.
  await assert.rejects(
    pair.client.sendMany([small, oversized]),
    FrameTooLargeError,
  );
  assert.deepEqual(pair.client.stats, before);
  assert.equal(pair.client.queuedBytes, 0);

  await pair.client.send({ type: 3, payload: new Uint8Array([8, 9]) });
  assertFrameEqual(await pair.server.receive(), {
    type: 3,
    payload: new Uint8Array([8, 9]),
  });
  assert.equal(pair.client.stats.bytesSent, 7);
  assert.equal(pair.server.stats.bytesReceived, 7);
});

Deno.test("FramedConn refuses a header declaring maxFrameLength + 1 from the header alone", async () => {
  using pair = await rawPeerPair({ maxFrameLength: MAX_64_MIB });
  // 64 MiB + 1, big-endian; no payload follows and the peer stays open.
  await writeRaw(pair.raw, [0x80, 0x04, 0x00, 0x00, 0x01]);
  await assert.rejects(pair.framed.receive(), (error) => {
    assert(error instanceof FrameTooLargeError);
    assert.equal(error.length, MAX_64_MIB + 1);
    assert.equal(error.maxFrameLength, MAX_64_MIB);
    assert.equal(error.direction, "receive");
    return true;
  });
  assert.equal(pair.framed.stats.bytesReceived, 5);
  // The stream cannot be resynchronised: later calls fail the same way.
  await assert.rejects(pair.framed.receive(), FrameTooLargeError);
  await assert.rejects(pair.framed.receiveMany(), FrameTooLargeError);
});

// ---------------------------------------------------------------------------
// Volume and concurrency

Deno.test("FramedConn delivers 100,000 small frames in order with matching stats", async () => {
  const random = seededRandom(100_000);
  const frames = randomFrames(random, 100_000, 16);
  using pair = await tcpPair(EVERY_TYPE);
  const sending = (async () => {
    for (let i = 0; i < frames.length; i += 1000) {
      const block = frames.slice(i, i + 1000);
      // Alternate blocks between one sendMany and 1000 concurrent sends.
      if ((i / 1000) % 2 === 0) await pair.client.sendMany(block);
      else await Promise.all(block.map((frame) => pair.client.send(frame)));
    }
    await pair.client.closeWrite();
  })();
  let index = 0;
  while (true) {
    const batch = await pair.server.receiveMany();
    if (batch === null) break;
    assert(batch.length > 0);
    for (const frame of batch) {
      assert(index < frames.length, "more frames than were sent");
      assertFrameEqual(frame, frames[index], `at frame ${index}`);
      index++;
    }
  }
  await sending;
  assert.equal(index, frames.length);
  const sent = pair.client.stats;
  const received = pair.server.stats;
  assert.equal(sent.framesSent, 100_000);
  assert.equal(received.framesReceived, sent.framesSent);
  assert.equal(sent.bytesSent, encodedLength(frames));
  assert.equal(received.bytesReceived, sent.bytesSent);
});

/** The frame task `task` sends as number `seq`: tagged, with a known body. */
function taskFrame(task: number, seq: number, size: number): Frame {
  const payload = patternBytes(size, task * 1000 + seq);
  payload[0] = task;
  payload[1] = seq >>> 8;
  payload[2] = seq & 0xff;
  return { type: task, payload };
}

function taskSizes(task: number, count: number): number[] {
  const random = seededRandom(task + 1);
  // One frame in ten is larger than the 4 KiB batch used below.
  return Array.from(
    { length: count },
    () =>
      random() < 0.1
        ? randomInt(random, 5000, 20_000)
        : randomInt(random, 3, 500),
  );
}

/** Sends `count` frames as task `task`, in one of three styles. */
async function runTask(
  conn: FramedConn<ByteConn>,
  task: number,
  count: number,
): Promise<void> {
  const sizes = taskSizes(task, count);
  const frames = sizes.map((size, seq) => taskFrame(task, seq, size));
  switch (task % 3) {
    case 0: // one at a time
      for (const frame of frames) await conn.send(frame);
      break;
    case 1: // all at once
      await Promise.all(frames.map((frame) => conn.send(frame)));
      break;
    default: // groups of ten
      for (let i = 0; i < frames.length; i += 10) {
        await conn.sendMany(frames.slice(i, i + 10));
      }
  }
}

/** Checks frames from `tasks` concurrent tasks: intact, in per-task order. */
function checkTaskFrames(frames: Frame[], tasks: number, count: number) {
  const sizes = Array.from(
    { length: tasks },
    (_, task) => taskSizes(task, count),
  );
  const next = new Array<number>(tasks).fill(0);
  for (const frame of frames) {
    const task = frame.type;
    assert(task < tasks, `unknown task ${task}`);
    const seq = next[task]++;
    const payload = frame.payload;
    assert.equal(payload.length, sizes[task][seq], `task ${task} seq ${seq}`);
    assert.deepEqual(
      [payload[0], (payload[1] << 8) | payload[2]],
      [task, seq],
      `task ${task} frame out of order`,
    );
    assert(
      bytesEqual(payload, taskFrame(task, seq, payload.length).payload),
      `task ${task} seq ${seq} corrupted`,
    );
  }
  assert.deepEqual(next, new Array<number>(tasks).fill(count));
}

Deno.test("FramedConn never interleaves frames of 50 concurrent senders on one socket", async () => {
  const tasks = 50;
  const count = 200;
  using pair = await tcpPair({ batchBytes: 4096, ...EVERY_TYPE });
  const receiving = receiveAll(pair.server);
  await Promise.all(
    Array.from(
      { length: tasks },
      (_, task) => runTask(pair.client, task, count),
    ),
  );
  await pair.client.closeWrite();
  const frames = await receiving;
  assert.equal(frames.length, tasks * count);
  checkTaskFrames(frames, tasks, count);
  assert.equal(pair.client.stats.framesSent, tasks * count);
  assert.equal(pair.server.stats.framesReceived, tasks * count);
  assert.equal(pair.server.stats.bytesReceived, pair.client.stats.bytesSent);
});

Deno.test("FramedConn never interleaves frames of concurrent senders when writes are short", async () => {
  const random = seededRandom(5);
  const fake = new ScriptedConn({
    writeCount: (requested) => randomInt(random, 1, Math.min(requested, 3000)),
  });
  using conn = new FramedConn(fake, { batchBytes: 4096 });
  await Promise.all(
    Array.from({ length: 12 }, (_, task) => runTask(conn, task, 40)),
  );
  checkTaskFrames(decodeAll(fake.written), 12, 40);
});

// ---------------------------------------------------------------------------
// Bad input from the peer

/** Receives until an error (returned) or the end of the stream (null). */
async function receiveUntilError(
  conn: FramedConn<Deno.TcpConn>,
  limit = 10_000,
): Promise<{ frames: Frame[]; error: unknown }> {
  const frames: Frame[] = [];
  for (let i = 0; i < limit; i++) {
    try {
      const frame = await conn.receive();
      if (frame === null) return { frames, error: null };
      frames.push(frame);
    } catch (error) {
      return { frames, error };
    }
  }
  throw new Error(`No error or end after ${limit} frames`);
}

Deno.test("FramedConn turns an HTTP request into FrameTooLargeError", async () => {
  using pair = await rawPeerPair();
  await writeRaw(pair.raw, new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
  pair.raw.close();
  const { frames, error } = await receiveUntilError(pair.framed);
  assert.equal(frames.length, 0);
  assert(error instanceof FrameTooLargeError);
  // "G" is the type, "ET /" the length.
  assert.equal(error.length, 0x4554202f);
  assert.equal(error.maxFrameLength, DEFAULT_MAX_FRAME_LENGTH);
  assert.equal(error.direction, "receive");
});

Deno.test("FramedConn answers random garbage then close with a typed error, never a hang", async () => {
  for (let seed = 1; seed <= 8; seed++) {
    const random = seededRandom(seed);
    using pair = await rawPeerPair();
    await writeRaw(pair.raw, randomBytes(random, randomInt(random, 1, 2000)));
    pair.raw.close();
    const { error } = await receiveUntilError(pair.framed);
    assert(
      error instanceof FrameTooLargeError ||
        error instanceof TruncatedFrameError,
      `seed ${seed}: ${error}`,
    );
  }
});

Deno.test("FramedConn rejects a length of 0xFFFFFFFF with FrameTooLargeError", async () => {
  using pair = await rawPeerPair();
  await writeRaw(pair.raw, [0, 0xff, 0xff, 0xff, 0xff]);
  await assert.rejects(pair.framed.receive(), (error) => {
    assert(error instanceof FrameTooLargeError);
    assert.equal(error.length, 0xffff_ffff);
    assert.equal(error.maxFrameLength, DEFAULT_MAX_FRAME_LENGTH);
    assert.equal(error.direction, "receive");
    return true;
  });
});

Deno.test("FramedConn reports a peer closing inside a frame as TruncatedFrameError with exact counts", async () => {
  const whole = [3, 0, 0, 0, 2, 0xaa, 0xbb];
  const cases: {
    name: string;
    bytes: Uint8Array;
    frames: number;
    receivedBytes: number;
    missingBytes: number;
    inHeader: boolean;
  }[] = [
    {
      name: "after 1 header byte",
      bytes: new Uint8Array([2]),
      frames: 0,
      receivedBytes: 1,
      missingBytes: 4,
      inHeader: true,
    },
    {
      name: "after 3 of 5 header bytes",
      bytes: new Uint8Array([2, 0, 0]),
      frames: 0,
      receivedBytes: 3,
      missingBytes: 2,
      inHeader: true,
    },
    {
      name: "inside the header of a second frame",
      bytes: new Uint8Array([...whole, 2, 0, 0, 0]),
      frames: 1,
      receivedBytes: 4,
      missingBytes: 1,
      inHeader: true,
    },
    {
      name: "after the header, before the payload",
      bytes: new Uint8Array([2, 0, 0, 0, 10]),
      frames: 0,
      receivedBytes: 5,
      missingBytes: 10,
      inHeader: false,
    },
    {
      name: "after 4 of 10 payload bytes",
      bytes: new Uint8Array([...whole, 2, 0, 0, 0, 10, 1, 2, 3, 4]),
      frames: 1,
      receivedBytes: 9,
      missingBytes: 6,
      inHeader: false,
    },
    {
      // Large enough to be read straight into the payload buffer.
      name: "after 300,000 of 1 MiB payload bytes",
      bytes: concat([
        new Uint8Array([0x80, 0x00, 0x10, 0x00, 0x00]),
        new Uint8Array(300_000),
      ]),
      frames: 0,
      receivedBytes: 300_005,
      missingBytes: MiB - 300_000,
      inHeader: false,
    },
  ];
  for (const c of cases) {
    using pair = await rawPeerPair();
    await writeRaw(pair.raw, c.bytes);
    pair.raw.close();
    const { frames, error } = await receiveUntilError(pair.framed);
    assert.equal(frames.length, c.frames, c.name);
    if (c.frames > 0) {
      assertFrameEqual(frames[0], {
        type: 3,
        payload: new Uint8Array([0xaa, 0xbb]),
      });
    }
    assert(error instanceof TruncatedFrameError, `${c.name}: ${error}`);
    assert.equal(error.code, "FRAME_TRUNCATED");
    assert.equal(error.receivedBytes, c.receivedBytes, c.name);
    assert.equal(error.missingBytes, c.missingBytes, c.name);
    assert.equal(error.inHeader, c.inHeader, c.name);
    assert.equal(pair.framed.stats.bytesReceived, c.bytes.length, c.name);
    // The end of the stream does not turn the error into a clean null.
    await assert.rejects(pair.framed.receive(), TruncatedFrameError);
  }
});

Deno.test("FramedConn delivers the frames before a bad header, then fails", async () => {
  const good: Frame[] = [
    { type: 1, payload: new Uint8Array([1]) },
    { type: 2, payload: new Uint8Array(0) },
    { type: 0x80, payload: patternBytes(1000, 3) },
  ];
  for (const style of ["receive", "receiveMany"]) {
    using pair = await rawPeerPair(EVERY_TYPE);
    // One write, so the frames and the bad header arrive in one read.
    await writeRaw(
      pair.raw,
      concat([
        ...good.map(rawFrame),
        new Uint8Array([9, 0x7f, 0xff, 0xff, 0xff]),
      ]),
    );
    const received: Frame[] = [];
    if (style === "receive") {
      for (let i = 0; i < good.length; i++) {
        received.push((await pair.framed.receive())!);
      }
    } else {
      while (received.length < good.length) {
        received.push(...(await pair.framed.receiveMany())!);
      }
    }
    assertFramesEqual(received, good);
    let first: unknown;
    await assert.rejects(pair.framed.receive(), (error) => {
      assert(error instanceof FrameTooLargeError);
      assert.equal(error.length, 0x7fff_ffff);
      first = error;
      return true;
    });
    await assert.rejects(pair.framed.receive(), (error) => error === first);
    assert.equal(pair.framed.stats.framesReceived, good.length);
  }
});

Deno.test("FramedConn still sends after a receive error, so the peer can be told why", async () => {
  using pair = await rawPeerPair();
  await writeRaw(pair.raw, [0, 0xff, 0xff, 0xff, 0xff]);
  let reason: FrameTooLargeError | undefined;
  await assert.rejects(pair.framed.receive(), (error) => {
    assert(error instanceof FrameTooLargeError);
    reason = error;
    return true;
  });
  const report = { code: reason!.code, message: reason!.message };
  await pair.framed.send({
    type: FrameType.Error,
    payload: new TextEncoder().encode(JSON.stringify(report)),
  });
  const [frame] = await readFrames(pair.raw, 1);
  assert.equal(frame.type, FrameType.Error);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(frame.payload)), {
    code: "FRAME_TOO_LARGE",
    message: reason!.message,
  });
});

// ---------------------------------------------------------------------------
// Closing

Deno.test("FramedConn.receive resolves null when the conn is closed locally while it waits", async () => {
  using pair = await tcpPair();
  const pending = pair.server.receive();
  const iterating = (async () => {
    const frames: Frame[] = [];
    for await (const frame of pair.client) frames.push(frame);
    return frames;
  })();
  pair.server.close();
  pair.client.close();
  assert.equal(await pending, null);
  assert.deepEqual(await iterating, []);
  assert.equal(await pair.server.receive(), null);
  assert.equal(await pair.server.receiveMany(), null);
  assert.equal(pair.server.closed, true);
});

Deno.test("FramedConn.send after close rejects with ConnectionClosedError", async () => {
  using pair = await tcpPair();
  pair.client.close();
  pair.client.close(); // closing twice is harmless
  for (
    const sending of [
      pair.client.send({ type: 1, payload: new Uint8Array([1]) }),
      pair.client.sendMany([{ type: 1, payload: new Uint8Array([1]) }]),
    ]
  ) {
    await assert.rejects(sending, (error) => {
      assert(error instanceof ConnectionClosedError);
      assert.equal(error.code, "CONNECTION_CLOSED");
      return true;
    });
  }
  assert.equal(pair.client.stats.bytesSent, 0);
  // The peer sees a clean end, not a partial frame.
  assert.equal(await pair.server.receive(), null);
});

Deno.test("FramedConn.close rejects the send in flight and every queued send", async () => {
  using pair = await rawTcpPair();
  const recorder = new WriteRecorder(pair.client);
  using sender = new FramedConn(recorder);
  // Nobody reads the server side, so 16 MiB cannot leave.
  const sends = [
    sender.send({ type: 0, payload: new Uint8Array(16 * MiB) }),
    sender.send({ type: 1, payload: new Uint8Array(10) }),
    sender.sendMany([{ type: 2, payload: new Uint8Array(10) }]),
  ];
  const stuck = await Promise.race([
    recorder.firstShortWrite.then(() => true),
    sends[0].then(() => false),
  ]);
  assert(stuck, "the first send should wait for the paused reader");
  assert(sender.queuedBytes > 0);
  sender.close();
  const results = await Promise.allSettled(sends);
  for (const result of results) {
    assert.equal(result.status, "rejected");
    assert(
      (result as PromiseRejectedResult).reason instanceof
        ConnectionClosedError,
    );
  }
  assert.equal(sender.queuedBytes, 0);
  assert.equal(sender.stats.framesSent, 0);
});

Deno.test("FramedConn.close rejects queued sends at once, without waiting for the write in flight", async () => {
  const fake = new ScriptedConn({ stallWrites: true });
  using conn = new FramedConn(fake);
  const inFlight = conn.send({ type: 1, payload: new Uint8Array([1]) });
  const queued = [
    conn.send({ type: 2, payload: new Uint8Array([2]) }),
    conn.sendMany([{ type: 3, payload: new Uint8Array([3]) }]),
  ];
  assert.equal(fake.stalledWrites, 1);
  conn.close();
  // The stalled write has not settled, yet the queued sends are rejected.
  for (const sending of queued) {
    await assert.rejects(sending, ConnectionClosedError);
  }
  assert.equal(fake.stalledWrites, 1);
  // As Deno does for a closed resource, the pending write then fails.
  fake.releaseWrites(new Deno.errors.BadResource());
  await assert.rejects(inFlight, (error) => {
    assert(error instanceof ConnectionClosedError);
    assert(error.cause instanceof Deno.errors.BadResource);
    return true;
  });
  assert.equal(conn.queuedBytes, 0);
  assert.deepEqual(fake.writeRequests, [6]);
});

// ---------------------------------------------------------------------------
// Options

Deno.test("FramedConn applies maxSendFrameLength and maxReceiveFrameLength separately", async () => {
  using pair = await tcpPair(
    { maxSendFrameLength: 10, maxReceiveFrameLength: 1000 },
    {},
  );
  await assert.rejects(
    pair.client.send({ type: 0, payload: new Uint8Array(11) }),
    (error) => {
      assert(error instanceof FrameTooLargeError);
      assert.equal(error.direction, "send");
      assert.equal(error.maxFrameLength, 10);
      return true;
    },
  );
  await pair.client.send({ type: 0, payload: new Uint8Array(10) });
  assert.equal((await pair.server.receive())?.payload.length, 10);

  // The client receives 100 times more than it may send ...
  const big = { type: 1, payload: patternBytes(1000, 1) };
  await pair.server.send(big);
  assertFrameEqual(await pair.client.receive(), big);
  // ... and not one byte more.
  await pair.server.send({ type: 1, payload: new Uint8Array(1001) });
  await assert.rejects(pair.client.receive(), (error) => {
    assert(error instanceof FrameTooLargeError);
    assert.equal(error.direction, "receive");
    assert.equal(error.length, 1001);
    assert.equal(error.maxFrameLength, 1000);
    return true;
  });
});

Deno.test("FramedConn speaks the x86 little-endian profile over a socket", async () => {
  using pair = await rawPeerPair(X86_LITTLE_ENDIAN_PROFILE);
  await pair.framed.send({
    type: 2,
    payload: new TextEncoder().encode("hello"),
  });
  assert.deepEqual(
    [...await readExactly(pair.raw, 10)],
    [2, 5, 0, 0, 0, 0x68, 0x65, 0x6c, 0x6c, 0x6f],
  );

  // 70,000 = 0x011170: little-endian on the wire, and past the read buffer.
  const payload = patternBytes(70_000, 5);
  await writeRaw(
    pair.raw,
    concat([new Uint8Array([0x81, 0x70, 0x11, 0x01, 0x00]), payload]),
  );
  assertFrameEqual(await pair.framed.receive(), { type: 0x81, payload });
});

Deno.test("FramedConn sends and receives untyped frames over a socket", async () => {
  using pair = await rawPeerPair({ typeByte: false });
  await pair.framed.send({ type: 0, payload: new Uint8Array([1, 2, 3]) });
  await assert.rejects(
    pair.framed.send({ type: 5, payload: new Uint8Array([1]) }),
    TypeError,
  );
  await writeRaw(pair.raw, [0, 0, 0, 2, 9, 9]);
  assertFrameEqual(await pair.framed.receive(), {
    type: 0,
    payload: new Uint8Array([9, 9]),
  });
  pair.framed.close();
  // The refused typed frame left no trace: only the untyped one is there.
  assert.deepEqual([...await readToEnd(pair.raw)], [0, 0, 0, 3, 1, 2, 3]);
});

Deno.test("FramedConn round-trips frames for every length width, byte order and type byte", async () => {
  for (const lengthFieldBytes of [1, 2, 4, 8] as LengthFieldBytes[]) {
    for (const littleEndian of [false, true]) {
      for (const typeByte of [true, false]) {
        const options = { lengthFieldBytes, littleEndian, typeByte };
        const label = JSON.stringify(options);
        // The largest payload each width carries (70,000 stands for "more
        // than the 64 KiB read buffer" where the field allows it).
        const limit = lengthFieldBytes === 1
          ? 255
          : lengthFieldBytes === 2
          ? 65535
          : 70_000;
        const frames = [0, 1, 200, limit].map((size, i) => ({
          type: typeByte ? 250 + i : 0,
          payload: patternBytes(size, i),
        }));
        using pair = await tcpPair(options);
        const receiving = receiveAll(pair.server);
        await pair.client.sendMany(frames);
        if (lengthFieldBytes <= 2) {
          await assert.rejects(
            pair.client.send({ type: 0, payload: new Uint8Array(limit + 1) }),
            FrameTooLargeError,
            label,
          );
        }
        await pair.client.closeWrite();
        assertFramesEqual(await receiving, frames);
        const headerLength = lengthFieldBytes + (typeByte ? 1 : 0);
        assert.equal(
          pair.server.stats.bytesReceived,
          encodedLength(frames, headerLength),
          label,
        );
      }
    }
  }
});

Deno.test("FramedConn refuses frame types outside acceptTypes", async () => {
  using pair = await tcpPair({}, { acceptTypes: [FrameType.Chat, 0x90] });
  await pair.client.sendMany([
    { type: FrameType.Chat, payload: new Uint8Array([1]) },
    { type: 0x90, payload: new Uint8Array([2]) },
    { type: FrameType.Ping, payload: new Uint8Array([3]) },
  ]);
  assert.equal((await pair.server.receive())?.type, FrameType.Chat);
  assert.equal((await pair.server.receive())?.type, 0x90);
  await assert.rejects(pair.server.receive(), (error) => {
    assert(error instanceof UnknownFrameTypeError);
    assert.equal(error.code, "FRAME_TYPE_UNKNOWN");
    assert.equal(error.frameType, FrameType.Ping);
    return true;
  });
});

Deno.test("FramedConn.closeWrite delivers everything queued, then null at the peer, and keeps receiving", async () => {
  using pair = await tcpPair();
  const frames = [
    ...randomFrames(seededRandom(9), 100, 100),
    { type: 0x80, payload: patternBytes(3 * MiB, 9) },
  ];
  // Not awaited: closeWrite must wait for them itself.
  const sends = frames.map((frame) => pair.client.send(frame));
  const closing = pair.client.closeWrite();
  const received = await receiveAll(pair.server);
  await Promise.all([...sends, closing]);
  assertFramesEqual(received, frames);
  assert.equal(await pair.server.receive(), null);
  // Half-closed: the other direction still works.
  await pair.server.send({ type: 4, payload: new Uint8Array([1, 2]) });
  assertFrameEqual(await pair.client.receive(), {
    type: 4,
    payload: new Uint8Array([1, 2]),
  });
});

Deno.test("FramedConn.closeWrite throws TypeError when the conn cannot half-close", async () => {
  using conn = new FramedConn(new ScriptedConn());
  await assert.rejects(conn.closeWrite(), TypeError);
  const fake = new ScriptedConn({ halfClose: true });
  using halfClosable = new FramedConn(fake);
  await halfClosable.send({ type: 1, payload: new Uint8Array([1]) });
  await halfClosable.closeWrite();
  assert.equal(fake.writeClosed, true);
  assert.deepEqual([...fake.written], [1, 0, 0, 0, 1, 1]);
});

Deno.test("FramedConn.receiveMany returns every frame one read decoded", async () => {
  // Under 1 KiB in all, so that one read of the idle-size buffer takes them.
  const frames = randomFrames(seededRandom(4), 10, 80);
  const bytes = concat(frames.map(rawFrame));
  assert.ok(bytes.length <= 1024);
  // The same bytes as one read, read twice over.
  using conn = new FramedConn(
    new ScriptedConn({ readChunks: [bytes, bytes] }),
    EVERY_TYPE,
  );
  assertFramesEqual((await conn.receiveMany())!, frames);
  assertFrameEqual(await conn.receive(), frames[0]);
  assertFramesEqual((await conn.receiveMany())!, frames.slice(1));
  assert.equal(await conn.receiveMany(), null);
  assert.equal(conn.stats.framesReceived, 20);
});

Deno.test("FramedConn iterates with for await until the peer closes", async () => {
  using pair = await tcpPair();
  const frames = randomFrames(seededRandom(8), 50, 1000);
  await pair.client.sendMany(frames);
  pair.client.close();
  assertFramesEqual(await receiveAll(pair.server), frames);
});

// ---------------------------------------------------------------------------
// Payload lifetime

Deno.test("FramedConn payloads stay valid after 1000 further reads", async () => {
  // First-frame sizes: one the decoder copies into its slab, one it may hand
  // out as a view of the read buffer, one assembled in its own buffer.
  for (const firstSize of [16, 20_000, 200_000]) {
    for (const readBufferBytes of [65536, 1024]) {
      const label = `first ${firstSize} bytes, read buffer ${readBufferBytes}`;
      const random = seededRandom(firstSize + readBufferBytes);
      const frames: Frame[] = [{
        type: 0,
        payload: patternBytes(firstSize, 0),
      }];
      for (let i = 1; i <= 1000; i++) {
        const size = random() < 0.2
          ? randomInt(random, 16_384, 40_000)
          : randomInt(random, 0, 2000);
        frames.push({ type: i & 0xff, payload: patternBytes(size, i) });
      }
      using pair = await tcpPair({ readBufferBytes, ...EVERY_TYPE });
      const sending = pair.client.sendMany(frames);
      const first = await pair.server.receive();
      assert(first);
      const kept: Frame[] = [first];
      for (let i = 1; i <= 1000; i++) kept.push((await pair.server.receive())!);
      await sending;
      assert.equal(
        pair.server.stats.bytesReceived,
        encodedLength(frames),
        label,
      );
      for (let i = 0; i < frames.length; i++) {
        assert.equal(kept[i].payload.length, frames[i].payload.length, label);
        assert.equal(
          findPatternMismatch(kept[i].payload, i),
          -1,
          `${label}: frame ${i} was overwritten`,
        );
      }
    }
  }
});

Deno.test("FramedConn.release reuses a payload's buffer for the next large frame", async () => {
  using pair = await tcpPair();
  const size = 512 * 1024;
  const frames = [1, 2, 3].map((seed) => ({
    type: 200,
    payload: patternBytes(size, seed),
  }));
  const sending = pair.client.sendMany(frames);
  const first = (await pair.server.receive())!;
  assert.deepEqual(first.payload, frames[0].payload);
  const reused = first.payload.buffer;
  pair.server.release(first.payload);
  pair.server.release(first.payload); // twice: kept once, not handed out twice
  const second = (await pair.server.receive())!;
  const third = (await pair.server.receive())!;
  await sending;
  assert.equal(second.payload.buffer, reused);
  assert.notEqual(third.payload.buffer, reused);
  assert.deepEqual(second.payload, frames[1].payload);
  assert.deepEqual(third.payload, frames[2].payload);
});

Deno.test("FramedConn.release ignores small payloads and views that do not start their buffer", async () => {
  using pair = await tcpPair();
  const size = 256 * 1024;
  const big = new Uint8Array(size + 10);
  const sending = pair.client.sendMany([
    { type: 1, payload: patternBytes(size, 1) },
    { type: 1, payload: patternBytes(size, 2) },
  ]);
  // An offset view and a small buffer are not pooled: neither may come back.
  pair.server.release(big.subarray(10));
  pair.server.release(new Uint8Array(1000));
  const first = (await pair.server.receive())!;
  const second = (await pair.server.receive())!;
  await sending;
  for (const frame of [first, second]) {
    assert.notEqual(frame.payload.buffer, big.buffer);
    assert.equal(frame.payload.byteLength, size);
  }
  assert.deepEqual(second.payload, patternBytes(size, 2));
});

Deno.test("FramedConn.release ignores buffers the decoder did not allocate for one payload", async () => {
  // A buffer the caller built (and may still use) must never be refilled.
  const size = 300 * 1024;
  const mine = new Uint8Array(size);
  const fake = new ScriptedConn({
    readChunks: [
      ...[1, 2].map((seed) =>
        encodeFrame({ type: 1, payload: patternBytes(size, seed) })
      ),
    ],
  });
  using conn = new FramedConn(fake, { readBufferBytes: 4096 });
  conn.release(mine);
  const a = (await conn.receive())!;
  conn.release(a.payload); // allocated by the decoder for a alone: pooled
  const b = (await conn.receive())!;
  assert.notEqual(a.payload.buffer, mine.buffer);
  assert.equal(b.payload.buffer, a.payload.buffer);
  assert.deepEqual(b.payload, patternBytes(size, 2));
  assert.ok(mine.every((byte) => byte === 0));
});

Deno.test("FramedConn gives concurrent receivers one frame each, never an empty slot", async () => {
  using pair = await tcpPair();
  const first = pair.server.receive();
  const second = pair.server.receive();
  const many = pair.server.receiveMany();
  // One frame per read: all three receivers wake on the read that brings it.
  await pair.client.send({ type: 200, payload: new Uint8Array([1]) });
  const got = [await first];
  await pair.client.send({ type: 200, payload: new Uint8Array([2]) });
  got.push(await second);
  await pair.client.send({ type: 200, payload: new Uint8Array([3]) });
  const rest = await many;
  assert.deepEqual(got.map((frame) => frame?.payload[0]), [1, 2]);
  assert.deepEqual(rest?.map((frame) => frame.payload[0]), [3]);
});

// ---------------------------------------------------------------------------
// Review regressions

Deno.test("FramedConn.release ignores a payload released again after its buffer was refilled", async () => {
  // a's buffer goes back to the pool and is refilled with b; a second
  // release(a) must not hand b's memory to c while b is still in use.
  const size = 300 * 1024;
  const fake = new ScriptedConn({
    readChunks: [1, 2, 3].map((seed) =>
      encodeFrame({ type: 1, payload: patternBytes(size, seed) })
    ),
  });
  using conn = new FramedConn(fake, { readBufferBytes: 4096 });
  const a = (await conn.receive())!;
  conn.release(a.payload);
  const b = (await conn.receive())!;
  assert.ok(b.payload.buffer === a.payload.buffer, "a's buffer not reused");
  conn.release(a.payload); // stale view of the buffer b now lives in
  const c = (await conn.receive())!;
  assert.ok(
    c.payload.buffer !== b.payload.buffer,
    "b's buffer handed out again",
  );
  assert.equal(findPatternMismatch(b.payload, 2), -1, "b was overwritten");
  assert.equal(findPatternMismatch(c.payload, 3), -1);
});

Deno.test("FramedConn.sendMany sends the frames given, even if the caller reuses its array", async () => {
  using pair = await tcpPair(EVERY_TYPE);
  const first = { type: 1, payload: patternBytes(100_000, 1) };
  const batch: Frame[] = [
    { type: 2, payload: new Uint8Array([2]) },
    { type: 3, payload: new Uint8Array([3]) },
  ];
  const expected = [first, ...batch];
  // The first write is in flight, so the batch waits in the queue while
  // the caller empties and refills its array.
  const sends = [pair.client.send(first), pair.client.sendMany(batch)];
  batch.length = 0;
  batch.push({ type: 9, payload: new Uint8Array(5) });
  await Promise.all(sends);
  await pair.client.closeWrite();
  assertFramesEqual(await receiveAll(pair.server), expected);
});

Deno.test("FramedConn.sendMany rejects, never throws, when the iterable throws midway", async () => {
  using conn = new FramedConn(new ScriptedConn());
  function* frames(): Generator<Frame> {
    yield { type: 1, payload: new Uint8Array([1]) };
    throw new Error("source failed");
  }
  let sending: Promise<void> | undefined;
  assert.doesNotThrow(() => {
    sending = conn.sendMany(frames());
  });
  await assert.rejects(sending!, /source failed/);
  await conn.send({ type: 2, payload: new Uint8Array([2]) });
  assert.equal(conn.stats.framesSent, 1);
});

Deno.test("FramedConn.send after closeWrite rejects with ConnectionClosedError, and the peer sees a clean end", async () => {
  using pair = await tcpPair();
  const before = { type: 1, payload: new Uint8Array([1]) };
  const sending = pair.client.send(before);
  const closing = pair.client.closeWrite();
  // Called while the half-close waits for the queue: too late to be sent.
  const late = pair.client.send({ type: 2, payload: new Uint8Array([2]) });
  await assert.rejects(late, ConnectionClosedError);
  await sending;
  await closing;
  await assert.rejects(
    pair.client.send({ type: 3, payload: new Uint8Array([3]) }),
    ConnectionClosedError,
  );
  assertFramesEqual(await receiveAll(pair.server), [before]);
  // The receive side is untouched by the half-close.
  await pair.server.send({ type: 4, payload: new Uint8Array([4]) });
  assertFrameEqual(await pair.client.receive(), {
    type: 4,
    payload: new Uint8Array([4]),
  });
});

Deno.test("FramedConn treats an UnexpectedEof read (TLS without close_notify) as the end of the stream", async () => {
  // Deno's TLS reads fail with UnexpectedEof when the peer hangs up without a
  // close_notify; only a fake can script that failure exactly.
  const eofAfter = (bytes: Uint8Array) => {
    let served = false;
    return {
      read(buffer: Uint8Array): Promise<number | null> {
        if (served) {
          return Promise.reject(
            new Deno.errors.UnexpectedEof("peer closed without close_notify"),
          );
        }
        served = true;
        buffer.set(bytes);
        return Promise.resolve(bytes.length);
      },
      write: (bytes: Uint8Array) => Promise.resolve(bytes.length),
      close() {},
    };
  };
  const whole = encodeFrame({ type: 3, payload: new Uint8Array([7]) });
  using clean = new FramedConn(eofAfter(whole));
  assert.equal((await clean.receive())?.type, 3);
  assert.equal(await clean.receive(), null);
  using cut = new FramedConn(eofAfter(whole.subarray(0, 5)));
  await assert.rejects(cut.receive(), (error) => {
    assert.ok(error instanceof TruncatedFrameError);
    assert.equal(error.missingBytes, 1);
    return true;
  });
});

// ---------------------------------------------------------------------------
// flush()

Deno.test("FramedConn.flush resolves once every frame queued before it is written, and sends nothing", async () => {
  const fake = new ScriptedConn({ stallWrites: true });
  using conn = new FramedConn(fake);
  const sent = conn.send({ type: 1, payload: new Uint8Array([1, 2]) });
  let flushed = false;
  const flushing = conn.flush().then(() => flushed = true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(flushed, false, "flush resolved before the write");
  assert.equal(conn.queuedBytes, 7);
  fake.releaseWrites();
  await Promise.all([sent, flushing]);
  assert.equal(conn.queuedBytes, 0);
  assert.deepEqual([...fake.written], [1, 0, 0, 0, 2, 1, 2]);
  assert.equal(conn.stats.framesSent, 1);
  // With nothing queued it resolves at once, and sendMany([]) still works.
  await conn.flush();
  await conn.sendMany([]);
  assert.equal(conn.stats.bytesSent, 7);
});

Deno.test("FramedConn.flush is never refused by maxQueuedBytes", async () => {
  const fake = new ScriptedConn({ stallWrites: true });
  using conn = new FramedConn(fake, { maxQueuedBytes: 10 });
  const big = conn.send({ type: 1, payload: new Uint8Array(100) });
  const flushing = conn.flush();
  fake.releaseWrites();
  await Promise.all([big, flushing]);
});

Deno.test("FramedConn.flush rejects like a send when the write fails, after close and after closeWrite", async () => {
  const fake = new ScriptedConn({ stallWrites: true, halfClose: true });
  const conn = new FramedConn(fake);
  const sent = conn.send({ type: 1, payload: new Uint8Array([1]) });
  const flushing = conn.flush();
  fake.releaseWrites(new Deno.errors.BrokenPipe());
  await assert.rejects(sent, Deno.errors.BrokenPipe);
  // Queued behind the failed write, as a send queued there would be.
  const brokenPipe = (error: unknown) => {
    assert(error instanceof ConnectionClosedError);
    assert(error.cause instanceof Deno.errors.BrokenPipe);
    return true;
  };
  await assert.rejects(flushing, brokenPipe);
  await assert.rejects(conn.flush(), brokenPipe);
  conn.close();
  await assert.rejects(conn.flush(), ConnectionClosedError);

  const other = new FramedConn(new ScriptedConn({ halfClose: true }));
  await other.closeWrite();
  await assert.rejects(other.flush(), ConnectionClosedError);
  other.close();
});

// ---------------------------------------------------------------------------
// resolveFramedConnOptions

Deno.test("resolveFramedConnOptions fills every default and freezes the result", () => {
  const resolved = resolveFramedConnOptions();
  assert.ok(Object.isFrozen(resolved));
  assert.deepEqual(
    { ...resolved, sendCodec: undefined, receiveCodec: undefined },
    {
      lengthFieldBytes: 4,
      littleEndian: false,
      typeByte: true,
      maxFrameLength: DEFAULT_MAX_FRAME_LENGTH,
      headerLength: 5,
      maxSendFrameLength: DEFAULT_MAX_FRAME_LENGTH,
      maxReceiveFrameLength: DEFAULT_MAX_FRAME_LENGTH,
      acceptTypes: undefined,
      readBufferBytes: 65536,
      batchBytes: 65536,
      answerPings: true,
      maxQueuedBytes: Infinity,
      sendCodec: undefined,
      receiveCodec: undefined,
    },
  );
  assert.equal(resolved.sendCodec.maxFrameLength, DEFAULT_MAX_FRAME_LENGTH);
  assert.equal(resolveFramedConnOptions(resolved), resolved);
});

Deno.test("resolveFramedConnOptions gives each side its own codec limit and keeps acceptTypes", () => {
  const resolved = resolveFramedConnOptions({
    lengthFieldBytes: 2,
    maxSendFrameLength: 10,
    maxReceiveFrameLength: 1000,
    acceptTypes: new Set([3, 1]),
  });
  assert.equal(resolved.maxFrameLength, 65535);
  assert.equal(resolved.sendCodec.maxFrameLength, 10);
  assert.equal(resolved.receiveCodec.maxFrameLength, 1000);
  assert.equal(resolved.sendCodec.lengthFieldBytes, 2);
  assert.deepEqual(resolved.acceptTypes, [3, 1]);
  assert.ok(Object.isFrozen(resolved.acceptTypes));
  // Without a type byte there is no type to filter, as in FrameDecoder.
  assert.equal(
    resolveFramedConnOptions({ typeByte: false, acceptTypes: [300] })
      .acceptTypes,
    undefined,
  );
});

Deno.test("resolveFramedConnOptions refuses bad options with the option's name", () => {
  const cases: [unknown, ErrorConstructor, string][] = [
    [
      5,
      TypeError,
      "Cannot create a framed connection: expected an options object, got 5",
    ],
    [
      { readBufferBytes: 0 },
      RangeError,
      "Cannot use readBufferBytes 0: expected an integer from 1 to 1073741824",
    ],
    [{ batchBytes: 1.5 }, RangeError, "Cannot use batchBytes 1.5"],
    [
      { batchBytes: "64" },
      TypeError,
      'Cannot use batchBytes "64": expected a number',
    ],
    [
      { maxQueuedBytes: 0 },
      RangeError,
      "Cannot use maxQueuedBytes 0: expected an integer of at least 1 or Infinity",
    ],
    [{ maxQueuedBytes: NaN }, RangeError, "Cannot use maxQueuedBytes NaN"],
    [
      { lengthFieldBytes: 2, maxSendFrameLength: 65536 },
      RangeError,
      "Cannot use maxSendFrameLength 65536: expected an integer from 0 to 65535",
    ],
    [
      { maxReceiveFrameLength: -1 },
      RangeError,
      "Cannot use maxReceiveFrameLength -1",
    ],
    [
      { acceptTypes: [1, 256] },
      RangeError,
      "Cannot use acceptTypes type 256: expected an integer from 0 to 255",
    ],
    [
      { littleEndian: "yes" },
      TypeError,
      'Cannot use littleEndian "yes": expected a boolean',
    ],
  ];
  for (const [options, type, message] of cases) {
    for (
      const build of [
        () => resolveFramedConnOptions(options as FramedConnOptions),
        () => new FramedConn(new ScriptedConn(), options as FramedConnOptions),
      ]
    ) {
      assert.throws(build, (error: unknown) => {
        assert.ok(error instanceof type, `${message}: ${error}`);
        assert.ok(
          (error as Error).message.startsWith(message),
          (error as Error).message,
        );
        return true;
      });
    }
  }
});

Deno.test("FramedConn uses resolved options as they are, without checking them again", async () => {
  const resolved = resolveFramedConnOptions({
    maxSendFrameLength: 4,
    batchBytes: 16,
  });
  // Reading an option of a resolved object would show up here.
  let reads = 0;
  const watched = new Proxy(resolved, {
    get(target, key, receiver) {
      if (typeof key === "string") reads++;
      return Reflect.get(target, key, receiver);
    },
  }) as ResolvedFramedConnOptions;
  assert.equal(resolveFramedConnOptions(resolved), resolved);
  const fake = new ScriptedConn();
  using conn = new FramedConn(fake, resolved);
  await assert.rejects(
    conn.send({ type: 1, payload: new Uint8Array(5) }),
    FrameTooLargeError,
  );
  await conn.send({ type: 1, payload: new Uint8Array(4) });
  assert.deepEqual(fake.writeRequests, [9]);
  // A proxy is not the resolved object: it is checked like raw options.
  using other = new FramedConn(new ScriptedConn(), watched);
  assert.ok(reads > 0);
  await other.send({ type: 1, payload: new Uint8Array(4) });
});

Deno.test("FramedConn.flush and an empty send are accepted even when one oversized frame fills the queue", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using a = new FramedConn(await Deno.connect({ port: listener.addr.port }), {
    maxQueuedBytes: 16,
  });
  using b = new FramedConn(await listener.accept());
  const big = { type: 200, payload: new Uint8Array(64 * 1024) };
  const first = a.send(big); // into an empty queue: always accepted
  // Regression: the barrier was refused with SEND_QUEUE_FULL here.
  const barrier = a.flush();
  const emptySend = a.sendMany([]);
  const refused = a.send(big); // a real frame over the limit is still refused
  await assert.rejects(refused, SendQueueFullError);
  await Promise.all([first, barrier, emptySend]);
  assert.equal(a.queuedBytes, 0);
  assert.equal((await b.receive())?.payload.length, 64 * 1024);
});

// ---------------------------------------------------------------------------
// Pings answered by default

Deno.test("FramedConn answers each Ping with a Pong of the same payload while it waits, and never delivers the Ping", async () => {
  using pair = await rawPeerPair();
  const next = pair.framed.receive();
  const payloads = [
    new Uint8Array(0),
    new Uint8Array([1, 2, 3]),
    patternBytes(3000, 5),
  ];
  for (const payload of payloads) {
    await writeRaw(pair.raw, encodeFrame({ type: FrameType.Ping, payload }));
    const [pong] = await readFrames(pair.raw, 1);
    assertFrameEqual(pong, { type: FrameType.Pong, payload });
  }
  // Pings inside one read among other frames: answered in order, and the
  // other frames delivered in order without them.
  await writeRaw(
    pair.raw,
    concat([
      encodeFrame({ type: FrameType.Ping, payload: new Uint8Array([7]) }),
      encodeFrame({ type: 9, payload: new Uint8Array([1]) }),
      encodeFrame({ type: FrameType.Ping, payload: new Uint8Array([8]) }),
      encodeFrame({ type: 9, payload: new Uint8Array([2]) }),
    ]),
  );
  assertFrameEqual(await next, { type: 9, payload: new Uint8Array([1]) });
  assertFrameEqual(await pair.framed.receive(), {
    type: 9,
    payload: new Uint8Array([2]),
  });
  const pongs = await readFrames(pair.raw, 2);
  assert.deepEqual(pongs.map((f) => [f.type, ...f.payload]), [
    [FrameType.Pong, 7],
    [FrameType.Pong, 8],
  ]);
  assert.equal(pair.framed.stats.framesReceived, 7);
  assert.equal(pair.framed.stats.framesSent, 5);
});

Deno.test("FramedConn answers Pings while the application reads nothing, once it has sent or received", async () => {
  using pair = await rawPeerPair();
  // A client that only sends (or waits between requests) calls no receive.
  await pair.framed.send({ type: 9, payload: new Uint8Array([1]) });
  assert.deepEqual(
    (await readFrames(pair.raw, 1)).map((f) => [f.type, ...f.payload]),
    [[9, 1]],
  );
  for (let i = 0; i < 3; i++) {
    await writeRaw(
      pair.raw,
      encodeFrame({ type: FrameType.Ping, payload: new Uint8Array([i]) }),
    );
    assert.deepEqual(
      (await readFrames(pair.raw, 1)).map((f) => [f.type, ...f.payload]),
      [[FrameType.Pong, i]],
    );
  }
  // Another frame is read in the background too, and waits for receive():
  // reading stops there, a Ping behind it waits in TCP.
  await writeRaw(
    pair.raw,
    concat([
      encodeFrame({ type: 9, payload: new Uint8Array([2]) }),
    ]),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  assertFrameEqual(await pair.framed.receive(), {
    type: 9,
    payload: new Uint8Array([2]),
  });
  // Taking the last queued frame starts reading again, one turn later.
  await writeRaw(
    pair.raw,
    encodeFrame({ type: FrameType.Ping, payload: new Uint8Array([9]) }),
  );
  assert.deepEqual(
    (await readFrames(pair.raw, 1)).map((f) => [f.type, ...f.payload]),
    [[FrameType.Pong, 9]],
  );
});

Deno.test("FramedConn with answerPings false delivers Pings to receive() and sends nothing", async () => {
  using pair = await rawPeerPair({ answerPings: false });
  await writeRaw(
    pair.raw,
    encodeFrame({ type: FrameType.Ping, payload: new Uint8Array([4]) }),
  );
  assertFrameEqual(await pair.framed.receive(), {
    type: FrameType.Ping,
    payload: new Uint8Array([4]),
  });
  // The first frame the peer reads is the one the application sends.
  await pair.framed.send({ type: 9, payload: new Uint8Array([5]) });
  const [first] = await readFrames(pair.raw, 1);
  assertFrameEqual(first, { type: 9, payload: new Uint8Array([5]) });
  assert.equal(pair.framed.stats.framesSent, 1);
  assert.equal(
    resolveFramedConnOptions({ answerPings: false }).answerPings,
    false,
  );
  assert.throws(
    () => resolveFramedConnOptions({ answerPings: 1 as unknown as boolean }),
    TypeError,
  );
});

Deno.test("FramedConn answers a Ping that arrives while a request waits, and the Ping is not taken as the reply", async () => {
  using pair = await rawPeerPair();
  const reply = pair.framed.request({ type: 20, payload: new Uint8Array([1]) });
  const [request] = await readFrames(pair.raw, 1);
  assert.equal(request.type, 20);
  await writeRaw(
    pair.raw,
    encodeFrame({ type: FrameType.Ping, payload: new Uint8Array([6]) }),
  );
  const [pong] = await readFrames(pair.raw, 1);
  assertFrameEqual(pong, {
    type: FrameType.Pong,
    payload: new Uint8Array([6]),
  });
  await writeRaw(
    pair.raw,
    encodeFrame({ type: 21, payload: new Uint8Array([2]) }),
  );
  assertFrameEqual(await reply, { type: 21, payload: new Uint8Array([2]) });
});

Deno.test("FramedConn stops reading while more than 64 KiB of Pongs wait unwritten, and resumes once they are written", async () => {
  // A peer that sends Pings and never reads the Pongs must be held back, not
  // buffered: every read brings a 16 KiB Ping, no write completes.
  const ping = encodeFrame({
    type: FrameType.Ping,
    payload: new Uint8Array(16 * 1024),
  });
  const chunks = Array.from({ length: 20 }, () => ping);
  chunks.push(encodeFrame({ type: 9, payload: new Uint8Array([1]) }));
  const fake = new ScriptedConn({ readChunks: chunks, stallWrites: true });
  let consumed = 0;
  const read = fake.read.bind(fake);
  fake.read = async (buffer) => {
    const count = await read(buffer);
    consumed += count ?? 0;
    return count;
  };
  using conn = new FramedConn(fake);
  const next = conn.receive();
  await new Promise((resolve) => setTimeout(resolve, 20));
  // 5 Pongs of 16 KiB pass the 64 KiB backlog: the sixth Ping is not read.
  assert.equal(consumed, 5 * ping.length);
  // Once the Pongs are written, reading resumes up to the data frame.
  const releasing = setInterval(() => fake.releaseWrites(), 1);
  try {
    assertFrameEqual(await next, { type: 9, payload: new Uint8Array([1]) });
  } finally {
    clearInterval(releasing);
  }
});

Deno.test("FramedConn drops a Pong it cannot send (closed write side) and keeps receiving", async () => {
  using pair = await rawPeerPair();
  await pair.framed.closeWrite();
  await writeRaw(
    pair.raw,
    concat([
      encodeFrame({ type: FrameType.Ping, payload: new Uint8Array([1]) }),
      encodeFrame({ type: 9, payload: new Uint8Array([2]) }),
    ]),
  );
  assertFrameEqual(await pair.framed.receive(), {
    type: 9,
    payload: new Uint8Array([2]),
  });
  // The peer sees the clean end and no Pong.
  assert.equal((await readToEnd(pair.raw)).length, 0);
});

// ---------------------------------------------------------------------------
// Buffers of an idle connection

Deno.test("FramedConn reads into a 1 KiB buffer between bursts and a full-size one during a burst", async () => {
  const small = encodeFrame({ type: 9, payload: new Uint8Array(10) });
  const burst = new Uint8Array(10_000).fill(0);
  // 2000 empty frames of type 0 (5-byte headers).
  const fake = new ScriptedConn({
    readChunks: [small, burst, small, small],
  });
  const sizes: number[] = [];
  const read = fake.read.bind(fake);
  fake.read = (buffer) => (sizes.push(buffer.length), read(buffer));
  using conn = new FramedConn(fake, { readBufferBytes: 8192 });
  const frames: Frame[] = [];
  for await (const frame of conn) frames.push(frame);
  assert.equal(frames.length, 3 + 2000);
  // A small frame in 1 KiB; the burst in 1 KiB (full: grow), 8 KiB (full:
  // stay), 8 KiB (the 784 bytes left, under half: shrink); the two small
  // frames and the end in 1 KiB.
  assert.deepEqual(sizes, [1024, 1024, 8192, 8192, 1024, 1024, 1024]);
});

// --- FrameBatch and the lone-send path -----------------------------------------

Deno.test("FramedConn.sendBatch delivers a batch built in place, and the batch may be refilled at once", async () => {
  using pair = await tcpPair();
  const batch = new FrameBatch();
  for (let i = 0; i < 3000; i++) {
    const at = batch.reserve(1, 4);
    new DataView(batch.bytes.buffer).setUint32(at, i);
  }
  const sent = pair.client.sendBatch(batch);
  // Copied at the call: refilling now changes nothing of what is sent.
  batch.clear();
  batch.reserve(9, 1);
  const more = pair.client.sendBatch(batch);
  const received: Frame[] = [];
  while (received.length < 3001) {
    received.push(...(await pair.server.receiveMany())!);
  }
  await Promise.all([sent, more]);
  for (let i = 0; i < 3000; i++) {
    const payload = received[i].payload;
    assert.equal(received[i].type, 1);
    assert.equal(
      new DataView(payload.buffer, payload.byteOffset).getUint32(0),
      i,
    );
  }
  assert.equal(received[3000].type, 9);
  assert.equal(pair.client.stats.framesSent, 3001);
  assert.equal(pair.client.stats.bytesSent, 3000 * 9 + 6);
});

Deno.test("FramedConn.sendBatch refuses another frame layout or a payload over the send limit, writing nothing", async () => {
  const fake = new ScriptedConn();
  using conn = new FramedConn(fake, { maxSendFrameLength: 8 });
  const otherLayout = new FrameBatch({ lengthFieldBytes: 2 });
  otherLayout.reserve(1, 1);
  await assert.rejects(conn.sendBatch(otherLayout), TypeError);
  const tooLarge = new FrameBatch();
  tooLarge.reserve(1, 9);
  await assert.rejects(conn.sendBatch(tooLarge), (error) => {
    assert(error instanceof FrameTooLargeError);
    assert.equal(error.length, 9);
    return true;
  });
  assert.equal(fake.writeRequests.length, 0);
  conn.close();
  await assert.rejects(conn.sendBatch(new FrameBatch()), ConnectionClosedError);
});

Deno.test("FramedConn keeps the order of a lone send, frames queued while it is written, and batches", async () => {
  const fake = new ScriptedConn({ stallWrites: true });
  using conn = new FramedConn(fake);
  const batch = new FrameBatch();
  batch.add({ type: 3, payload: new Uint8Array([3]) });
  const sends = [
    conn.send({ type: 1, payload: new Uint8Array([1]) }), // written alone
    conn.send({ type: 2, payload: new Uint8Array([2]) }), // queued
    conn.sendBatch(batch),
    conn.sendMany([{ type: 4, payload: new Uint8Array([4]) }]),
  ];
  await Promise.resolve();
  assert.equal(fake.stalledWrites, 1);
  assert.deepEqual(fake.writeRequests, [6]);
  assert.equal(conn.queuedBytes, 24);
  while (fake.stalledWrites > 0) {
    fake.releaseWrites();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await Promise.all(sends);
  // The frames queued meanwhile left together, in one write, in order.
  assert.deepEqual(fake.writeRequests, [6, 18]);
  assert.deepEqual(decodeAll(fake.written).map((frame) => frame.type), [
    1,
    2,
    3,
    4,
  ]);
  assert.equal(conn.stats.framesSent, 4);
  assert.equal(conn.queuedBytes, 0);
});

Deno.test("FramedConn rejects a lone send whose write fails, and every send queued behind it", async () => {
  const fake = new ScriptedConn({ stallWrites: true });
  using conn = new FramedConn(fake);
  const lone = conn.send({ type: 1, payload: new Uint8Array(3) });
  const queued = conn.send({ type: 1, payload: new Uint8Array(3) });
  await Promise.resolve();
  const failure = new Deno.errors.ConnectionReset("reset");
  fake.releaseWrites(failure);
  await assert.rejects(lone, (error) => error === failure);
  await assert.rejects(queued, (error) => {
    assert(error instanceof ConnectionClosedError);
    assert.equal(error.cause, failure);
    return true;
  });
  assert.equal(conn.queuedBytes, 0);
  assert.equal(conn.stats.framesSent, 0);
});
