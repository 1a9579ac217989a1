// Copyright 2026 the framewire authors. MIT license.
// serve()'s liveness defaults over real sockets: heartbeat, frame stall,
// first-frame timeout, eviction when full, per-host limits, and the
// property they exist for (one host holding half-sent headers cannot keep
// a legitimate client out). Split from server_test.ts, which holds the rest
// of serve(). Every timeout is scaled down through options.
import assert from "node:assert/strict";
import {
  connect,
  encodeFrames,
  type Frame,
  FrameDecoder,
  FrameRouter,
  FrameType,
  serve,
} from "../../mod.ts";
import { ChatClient, ChatServer } from "../../chat/mod.ts";
import { FileClient, FileServer } from "../../files/mod.ts";
import {
  errorCodes,
  LogCollector,
  readToEnd,
  until,
  within,
  writeRaw,
} from "./_server_utils.ts";

const HOST = "127.0.0.1";
const ping = (payload = new Uint8Array()): Frame => ({
  type: FrameType.Ping,
  payload,
});
const bytesOf = (...frames: Frame[]) => encodeFrames(frames);
// The first 3 of a frame header's 5 bytes: a frame started, never finished.
const HALF_HEADER = bytesOf(ping(new Uint8Array(8))).subarray(0, 3);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A raw client that reads frames as they come and, if `answer` is set,
 * answers every Ping with a Pong by hand. `closed` settles at EOF or reset.
 */
function rawPeer(conn: Deno.Conn, answer: boolean) {
  const frames: Frame[] = [];
  const closed = (async () => {
    const decoder = new FrameDecoder();
    const buffer = new Uint8Array(4096);
    while (true) {
      let count: number | null;
      try {
        count = await conn.read(buffer);
      } catch {
        return;
      }
      if (count === null) return;
      for (const frame of decoder.push(buffer.slice(0, count))) {
        frames.push(frame);
        if (answer && frame.type === FrameType.Ping) {
          await writeRaw(
            conn,
            bytesOf({ type: FrameType.Pong, payload: frame.payload }),
          ).catch(() => {});
        }
      }
    }
  })();
  return { frames, closed };
}

Deno.test("serve closes a connection that completes no frame within firstFrameTimeoutMs with FIRST_FRAME_TIMEOUT, never early", async () => {
  const log = new LogCollector();
  await using server = serve({
    port: 0,
    logger: log.logger,
    firstFrameTimeoutMs: 200,
  });
  const conn = await Deno.connect({ hostname: HOST, port: server.port! });
  try {
    const start = performance.now();
    await writeRaw(conn, HALF_HEADER);
    const { frames } = await within(3000, readToEnd(conn), "first frame");
    assert.ok(performance.now() - start >= 195, "closed early");
    assert.deepEqual(errorCodes(frames), ["FIRST_FRAME_TIMEOUT"]);
    assert.equal(log.find("first_frame_timeout")?.code, "FIRST_FRAME_TIMEOUT");
  } finally {
    conn.close();
  }
});

Deno.test("serve closes a connection silent inside a frame for frameStallMs with FRAME_STALLED", async () => {
  await using server = serve({ port: 0, logger: null, frameStallMs: 200 });
  const conn = await Deno.connect({ hostname: HOST, port: server.port! });
  try {
    // A whole frame first: this is not the first-frame timeout.
    await writeRaw(conn, bytesOf(ping()));
    await sleep(20);
    const start = performance.now();
    await writeRaw(conn, HALF_HEADER);
    const { frames } = await within(3000, readToEnd(conn), "stall close");
    assert.ok(performance.now() - start >= 195, "closed early");
    assert.deepEqual(frames.map((frame) => frame.type), [
      FrameType.Pong,
      FrameType.Error,
    ]);
    assert.deepEqual(errorCodes(frames), ["FRAME_STALLED"]);
  } finally {
    conn.close();
  }
});

