// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type Frame, FramedConn } from "../../mod.ts";
import {
  BlobChannel,
  DEFAULT_BLOB_CHUNK_BYTES,
  DEFAULT_BLOB_WINDOW,
  FilesFrameType,
  type IncomingBlob,
  TransferError,
} from "../../files/mod.ts";
import {
  encodeEnd,
  encodeReport,
  encodeStart,
  parseReport,
  writeChunkHeader,
} from "../../files/_wire.ts";
import { blobPair, pattern, until, webSha256, within } from "./_utils.ts";

const C = DEFAULT_BLOB_CHUNK_BYTES;

Deno.test("BlobChannel moves 0 B, 1 B, chunk − 1, chunk, chunk + 1 and 5 chunks + 7 byte-exact, with W = 1 and the default window", async () => {
  await using pair = await blobPair();
  for (const window of [1, DEFAULT_BLOB_WINDOW]) {
    for (const size of [0, 1, C - 1, C, C + 1, 5 * C + 7]) {
      const data = pattern(size, size + window);
      const outgoing = pair.a.send(data, { window, meta: { size } });
      const incoming = await pair.nextIncoming();
      assert.deepEqual(incoming.meta, { size });
      assert.equal(incoming.size, size);
      const received = await incoming.bytes();
      const [sent, got] = await Promise.all([outgoing.done, incoming.done]);
      const expected = await webSha256(data);
      assert.equal(received.length, size, `W=${window} size=${size}`);
      assert.deepEqual(received, data, `W=${window} size=${size}`);
      assert.equal(sent.sha256, expected);
      assert.equal(got.sha256, expected);
      assert.equal(sent.size, size);
      assert.equal(incoming.stats.chunksReceived, Math.ceil(size / C));
    }
  }
  assert.deepEqual(pair.a.stats, {
    outgoing: 0,
    incoming: 0,
    expected: 0,
    backlog: 0,
  });
  assert.deepEqual(pair.b.stats, {
    outgoing: 0,
    incoming: 0,
    expected: 0,
    backlog: 0,
  });
});

// 1 GiB by default; CI (and anyone in a hurry) sets FRAMEWIRE_BLOB_TEST_MIB,
// and CI=true alone lowers it to 256 MiB.
const STREAM_MIB = Number(
  Deno.env.get("FRAMEWIRE_BLOB_TEST_MIB") ??
    (Deno.env.get("CI") ? "256" : "1024"),
);

for (const window of [1, DEFAULT_BLOB_WINDOW]) {
  Deno.test(`a ${STREAM_MIB} MiB ReadableStream made on the fly arrives verified while the receiver buffers at most W = ${window} chunks`, async () => {
    await using pair = await blobPair();
    const total = STREAM_MIB * 1024 * 1024;
    const piece = 256 * 1024;
    // Pieces are views at shifting offsets of one 4 MiB block: every piece
    // differs, nothing is allocated per piece, and order matters to the hash.
    const block = pattern(4 * 1024 * 1024, 99);
    const expected = createHash("sha256");
    let produced = 0;
    let k = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (produced >= total) {
          controller.close();
          return;
        }
        const at = (k++ * 4099) % (block.length - piece);
        const bytes = block.subarray(
          at,
          at + Math.min(piece, total - produced),
        );
        expected.update(bytes);
        produced += bytes.length;
        controller.enqueue(bytes);
      },
    }, { highWaterMark: 0 });
    const outgoing = pair.a.send(source, { window });
    const incoming = await pair.nextIncoming();
    assert.equal(incoming.size, undefined); // a stream has no known length
    let received = 0;
    let chunks = 0;
    for await (const chunk of incoming.stream) {
      received += chunk.length;
      // Pause now and then so that chunks pile up to the window.
      if (++chunks % 64 === 0) {
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    const [sent, got] = await within(
      60_000,
      Promise.all([outgoing.done, incoming.done]),
      "stream",
    );
    const digest = expected.digest("hex");
    assert.equal(received, total);
    assert.equal(sent.sha256, digest);
    assert.equal(got.sha256, digest);
    assert.equal(got.size, total);
    const stats = incoming.stats;
    assert.ok(stats.peakBufferedChunks >= 1, "some chunk was buffered");
    assert.ok(
      stats.peakBufferedChunks <= window,
      `peak ${stats.peakBufferedChunks} chunks > window ${window}`,
    );
    assert.ok(stats.peakBufferedBytes <= window * C);
    assert.equal(stats.bufferedChunks, 0);
  });
}

