// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  encodeFrame,
  FrameDecoder,
  FrameType,
  MetricsRegistry,
  resolveServeOptions,
  serve,
  type Server,
} from "../../mod.ts";
import { errorCodes, readToEnd, until, within } from "./_server_utils.ts";

const ECHO = {
  frameTypes: [200],
  onFrame: (frame: { payload: Uint8Array }) => ({
    type: 201,
    payload: frame.payload,
  }),
};

/**
 * The known exchange: two requests (10 and 3 bytes of payload) and a Ping
 * (4 bytes), each answered with as many bytes; 5-byte headers, so 32 bytes
 * each way in 3 frames.
 */
async function exchange(conn: Deno.Conn): Promise<void> {
  const bytes = [
    encodeFrame({ type: 200, payload: new Uint8Array(10) }),
    encodeFrame({ type: 200, payload: new Uint8Array(3) }),
    encodeFrame({ type: FrameType.Ping, payload: new Uint8Array(4) }),
  ];
  for (const chunk of bytes) await conn.write(chunk);
  const decoder = new FrameDecoder();
  const buffer = new Uint8Array(1024);
  let frames = 0;
  while (frames < 3) {
    const count = await conn.read(buffer);
    assert.notEqual(count, null, "the server hung up before answering");
    frames += decoder.push(buffer.slice(0, count!)).length;
  }
}

function traffic(server: Server) {
  const { framesIn, framesOut, bytesIn, bytesOut } = server.totals();
  return { framesIn, framesOut, bytesIn, bytesOut };
}

Deno.test("Server.totals counts frames and bytes of a known exchange, open and after close", async () => {
  await using server = serve({ port: 0, logger: null }, ECHO);
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: server.port!,
  });
  try {
    await exchange(conn);
    const expected = { framesIn: 3, framesOut: 3, bytesIn: 32, bytesOut: 32 };
    assert.deepEqual(traffic(server), expected);
    assert.equal(server.totals().connectionsOpen, 1);
    conn.close();
    await until(() => server.connectionCount === 0, 2000, "the close");
    // Moved from the open connection to the closed totals: nothing lost,
    // nothing counted twice.
    assert.deepEqual(traffic(server), expected);
    assert.deepEqual(server.totals(), {
      connectionsOpen: 0,
      connectionsAccepted: 1,
      connectionsRefused: {
        SERVER_FULL: 0,
        HOST_LIMIT: 0,
        CONNECTION_RATE_LIMITED: 0,
      },
      connectionsEvicted: 0,
      connectionsClosed: { PEER_CLOSED: 1 },
      ...expected,
    });
  } finally {
    try {
      conn.close();
    } catch {
      // Closed above.
    }
  }
});

Deno.test("Server.totals counts a SERVER_FULL refusal and an eviction by code", async () => {
  await using server = serve({
    port: 0,
    logger: null,
    maxConnections: 1,
    lingerMs: 500,
  });
  const addr = { hostname: "127.0.0.1", port: server.port! };
  const conns: Deno.Conn[] = [];
  try {
    const silent = await Deno.connect(addr);
    conns.push(silent);
    await until(
      () => server.totals().connectionsAccepted === 1,
      2000,
      "the first accept",
    );
    // The second evicts the silent first one, then proves itself.
    const proven = await Deno.connect(addr);
    conns.push(proven);
    const first = await within(2000, readToEnd(silent), "EVICTED");
    assert.deepEqual(errorCodes(first.frames), ["EVICTED"]);
    await proven.write(
      encodeFrame({ type: FrameType.Ping, payload: new Uint8Array(0) }),
    );
    assert.notEqual(await proven.read(new Uint8Array(64)), null); // its Pong
    const refused = await Deno.connect(addr);
    conns.push(refused);
    const third = await within(2000, readToEnd(refused), "SERVER_FULL");
    assert.deepEqual(errorCodes(third.frames), ["SERVER_FULL"]);
    await until(
      () => server.totals().connectionsClosed.EVICTED === 1,
      2000,
      "the eviction",
    );
    const totals = server.totals();
    assert.equal(totals.connectionsAccepted, 2);
    assert.equal(totals.connectionsEvicted, 1);
    assert.equal(totals.connectionsRefused.SERVER_FULL, 1);
    assert.equal(totals.connectionsOpen, 1);
  } finally {
    for (const conn of conns) conn.close();
  }
});

Deno.test("serve registers its metrics in the metrics option's registry, read at render time", async () => {
  const metrics = new MetricsRegistry();
  await using server = serve({ port: 0, logger: null, metrics }, ECHO);
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: server.port!,
  });
  try {
    await exchange(conn);
  } finally {
    conn.close();
  }
  await until(() => server.connectionCount === 0, 2000, "the close");
  assert.equal(
    metrics.render(),
    [
      "# HELP framewire_connections_open Connections being served now, closing ones included.",
      "# TYPE framewire_connections_open gauge",
      "framewire_connections_open 0",
      "# HELP framewire_connections_accepted_total Connections accepted and served.",
      "# TYPE framewire_connections_accepted_total counter",
      "framewire_connections_accepted_total 1",
      "# HELP framewire_connections_refused_total Connections turned away without being served, by error code.",
      "# TYPE framewire_connections_refused_total counter",
      'framewire_connections_refused_total{code="SERVER_FULL"} 0',
      'framewire_connections_refused_total{code="HOST_LIMIT"} 0',
      'framewire_connections_refused_total{code="CONNECTION_RATE_LIMITED"} 0',
      "# HELP framewire_connections_evicted_total Connections closed (EVICTED) to make room for a newcomer when the server was full.",
      "# TYPE framewire_connections_evicted_total counter",
      "framewire_connections_evicted_total 0",
      "# HELP framewire_connections_closed_total Served connections that closed, by close reason.",
      "# TYPE framewire_connections_closed_total counter",
      'framewire_connections_closed_total{reason="PEER_CLOSED"} 1',
      "# HELP framewire_frames_received_total Frames received from clients.",
      "# TYPE framewire_frames_received_total counter",
      "framewire_frames_received_total 3",
      "# HELP framewire_frames_sent_total Frames written to clients.",
      "# TYPE framewire_frames_sent_total counter",
      "framewire_frames_sent_total 3",
      "# HELP framewire_bytes_received_total Bytes read from clients.",
      "# TYPE framewire_bytes_received_total counter",
      "framewire_bytes_received_total 32",
      "# HELP framewire_bytes_sent_total Bytes written to clients.",
      "# TYPE framewire_bytes_sent_total counter",
      "framewire_bytes_sent_total 32",
      "",
    ].join("\n"),
  );
});

Deno.test("resolveServeOptions refuses a metrics option that is not a MetricsRegistry", () => {
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => resolveServeOptions({ metrics: {} as any }),
    {
      name: "TypeError",
      message: /^Cannot use metrics .*: expected a MetricsRegistry$/,
    },
  );
  assert.equal(resolveServeOptions({}).metrics, undefined);
});