Deno.test("serve never cuts a frame trickled with gaps shorter than frameStallMs, however long it takes", async () => {
  await using server = serve({
    port: 0,
    logger: null,
    frameStallMs: 150,
    firstFrameTimeoutMs: 150,
  });
  const conn = await Deno.connect({ hostname: HOST, port: server.port! });
  try {
    const peer = rawPeer(conn, false);
    await writeRaw(conn, bytesOf(ping()));
    // 25 bytes, one every 60 ms: 1.5 s, ten times frameStallMs.
    const payload = new Uint8Array(20).map((_, i) => i + 1);
    const frame = bytesOf(ping(payload));
    for (let i = 0; i < frame.length; i++) {
      await writeRaw(conn, frame.subarray(i, i + 1));
      await sleep(60);
    }
    await until(() => peer.frames.length === 2, 2000, "second Pong");
    assert.deepEqual(peer.frames.map((f) => f.type), [
      FrameType.Pong,
      FrameType.Pong,
    ]);
    assert.deepEqual(peer.frames[1].payload, payload);
    assert.equal(server.connectionCount, 1);
    conn.close();
    await peer.closed;
  } finally {
    try {
      conn.close();
    } catch {
      // Closed above.
    }
  }
});

Deno.test("serve pings a silent client: one that answers stays connected, one that does not is closed with HEARTBEAT_TIMEOUT", async () => {
  const log = new LogCollector();
  let handled = 0;
  await using server = serve(
    { port: 0, logger: log.logger, heartbeatMs: 100, heartbeatTimeoutMs: 100 },
    // Pongs are not in frameTypes: they must not be refused, nor handled.
    { frameTypes: [200], onFrame: () => void handled++ },
  );
  const port = server.port!;
  const live = await Deno.connect({ hostname: HOST, port });
  const dead = await Deno.connect({ hostname: HOST, port });
  try {
    const livePeer = rawPeer(live, true);
    const deadPeer = rawPeer(dead, false);
    await writeRaw(live, bytesOf(ping()));
    await writeRaw(dead, bytesOf(ping()));
    const start = performance.now();
    await within(3000, deadPeer.closed, "heartbeat close");
    assert.ok(performance.now() - start >= 195, "closed early");
    assert.deepEqual(deadPeer.frames.map((f) => f.type), [
      FrameType.Pong,
      FrameType.Ping,
      FrameType.Error,
    ]);
    assert.deepEqual(errorCodes(deadPeer.frames), ["HEARTBEAT_TIMEOUT"]);
    assert.equal(log.find("heartbeat_timeout")?.connectionId, 2);

    // Several heartbeat periods later the answering client is still here.
    await until(
      () =>
        livePeer.frames.filter((f) => f.type === FrameType.Ping).length >= 4,
      3000,
      "four heartbeat Pings",
    );
    assert.equal(errorCodes(livePeer.frames).length, 0);
    dead.close();
    await until(() => server.connectionCount === 1, 2000, "dead one gone");
    assert.equal(server.connections()[0].id, 1);
    assert.equal(handled, 0);
    live.close();
    await livePeer.closed;
  } finally {
    for (const conn of [live, dead]) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
  }
});

Deno.test("serve closes a client that only answers heartbeats with IDLE_TIMEOUT: idle means no application traffic", async () => {
  await using server = serve({
    port: 0,
    logger: null,
    heartbeatMs: 60,
    heartbeatTimeoutMs: 1000,
    idleTimeoutMs: 400,
  });
  const conn = await Deno.connect({ hostname: HOST, port: server.port! });
  try {
    const peer = rawPeer(conn, true);
    await writeRaw(conn, bytesOf(ping()));
    await within(3000, peer.closed, "idle close");
    assert.ok(peer.frames.filter((f) => f.type === FrameType.Ping).length >= 2);
    assert.deepEqual(errorCodes(peer.frames), ["IDLE_TIMEOUT"]);
  } finally {
    conn.close();
  }
});