Deno.test("the window holds the sender back: a consumer that does not read buffers exactly W chunks, then everything flows", async () => {
  await using pair = await blobPair();
  const data = pattern(40 * 1024, 5);
  const outgoing = pair.a.send(data, { window: 4, chunkBytes: 1024 });
  const incoming = await pair.nextIncoming();
  await until(
    () => incoming.stats.bufferedChunks === 4,
    5000,
    "four chunks buffered",
  );
  // A barrier instead of a sleep: a second transfer started now comes after
  // every chunk the first one had written on the same connection, so a
  // sender that ignored the window has shown it once this one arrived.
  const marker = pair.a.send(new Uint8Array([7]), { window: 1 });
  const markerIn = await pair.nextIncoming();
  assert.deepEqual(await markerIn.bytes(), new Uint8Array([7]));
  await marker.done;
  assert.equal(incoming.stats.bufferedChunks, 4);
  assert.equal(outgoing.bytesSent, 4 * 1024);
  assert.equal(outgoing.bytesAcked, 0);
  assert.deepEqual(await incoming.bytes(), data);
  assert.equal((await outgoing.done).size, data.length);
  assert.equal(incoming.stats.peakBufferedChunks, 4);
});

Deno.test("several transfers share one connection in both directions without mixing", async () => {
  const fromB: IncomingBlob[] = [];
  await using pair = await blobPair({
    a: { onBlob: (blob) => fromB.push(blob) },
  });
  const sizes = [0, 1, 5000, 33_333, 100_000, 250_001];
  // Small chunks and different windows make the transfers interleave.
  const aToB = sizes.map((size, i) =>
    pair.a.send(pattern(size, 10 + i), {
      chunkBytes: 4096,
      window: 1 + i,
      meta: { i },
    })
  );
  const bToA = sizes.map((size, i) =>
    pair.b.send(pattern(size, 20 + i), {
      chunkBytes: 3000,
      window: 2,
      meta: { i },
    })
  );
  const incomingAtB = await Promise.all(sizes.map(() => pair.nextIncoming()));
  const check = async (blob: IncomingBlob, seed: number) => {
    const i = blob.meta.i as number;
    assert.deepEqual(
      await blob.bytes(),
      pattern(sizes[i], seed + i),
      `blob ${i}`,
    );
  };
  await Promise.all(incomingAtB.map((blob) => check(blob, 10)));
  await until(() => fromB.length === sizes.length, 5000, "blobs from b");
  await Promise.all(fromB.map((blob) => check(blob, 20)));
  const results = await Promise.all([...aToB, ...bToA].map((o) => o.done));
  const expected = await Promise.all([
    ...sizes.map((size, i) => webSha256(pattern(size, 10 + i))),
    ...sizes.map((size, i) => webSha256(pattern(size, 20 + i))),
  ]);
  assert.deepEqual(results.map((r) => r.sha256), expected);
});

Deno.test("progress callbacks count up to the total on both sides", async () => {
  await using pair = await blobPair();
  const data = pattern(10 * 1024 + 5, 3);
  const sent: number[] = [];
  const read: number[] = [];
  const id = 77;
  const expected = pair.b.expect(id, {
    onProgress: ({ bytesDone, bytesTotal, id: got }) => {
      assert.equal(got, id);
      assert.equal(bytesTotal, data.length);
      read.push(bytesDone);
    },
  });
  const outgoing = pair.a.send(data, {
    id,
    chunkBytes: 1024,
    window: 2,
    onProgress: ({ bytesDone }) => sent.push(bytesDone),
  });
  const incoming = await expected;
  await incoming.bytes();
  await outgoing.done;
  const steps = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => n * 1024).concat(
    data.length,
  );
  assert.deepEqual(read, steps);
  await until(() => sent.at(-1) === data.length, 5000, "last ack");
  assert.deepEqual(sent, steps);
});

Deno.test("a byte flipped between sender and receiver is caught: BLOB_DIGEST_MISMATCH on both sides, and the connection goes on", async () => {
  await using pair = await blobPair({
    proxy: { flipChunk: 1, flipUpstream: true },
  });
  const data = pattern(5 * 1024, 8);
  const outgoing = pair.a.send(data, { chunkBytes: 1024 });
  const incoming = await pair.nextIncoming();
  await assert.rejects(incoming.bytes(), {
    code: "BLOB_DIGEST_MISMATCH",
    remote: false,
  });
  await assert.rejects(outgoing.done, {
    code: "BLOB_DIGEST_MISMATCH",
    remote: true,
  });
  // Only one chunk was corrupted: the next transfer on the same connection is fine.
  const again = pair.a.send(data, { chunkBytes: 1024 });
  assert.deepEqual(await (await pair.nextIncoming()).bytes(), data);
  await again.done;
});

Deno.test("the receiver cancelling stops the sender with BLOB_CANCELLED, and the id is free again", async () => {
  await using pair = await blobPair();
  const data = pattern(64 * 1024, 4);
  const outgoing = pair.a.send(data, { id: 5, chunkBytes: 1024, window: 2 });
  const incoming = await pair.nextIncoming();
  const reader = incoming.stream.getReader();
  assert.equal((await reader.read()).value?.length, 1024);
  await reader.cancel(new Error("enough"));
  await assert.rejects(outgoing.done, { code: "BLOB_CANCELLED", remote: true });
  await assert.rejects(incoming.done, { code: "BLOB_CANCELLED" });
  // The sender's BlobAbort closes the id on the receiver, chunks in flight are dropped.
  await until(() => !pair.b.receiving(5), 5000, "id 5 released");
  const again = pair.a.send(data, { id: 5 });
  assert.deepEqual(await (await pair.nextIncoming()).bytes(), data);
  await again.done;
});

Deno.test("aborting the sender errors the receiver's stream with BLOB_ABORTED", async () => {
  await using pair = await blobPair();
  const controller = new AbortController();
  const endless = new ReadableStream<Uint8Array>({
    pull: (c) => c.enqueue(new Uint8Array(1000)),
  });
  const outgoing = pair.a.send(endless, {
    signal: controller.signal,
    window: 2,
  });
  const incoming = await pair.nextIncoming();
  const reader = incoming.stream.getReader();
  await reader.read();
  controller.abort();
  await assert.rejects(outgoing.done, { code: "BLOB_ABORTED", remote: false });
  await assert.rejects(
    (async () => {
      while (!(await reader.read()).done) { /* drain */ }
    })(),
    { code: "BLOB_ABORTED", remote: true },
  );
});

Deno.test("a resumed transfer sends only the bytes after the offset and verifies the whole resource", async () => {
  await using pair = await blobPair();
  const data = pattern(100_000, 6);
  const expected = pair.b.expect(1, { prefix: data.subarray(0, 30_000) });
  const outgoing = pair.a.send(data, {
    id: 1,
    offset: 30_000,
    chunkBytes: 8192,
  });
  const incoming = await expected;
  assert.equal(incoming.offset, 30_000);
  assert.deepEqual(await incoming.bytes(), data.subarray(30_000));
  const result = await outgoing.done;
  assert.equal(result.size, 100_000);
  assert.equal(result.sha256, await webSha256(data));
  assert.ok(pair.connB.stats.bytesReceived < 75_000, "the prefix was not sent");

  // A prefix that differs from the sender's bytes fails the digest.
  const wrong = pattern(30_000, 7);
  const expected2 = pair.b.expect(2, { prefix: ReadableStream.from([wrong]) });
  const outgoing2 = pair.a.send(data, { id: 2, offset: 30_000 });
  await assert.rejects((await expected2).bytes(), {
    code: "BLOB_DIGEST_MISMATCH",
  });
  await assert.rejects(outgoing2.done, { code: "BLOB_DIGEST_MISMATCH" });
});