Deno.test("serve, when full, evicts the oldest connection that never completed a frame, and serves the newcomer", async () => {
  const log = new LogCollector();
  await using server = serve({
    port: 0,
    logger: log.logger,
    maxConnections: 3,
    // The evicted clients here never hang up: do not wait a second for them.
    lingerMs: 100,
  });
  const port = server.port!;
  const proven = await connect({ port });
  const oldest = await Deno.connect({ hostname: HOST, port });
  const younger = await Deno.connect({ hostname: HOST, port });
  try {
    await proven.request(ping());
    await writeRaw(oldest, HALF_HEADER);
    await writeRaw(younger, HALF_HEADER);
    await until(() => server.connectionCount === 3, 2000, "three served");

    using newcomer = await connect({ port });
    const pong = await within(2000, newcomer.request(ping()), "newcomer");
    assert.equal(pong.type, FrameType.Pong);
    const { frames } = await within(2000, readToEnd(oldest), "eviction");
    assert.deepEqual(errorCodes(frames), ["EVICTED"]);
    assert.equal(log.find("evicted")?.code, "EVICTED");
    // The younger one and the proven one are untouched.
    assert.equal((await proven.request(ping())).type, FrameType.Pong);
    await until(() => server.connectionCount === 3, 2000, "evicted gone");
    assert.deepEqual(
      server.connections().map((info) => info.id).sort(),
      [1, 3, 4],
    );

    // Now every other client is proven or younger than... the younger one:
    // it goes next; after that the server refuses with SERVER_FULL.
    using second = await connect({ port });
    await within(2000, second.request(ping()), "second newcomer");
    const evicted = await within(2000, readToEnd(younger), "second eviction");
    assert.deepEqual(errorCodes(evicted.frames), ["EVICTED"]);
    await until(() => server.connectionCount === 3, 2000, "younger gone");
    const refused = await Deno.connect({ hostname: HOST, port });
    try {
      const { frames } = await within(2000, readToEnd(refused), "refusal");
      assert.deepEqual(errorCodes(frames), ["SERVER_FULL"]);
    } finally {
      refused.close();
    }
  } finally {
    proven.close();
    oldest.close();
    younger.close();
  }
});

Deno.test("serve refuses a host over maxConnectionsPerHost with HOST_LIMIT and takes it again once one leaves", async () => {
  await using server = serve({
    port: 0,
    logger: null,
    maxConnectionsPerHost: 2,
  });
  const port = server.port!;
  const first = await connect({ port });
  try {
    using second = await connect({ port });
    await first.request(ping());
    await second.request(ping());
    const third = await Deno.connect({ hostname: HOST, port });
    try {
      const { frames } = await within(2000, readToEnd(third), "HOST_LIMIT");
      assert.deepEqual(errorCodes(frames), ["HOST_LIMIT"]);
    } finally {
      third.close();
    }
    first.close();
    await until(() => server.connectionCount === 1, 2000, "first gone");
    using fourth = await connect({ port });
    assert.equal((await fourth.request(ping())).type, FrameType.Pong);
  } finally {
    first.close();
  }
});

Deno.test("serve refuses a host opening connections faster than maxConnectionsPerHostPerSecond with CONNECTION_RATE_LIMITED", async () => {
  await using server = serve({
    port: 0,
    logger: null,
    maxConnectionsPerHostPerSecond: 2,
  });
  const port = server.port!;
  using a = await connect({ port });
  using b = await connect({ port });
  await a.request(ping());
  await b.request(ping());
  const c = await Deno.connect({ hostname: HOST, port });
  try {
    const { frames } = await within(2000, readToEnd(c), "rate limit");
    assert.deepEqual(errorCodes(frames), ["CONNECTION_RATE_LIMITED"]);
  } finally {
    c.close();
  }
  assert.equal(server.connectionCount, 2);
});

Deno.test("serve keeps serving a legitimate client while one host holds every slot with half-sent headers and keeps reopening", async () => {
  const MAX = 20;
  const FIRST_FRAME_MS = 200;
  // The property: each legitimate session is served within this bound.
  const BOUND_MS = 5 * FIRST_FRAME_MS;
  const ROUNDS = 8;
  // More than fit, so the attack churns through evictions all along; each
  // attacker pauses a little before reopening, to bound the test's load.
  const ATTACKERS = MAX + 10;
  const REOPEN_PAUSE_MS = 20;
  const MAX_ATTACK_CONNECTIONS = 20_000;
  await using server = serve({
    port: 0,
    logger: null,
    maxConnections: MAX,
    firstFrameTimeoutMs: FIRST_FRAME_MS,
  });
  const port = server.port!;
  let stop = false;
  let opened = 0;
  const open = new Set<Deno.Conn>();
  // Each attacker holds one connection with 3 bytes of a header and opens
  // another as soon as the server drops it.
  const attack = async () => {
    while (!stop && opened < MAX_ATTACK_CONNECTIONS) {
      let conn: Deno.Conn;
      try {
        conn = await Deno.connect({ hostname: HOST, port });
      } catch {
        await sleep(5);
        continue;
      }
      opened++;
      open.add(conn);
      try {
        await writeRaw(conn, HALF_HEADER);
        await readToEnd(conn);
      } catch {
        // Reset by the server: reopen.
      } finally {
        // stop may have closed it already, under the pending read.
        if (open.delete(conn)) conn.close();
      }
      await sleep(REOPEN_PAUSE_MS);
    }
  };
  const attackers = Array.from({ length: ATTACKERS }, attack);
  try {
    // Evicted connections still saying goodbye are listed too: at least MAX.
    await until(() => server.connectionCount >= MAX, 3000, "server full");
    const openedBefore = opened;
    const waits: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const start = performance.now();
      await within(
        BOUND_MS,
        (async () => {
          // A real client retries when turned away or evicted.
          while (true) {
            try {
              using client = await connect({ port });
              const pong = await client.request(ping(new Uint8Array([round])));
              assert.equal(pong.type, FrameType.Pong);
              return;
            } catch {
              await sleep(10);
            }
          }
        })(),
        `legitimate session ${round}`,
      );
      waits.push(performance.now() - start);
      await sleep(FIRST_FRAME_MS / 2);
    }
    // The attack went on all along: it kept opening, and never ran out.
    assert.ok(opened - openedBefore > MAX, `attacker opened ${opened}`);
    assert.ok(opened < MAX_ATTACK_CONNECTIONS, `attacker opened ${opened}`);
    assert.ok(waits.every((ms) => ms < BOUND_MS), waits.join(", "));
  } finally {
    stop = true;
    for (const conn of open) {
      open.delete(conn);
      conn.close();
    }
    await Promise.all(attackers);
  }
});