/** Sends raw frames from a bare connection and returns b's BlobCancel code. */
async function cancelCode(
  frames: Frame[],
  options: { onBlob?: boolean; maxWindow?: number } = {},
) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [raw, accepted] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  listener.close();
  using rogue = new FramedConn(raw);
  using conn = new FramedConn(accepted);
  const held: IncomingBlob[] = []; // taken but never read
  const channel = new BlobChannel(conn, {
    onBlob: options.onBlob === false ? undefined : (blob) => held.push(blob),
    maxWindow: options.maxWindow,
  });
  const loop = channel.run().catch(() => {});
  await rogue.sendMany(frames);
  for (;;) {
    const frame = await within(5000, rogue.receive(), "BlobCancel");
    if (frame?.type === FilesFrameType.BlobCancel) {
      rogue.close();
      conn.close();
      await loop;
      return parseReport(frame.payload, "BlobCancel").code;
    }
  }
}

function chunk(id: number, offset: number, length: number): Frame {
  const payload = new Uint8Array(12 + length);
  writeChunkHeader(payload, id, offset);
  return { type: FilesFrameType.BlobChunk, payload };
}

const start = (window = 1, chunkBytes = 4, size: number | null = null) =>
  encodeStart({ id: 1, size, offset: 0, chunkBytes, window, meta: {} });

Deno.test("a sender that breaks the rules is cut off for that transfer with the documented code", async () => {
  // Each case breaks one rule; the receiver answers with a BlobCancel.
  assert.equal(
    await cancelCode([start(1), chunk(1, 0, 4), chunk(1, 4, 4)]),
    "BLOB_WINDOW_EXCEEDED",
  );
  assert.equal(
    await cancelCode([start(1), chunk(1, 0, 5)]),
    "BLOB_CHUNK_TOO_LARGE",
  );
  assert.equal(
    await cancelCode([start(2), chunk(1, 3, 4)]),
    "BLOB_OFFSET_MISMATCH",
  );
  assert.equal(
    await cancelCode([start(2, 4, 4), chunk(1, 0, 4), chunk(1, 4, 1)]),
    "BLOB_SIZE_MISMATCH",
  );
  assert.equal(
    await cancelCode([
      start(2),
      chunk(1, 0, 4),
      encodeEnd(1, 5, new Uint8Array(32)),
    ]),
    "BLOB_SIZE_MISMATCH",
  );
  assert.equal(
    await cancelCode([start(1000)], { maxWindow: 64 }),
    "BLOB_LIMIT_EXCEEDED",
  );
  assert.equal(await cancelCode([start(1)], { onBlob: false }), "BLOB_REFUSED");
});

Deno.test("after a cancel, chunks in flight are dropped until the sender's BlobAbort; then an unknown id is a protocol error", async () => {
  await using pair = await blobPair();
  const channel = pair.b;
  channel.handleFrame(start(1));
  const incoming = await pair.nextIncoming();
  incoming.cancel("BLOB_CANCELLED", "no thanks");
  assert.equal(channel.handleFrame(chunk(1, 0, 4)), true); // in flight: dropped
  channel.handleFrame(
    encodeReport(FilesFrameType.BlobAbort, 1, "BLOB_CANCELLED", "ok"),
  );
  assert.throws(() => channel.handleFrame(chunk(1, 4, 4)), {
    code: "BLOB_UNKNOWN_ID",
  });
  assert.throws(() => channel.handleFrame(chunk(2, 0, 4)), {
    code: "BLOB_UNKNOWN_ID",
  });
  assert.throws(
    () =>
      channel.handleFrame({
        type: FilesFrameType.BlobChunk,
        payload: new Uint8Array(3),
      }),
    { code: "BLOB_MALFORMED" },
  );
  channel.handleFrame(start(1));
  assert.throws(() => channel.handleFrame(start(1)), {
    code: "BLOB_ID_IN_USE",
  });
  assert.equal(
    channel.handleFrame({ type: 200, payload: new Uint8Array() }),
    false,
  );
  (await pair.nextIncoming()).cancel();
});

Deno.test("a lost connection fails every transfer with CONNECTION_LOST on both sides", async () => {
  await using pair = await blobPair();
  const endless = new ReadableStream<Uint8Array>({
    pull: (c) => c.enqueue(new Uint8Array(4096)),
  });
  const outgoing = pair.a.send(endless);
  const incoming = await pair.nextIncoming();
  const waiting = pair.a.expect(99);
  const reader = incoming.stream.getReader();
  await reader.read();
  pair.connA.close();
  await assert.rejects(outgoing.done, { code: "CONNECTION_LOST" });
  await assert.rejects(waiting, { code: "CONNECTION_LOST" });
  await assert.rejects(
    (async () => {
      while (!(await reader.read()).done) { /* drain */ }
    })(),
    { code: "CONNECTION_LOST" },
  );
  assert.throws(() => pair.a.send(new Uint8Array(1)), {
    code: "CONNECTION_LOST",
  });
});

Deno.test("send and expect validate their arguments up front", async () => {
  await using pair = await blobPair();
  const bytes = new Uint8Array(10);
  assert.throws(() => pair.a.send(bytes, { window: 0 }), RangeError);
  assert.throws(() => pair.a.send(bytes, { chunkBytes: 0 }), RangeError);
  assert.throws(() => pair.a.send(bytes, { chunkBytes: 1.5 }), RangeError);
  assert.throws(() => pair.a.send(bytes, { size: 11 }), RangeError);
  assert.throws(() => pair.a.send(bytes, { offset: 11 }), RangeError);
  assert.throws(() => pair.a.send(bytes, { id: -1 }), RangeError);
  assert.throws(() => pair.a.send("text" as unknown as Uint8Array), TypeError);
  assert.throws(
    () => new BlobChannel(pair.connA, { maxWindow: 0 }),
    RangeError,
  );
  const first = pair.a.send(new ReadableStream({ pull: () => {} }), { id: 3 });
  assert.throws(
    () => pair.a.send(bytes, { id: 3 }),
    (error: unknown) =>
      error instanceof TransferError && error.code === "BLOB_ID_IN_USE",
  );
  first.abort();
  await assert.rejects(first.done, { code: "BLOB_ABORTED" });
  const waiting = pair.b.expect(4);
  await assert.rejects(pair.b.expect(4), { code: "BLOB_ID_IN_USE" });
  const controller = new AbortController();
  const aborted = pair.b.expect(5, { signal: controller.signal });
  controller.abort(new Error("changed my mind"));
  await assert.rejects(aborted, /changed my mind/);
  await pair.close();
  await assert.rejects(waiting, { code: "CONNECTION_LOST" });
});

Deno.test("a transfer aborted before it starts sends nothing at all", async () => {
  await using pair = await blobPair();
  const controller = new AbortController();
  controller.abort();
  const outgoing = pair.a.send(new Uint8Array(100), {
    signal: controller.signal,
  });
  await assert.rejects(outgoing.done, { code: "BLOB_ABORTED" });
  await outgoing.started;
  assert.equal(pair.connA.stats.framesSent, 0);
  assert.deepEqual(pair.a.stats, {
    outgoing: 0,
    incoming: 0,
    expected: 0,
    backlog: 0,
  });
});