Deno.test("serve cuts an evicted connection without its Error frame beyond maxLingeringRefusals", async () => {
  const log = new LogCollector();
  await using server = serve({
    port: 0,
    logger: log.logger,
    maxConnections: 1,
    maxLingeringRefusals: 0,
  });
  const port = server.port!;
  const squatter = await Deno.connect({ hostname: HOST, port });
  try {
    await writeRaw(squatter, HALF_HEADER);
    await until(() => server.connectionCount === 1, 2000, "squatter served");
    using newcomer = await connect({ port });
    assert.equal((await newcomer.request(ping())).type, FrameType.Pong);
    const { frames } = await within(2000, readToEnd(squatter), "cut");
    assert.deepEqual(frames, []);
    assert.equal(log.find("evicted")?.code, "EVICTED");
    await until(() => server.connectionCount === 1, 2000, "squatter gone");
  } finally {
    squatter.close();
  }
});

Deno.test("the library's clients stay connected across many heartbeats without code of their own", async () => {
  // FramedConn answers the server's Pings by default, also while the
  // application reads nothing; ChatClient and FileClient build on it.
  const dir = await Deno.makeTempDir({ prefix: "framewire_liveness_" });
  await Deno.mkdir(`${dir}/root`);
  await Deno.writeTextFile(`${dir}/root/a.txt`, "hello");
  const chat = new ChatServer({
    path: `${dir}/chat.db`,
    passwordIterations: 1000,
    logger: null,
  });
  const files = new FileServer({ root: `${dir}/root`, logger: null });
  const log = new LogCollector();
  const server = serve(
    {
      hostname: HOST,
      port: 0,
      heartbeatMs: 40,
      heartbeatTimeoutMs: 60,
      logger: log.logger,
    },
    new FrameRouter().use(chat).use(files),
  );
  try {
    await using alice = await ChatClient.connect({
      port: server.port!,
      user: "alice",
      password: "password1",
    });
    await using fileClient = await FileClient.connect({ port: server.port! });
    using plain = await connect({ port: server.port! });
    await plain.request(ping(new Uint8Array([1])));
    // The control: a raw client that does not answer is closed meanwhile.
    const dead = await Deno.connect({ hostname: HOST, port: server.port! });
    const deadPeer = rawPeer(dead, false);
    try {
      await writeRaw(dead, bytesOf(ping()));
      await within(3000, deadPeer.closed, "heartbeat close of the control");
    } finally {
      dead.close();
    }
    assert.deepEqual(errorCodes(deadPeer.frames), ["HEARTBEAT_TIMEOUT"]);
    // Idle for many heartbeat periods: each unanswered one would close.
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.deepEqual((await alice.join("#idle")).members, ["alice"]);
    const download = await fileClient.get("a.txt");
    assert.equal(download.size, 5);
    const pong = await plain.request(ping(new Uint8Array([2])));
    assert.deepEqual([pong.type, ...pong.payload], [FrameType.Pong, 2]);
    // Only the control was closed for not answering.
    assert.equal(
      log.events.filter((event) => event.code === "HEARTBEAT_TIMEOUT").length,
      1,
    );
  } finally {
    await server.shutdown();
    await chat.close();
    await files.close();
    await Deno.remove(dir, { recursive: true });
  }
});