Deno.test("a stream that yields more than its announced size fails with BLOB_SIZE_MISMATCH and is cancelled", async () => {
  await using pair = await blobPair();
  let cancelled = false;
  const source = new ReadableStream<Uint8Array>({
    pull: (controller) => controller.enqueue(new Uint8Array(1000)),
    cancel: () => {
      cancelled = true;
    },
  });
  const outgoing = pair.a.send(source, { size: 2500 });
  const incoming = await pair.nextIncoming();
  await assert.rejects(outgoing.done, {
    code: "BLOB_SIZE_MISMATCH",
    remote: false,
  });
  await assert.rejects(incoming.bytes(), {
    code: "BLOB_SIZE_MISMATCH",
    remote: true,
  });
  assert.equal(cancelled, true);
});

Deno.test("a peer that sends chunks but never reads costs one waiting ack per transfer, not one per chunk", async () => {
  // The receiver's acks wait for its connection's send queue to empty; a
  // peer that does not read keeps it full. Acks are cumulative, so a newer
  // one must replace the waiting one instead of queuing behind it (memory
  // would otherwise grow with every chunk the peer sends).
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [raw, accepted] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  listener.close();
  using rogue = new FramedConn(raw);
  using conn = new FramedConn(accepted, { maxQueuedBytes: 1 << 30 });
  const incoming: IncomingBlob[] = [];
  const channel = new BlobChannel(conn, { onBlob: (b) => incoming.push(b) });
  const loop = channel.run().catch(() => {});
  // 64 MiB more than any loopback socket buffer holds: the queue stays
  // non-empty for as long as the rogue does not read.
  const filler = Array.from({ length: 64 }, () => ({
    type: 200,
    payload: new Uint8Array(1 << 20),
  }));
  const flushed = conn.sendMany(filler);
  const chunks = 300;
  await rogue.send(start(4, 1, chunks));
  await until(() => incoming.length === 1, 5000, "BlobStart handled");
  const blob = incoming[0];
  const read = blob.bytes();
  read.catch(() => {});
  // One chunk at a time, each read before the next is sent: a chunk still
  // in flight must not count as read, or several arrive at once and
  // overflow the window.
  for (let k = 0; k < chunks; k++) {
    await until(
      () => blob.stats.chunksReceived === k && blob.stats.bufferedChunks === 0,
      5000,
      "chunk read",
    );
    await rogue.send(chunk(1, k, 1));
  }
  await until(
    () =>
      blob.stats.chunksReceived === chunks && blob.stats.bufferedChunks === 0,
    5000,
    "every chunk read",
  );
  assert.ok(conn.queuedBytes > 0, "the queue must still be blocked");
  // Now read everything the receiver sent: the filler, then its acks.
  const acks: number[] = [];
  while (acks.at(-1) !== chunks) {
    const frame = await within(10_000, rogue.receive(), "acks");
    assert.ok(frame !== null);
    if (frame.type === FilesFrameType.BlobAck) {
      acks.push(
        Number(
          new DataView(frame.payload.buffer, frame.payload.byteOffset)
            .getBigUint64(4),
        ),
      );
    }
  }
  await flushed;
  assert.ok(acks.length <= 2, `${acks.length} acks waited for one queue`);
  rogue.close();
  conn.close();
  await loop;
  await assert.rejects(read, { code: "CONNECTION_LOST" });
});

/**
 * A channel on one end of a loopback connection and a raw FramedConn (the
 * rogue peer) on the other. `blocked`: 64 MiB is queued on the channel's
 * side first, so its send queue stays non-empty while the rogue does not
 * read, and every frame the channel sends waits in memory.
 */
async function rogueAndChannel(blocked: boolean) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [raw, accepted] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  listener.close();
  const rogue = new FramedConn(raw);
  const conn = new FramedConn(accepted, { maxQueuedBytes: 1 << 30 });
  const marks: number[] = [];
  // No onBlob: every unsolicited BlobStart is refused with BLOB_REFUSED.
  const channel = new BlobChannel(conn, { onFrame: (f) => marks.push(f.type) });
  const loop = channel.run();
  loop.catch(() => {});
  const flushed = blocked
    ? conn.sendMany(
      Array.from({ length: 64 }, () => ({
        type: 200,
        payload: new Uint8Array(1 << 20),
      })),
    )
    : Promise.resolve();
  flushed.catch(() => {});
  return {
    rogue,
    channel,
    loop,
    marks,
    close: async () => {
      rogue.close();
      conn.close();
      await loop.catch(() => {});
      await flushed.catch(() => {});
    },
  };
}

const startId = (id: number) =>
  encodeStart({
    id,
    size: null,
    offset: 0,
    chunkBytes: 4,
    window: 1,
    meta: {},
  });

Deno.test("a flood of refused BlobStarts never ended by their sender is cut off with BLOB_BACKLOG_EXCEEDED", async () => {
  // Each refused start leaves an id draining until the sender's BlobEnd or
  // BlobAbort; a peer that never sends them must not grow that set without
  // limit. Default limit: maxIncoming (64) + 1024.
  const t = await rogueAndChannel(false);
  try {
    const flood = Array.from({ length: 3000 }, (_, i) => startId(i + 1));
    flood.push({ type: 201, payload: new Uint8Array() }); // reached only if not cut off
    const sent = t.rogue.sendMany(flood);
    sent.catch(() => {});
    // Either the channel cuts the flood off, or it reaches the marker.
    await until(
      () => t.channel.closed || t.marks.length > 0,
      10_000,
      "the flood handled",
    );
    assert.deepEqual(t.marks, []);
    await assert.rejects(t.loop, { code: "BLOB_BACKLOG_EXCEEDED" });
    assert.equal(t.channel.closed, true);
  } finally {
    await t.close();
  }
});

Deno.test("alternating BlobStart and BlobAbort while never reading piles up no more than the limit of BlobCancels", async () => {
  // The abort empties the draining set each time, but every refusal
  // queues a BlobCancel that waits for a send queue the rogue keeps full.
  const t = await rogueAndChannel(true);
  try {
    const flood: Frame[] = [];
    for (let i = 0; i < 3000; i++) {
      flood.push(
        startId(1),
        encodeReport(FilesFrameType.BlobAbort, 1, "BLOB_ABORTED", "again"),
      );
    }
    flood.push({ type: 201, payload: new Uint8Array() });
    const sent = t.rogue.sendMany(flood);
    sent.catch(() => {});
    // Either the channel cuts the flood off, or it reaches the marker.
    await until(
      () => t.channel.closed || t.marks.length > 0,
      10_000,
      "the flood handled",
    );
    assert.deepEqual(t.marks, []);
    await assert.rejects(t.loop, { code: "BLOB_BACKLOG_EXCEEDED" });
  } finally {
    await t.close();
  }
});

Deno.test("the backlog counts draining ids and waiting control frames, and empties as the peer reads and ends", async () => {
  const t = await rogueAndChannel(false);
  try {
    await t.rogue.sendMany([startId(1), startId(2)]);
    await until(() => t.channel.receiving(2), 5000, "both refused");
    // Two ids draining; their BlobCancels went out (the queue was empty).
    await until(() => t.channel.stats.backlog === 2, 5000, "cancels sent");
    const cancels = [await t.rogue.receive(), await t.rogue.receive()];
    assert.deepEqual(cancels.map((f) => f?.type), [
      FilesFrameType.BlobCancel,
      FilesFrameType.BlobCancel,
    ]);
    await t.rogue.sendMany([
      encodeReport(FilesFrameType.BlobAbort, 1, "BLOB_CANCELLED", "ok"),
      encodeEnd(2, 0, new Uint8Array(32)),
    ]);
    await until(() => t.channel.stats.backlog === 0, 5000, "drained");
    assert.equal(t.channel.receiving(1), false);
  } finally {
    await t.close();
  }
});
