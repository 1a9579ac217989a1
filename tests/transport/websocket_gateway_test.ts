// Copyright 2026 the framewire authors. MIT license.
// The WebSocket gateway against a real server on loopback: the same server
// core as TCP (Ping, limits, heartbeats, registry), one frame per binary
// message, and the documented Error code and close code for every message
// that is not exactly one frame.
import assert from "node:assert/strict";
import {
  connectWebSocket,
  encodeFrame,
  encodeFrames,
  type Frame,
  FrameDecoder,
  FrameType,
  parseErrorFrame,
  serve,
  type ServeOptions,
  type Server,
  webSocketGateway,
  type WebSocketGatewayOptions,
  writeAll,
} from "../../mod.ts";
import { errorCodes, LogCollector, within } from "./_server_utils.ts";

const WAIT_MS = 10_000;
const ECHO = 200;

interface Gateway {
  server: Server;
  log: LogCollector;
  port: number;
  url: string;
}

/** A server with an echo handler for type 200, and its gateway. */
async function withGateway(
  fn: (gateway: Gateway) => Promise<void>,
  options: ServeOptions = {},
  gatewayOptions: WebSocketGatewayOptions = {},
): Promise<void> {
  const log = new LogCollector();
  const server = serve({
    port: 0,
    logger: log.logger,
    lingerMs: 500,
    ...options,
  }, {
    frameTypes: [ECHO],
    onFrame: (frame) => ({ type: ECHO, payload: frame.payload }),
  });
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    webSocketGateway(server, gatewayOptions),
  );
  try {
    const port = http.addr.port;
    await fn({ server, log, port, url: `ws://127.0.0.1:${port}/ws` });
  } finally {
    await server.shutdown({ timeoutMs: 1000 });
    await http.shutdown();
  }
}

/** What a raw WebSocket received until it closed. */
interface RawResult {
  /** Binary messages, each decoded as exactly one frame. */
  frames: Frame[];
  /** Byte length of each binary message. */
  sizes: number[];
  code: number;
  reason: string;
}

/**
 * Opens a raw WebSocket, sends `messages` once open, and collects what
 * comes back until the server closes it.
 */
async function rawExchange(
  url: string,
  messages: (string | Uint8Array)[],
  onFrame?: (frame: Frame, socket: WebSocket) => void,
): Promise<RawResult> {
  const socket = new WebSocket(url);
  socket.binaryType = "arraybuffer";
  const result: RawResult = { frames: [], sizes: [], code: 0, reason: "" };
  const closed = new Promise<void>((resolve) => {
    socket.onclose = (event) => {
      result.code = event.code;
      result.reason = event.reason;
      resolve();
    };
  });
  socket.onmessage = (event) => {
    const bytes = new Uint8Array(event.data as ArrayBuffer);
    result.sizes.push(bytes.length);
    const frames = new FrameDecoder({ maxFrameLength: 1 << 24 }).push(bytes);
    assert.equal(frames.length, 1, "one frame per message");
    result.frames.push(frames[0]);
    onFrame?.(frames[0], socket);
  };
  socket.onopen = () => {
    for (const message of messages) socket.send(message);
  };
  await within(WAIT_MS, closed, "the server closing the WebSocket");
  return result;
}

function errors(result: RawResult): string[] {
  return errorCodes(result.frames);
}

const ping = (byte: number): Frame => ({
  type: FrameType.Ping,
  payload: new Uint8Array([byte]),
});

Deno.test("webSocketGateway serves Ping and a handler's frames through the same server core, shown as ws in the registry", async () => {
  await withGateway(async ({ server, url }) => {
    using conn = await connectWebSocket({ url });
    const pong = await conn.request(ping(7));
    assert.equal(pong.type, FrameType.Pong);
    assert.deepEqual(pong.payload, new Uint8Array([7]));
    const payload = new Uint8Array(300_000).map((_, i) => i % 251);
    const echo = await conn.request({ type: ECHO, payload });
    assert.equal(echo.type, ECHO);
    assert.deepEqual(echo.payload, payload);
    const [info] = server.connections();
    assert.equal(info.transport, "ws");
    assert.match(info.remoteAddress, /^127\.0\.0\.1:\d+$/);
    assert.equal(info.framesIn, 2);
    assert.equal(server.connectionCount, 1);
  });
});

Deno.test("webSocketGateway sends each frame as one binary message, also a large one written in pieces", async () => {
  await withGateway(async ({ url }) => {
    const big = new Uint8Array(200_000).fill(9);
    const result = await rawExchange(
      url,
      [encodeFrame(ping(1)), encodeFrame({ type: ECHO, payload: big })],
      (frame, socket) => {
        if (frame.type === ECHO) socket.close(1000);
      },
    );
    assert.deepEqual(result.frames.map((frame) => frame.type), [
      FrameType.Pong,
      ECHO,
    ]);
    assert.deepEqual(result.sizes, [6, 5 + 200_000]);
    assert.deepEqual(result.frames[1].payload, big);
  });
});

Deno.test("webSocketGateway answers a text message with WS_TEXT_MESSAGE and close code 1003", async () => {
  await withGateway(async ({ server, url, log }) => {
    const result = await rawExchange(url, [encodeFrame(ping(1)), "hello"]);
    // The frame before the bad message is answered first.
    assert.equal(result.frames[0].type, FrameType.Pong);
    assert.deepEqual(errors(result), ["WS_TEXT_MESSAGE"]);
    assert.equal(result.code, 1003);
    assert.equal(result.reason, "WS_TEXT_MESSAGE");
    assert.equal(log.find("protocol_error")?.code, "WS_TEXT_MESSAGE");
    await within(
      WAIT_MS,
      (async () => {
        while (server.connectionCount > 0) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })(),
      "the server forgetting the connection",
    );
  });
});

Deno.test("webSocketGateway logs a peer that breaks the WebSocket protocol as a connection error, not as a peer that closed", async () => {
  await withGateway(async ({ server, port, log }) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await writeAll(
        conn,
        new TextEncoder().encode(
          "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" +
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
            "Sec-WebSocket-Key: MDEyMzQ1Njc4OWFiY2RlZg==\r\n\r\n",
        ),
      );
      const head = new Uint8Array(1024);
      const count = await conn.read(head);
      assert.match(
        new TextDecoder().decode(head.subarray(0, count ?? 0)),
        /^HTTP\/1\.1 101 /,
      );
      await within(
        WAIT_MS,
        (async () => {
          while (server.connectionCount === 0) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })(),
        "the server adopting the connection",
      );
      // A masked, empty binary frame with a reserved bit set (RSV1).
      await writeAll(conn, new Uint8Array([0xc2, 0x80, 0, 0, 0, 0]));
      await within(
        WAIT_MS,
        (async () => {
          while (log.find("connection_closed") === undefined) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })(),
        "the server closing the connection",
      );
    } finally {
      conn.close();
    }
    const error = log.find("connection_error");
    assert.equal(error?.code, "CONNECTION_ERROR");
    assert.match(error!.message, /WebSocket error: Reserved bits/);
    assert.match(
      log.find("connection_closed")!.message,
      /^Closed \(CONNECTION_ERROR\)/,
    );
  });
});

Deno.test("webSocketGateway answers a message holding two frames with WS_EXTRA_BYTES and close code 1002", async () => {
  await withGateway(async ({ url }) => {
    const result = await rawExchange(url, [encodeFrames([ping(1), ping(2)])]);
    assert.deepEqual(errors(result), ["WS_EXTRA_BYTES"]);
    assert.equal(result.frames.length, 1, "no Pong for either Ping");
    assert.equal(result.code, 1002);
    assert.equal(result.reason, "WS_EXTRA_BYTES");
  });
});

Deno.test("webSocketGateway answers a truncated frame with FRAME_TRUNCATED and close code 1002", async () => {
  await withGateway(async ({ url }) => {
    const whole = encodeFrame({ type: ECHO, payload: new Uint8Array(10) });
    for (const cut of [3, whole.length - 1]) {
      const result = await rawExchange(url, [whole.subarray(0, cut)]);
      assert.deepEqual(errors(result), ["FRAME_TRUNCATED"]);
      assert.equal(result.code, 1002);
    }
  });
});

Deno.test("webSocketGateway answers a frame above maxFrameLength with FRAME_TOO_LARGE and close code 1009", async () => {
  await withGateway(async ({ url }) => {
    const result = await rawExchange(url, [
      encodeFrame({ type: ECHO, payload: new Uint8Array(17) }),
    ]);
    assert.deepEqual(errors(result), ["FRAME_TOO_LARGE"]);
    assert.equal(result.code, 1009);
    assert.equal(result.reason, "FRAME_TOO_LARGE");
  }, { maxFrameLength: 16, maxSendFrameLength: 1024 });
});

Deno.test("webSocketGateway applies maxConnections: a client over the limit gets SERVER_FULL and close code 1013", async () => {
  await withGateway(async ({ url, server }) => {
    using first = await connectWebSocket({ url });
    await first.request(ping(1)); // Proven: it cannot be evicted.
    const result = await rawExchange(url, []);
    assert.deepEqual(errors(result), ["SERVER_FULL"]);
    assert.equal(result.code, 1013);
    assert.equal(server.totals().connectionsRefused.SERVER_FULL, 1);
    assert.deepEqual((await first.request(ping(2))).payload, ping(2).payload);
  }, { maxConnections: 1 });
});

Deno.test("webSocketGateway applies the per-host limit to the peer's address: HOST_LIMIT and close code 1013", async () => {
  await withGateway(async ({ url }) => {
    using first = await connectWebSocket({ url });
    await first.request(ping(1));
    const result = await rawExchange(url, []);
    assert.deepEqual(errors(result), ["HOST_LIMIT"]);
    assert.equal(result.code, 1013);
  }, { maxConnectionsPerHost: 1 });
});

Deno.test("webSocketGateway applies the heartbeat: a silent client gets a Ping, then HEARTBEAT_TIMEOUT and close code 1008", async () => {
  await withGateway(async ({ url }) => {
    const result = await rawExchange(url, []);
    assert.equal(result.frames[0].type, FrameType.Ping);
    assert.deepEqual(errors(result), ["HEARTBEAT_TIMEOUT"]);
    assert.equal(result.code, 1008);
  }, {
    heartbeatMs: 50,
    heartbeatTimeoutMs: 100,
    firstFrameTimeoutMs: Infinity,
  });
});

Deno.test("webSocketGateway keeps a client that answers the heartbeat", async () => {
  await withGateway(async ({ server, url }) => {
    const conn = await connectWebSocket({ url });
    // FramedConn answers the server's Pings itself while it reads.
    const reading = conn.receive().catch(() => null);
    await within(
      WAIT_MS,
      (async () => {
        while ((server.connections()[0]?.framesOut ?? 0) < 3) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })(),
      "three heartbeat Pings",
    );
    assert.equal(server.connectionCount, 1);
    assert.equal(server.connections()[0].framesIn >= 3, true);
    conn.close();
    assert.equal(await reading, null);
  }, { heartbeatMs: 20, heartbeatTimeoutMs: 200 });
});

Deno.test("webSocketGateway closes its clients with SHUTTING_DOWN and close code 1001 on shutdown", async () => {
  await withGateway(async ({ server, url }) => {
    const socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    const got: string[] = [];
    socket.onmessage = (event) => {
      const [frame] = new FrameDecoder().push(
        new Uint8Array(event.data as ArrayBuffer),
      );
      if (frame.type === FrameType.Error) {
        got.push(parseErrorFrame(frame).code);
      }
    };
    const closed = new Promise<number>((resolve) =>
      socket.onclose = (event) => resolve(event.code)
    );
    await new Promise((resolve) => socket.onopen = resolve);
    await within(
      WAIT_MS,
      (async () => {
        while (server.connectionCount === 0) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })(),
      "the server registering the socket",
    );
    await server.shutdown({ timeoutMs: 1000 });
    assert.equal(await within(WAIT_MS, closed, "the close"), 1001);
    assert.deepEqual(got, ["SHUTTING_DOWN"]);
  });
});

/** A client-to-server WebSocket binary message (masked, with a zero key). */
function maskedMessage(payload: Uint8Array): Uint8Array {
  const head = payload.length < 126
    ? [0x82, 0x80 | payload.length]
    : [0x82, 0x80 | 126, payload.length >> 8, payload.length & 255];
  const bytes = new Uint8Array(head.length + 4 + payload.length);
  bytes.set(head);
  // Mask key 0: the payload goes as it is.
  bytes.set(payload, head.length + 4);
  return bytes;
}

Deno.test("webSocketGateway bounds a client that does not read: its replies wait, then SLOW_READER closes it", async () => {
  await withGateway(
    async ({ port, server, log }) => {
      // A WebSocket client by hand over TCP, so that it can stop reading.
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await conn.write(new TextEncoder().encode([
          "GET /ws HTTP/1.1",
          `Host: 127.0.0.1:${port}`,
          "Connection: Upgrade",
          "Upgrade: websocket",
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
          "Sec-WebSocket-Version: 13",
          "",
          "",
        ].join("\r\n")));
        const request = maskedMessage(
          encodeFrame({ type: ECHO, payload: new Uint8Array(60_000) }),
        );
        // 12 MB of echo requests, more than the socket buffers hold; the
        // writes stall once the server stops reading, so they are not awaited.
        const writing = (async () => {
          for (let i = 0; i < 200; i++) await writeAll(conn, request);
        })().catch(() => {});
        await within(
          WAIT_MS,
          (async () => {
            while (!log.events.some((event) => event.code === "SLOW_READER")) {
              await new Promise((resolve) => setTimeout(resolve, 10));
            }
          })(),
          "the SLOW_READER close",
        );
        await within(
          WAIT_MS,
          (async () => {
            while (server.connectionCount > 0) {
              await new Promise((resolve) => setTimeout(resolve, 10));
            }
          })(),
          "the server forgetting the connection",
        );
        conn.close();
        await writing;
      } finally {
        try {
          conn.close();
        } catch {
          // Closed above.
        }
      }
    },
    { sendTimeoutMs: 300, maxQueuedBytes: 64 * 1024 },
    {
      maxBufferedBytes: 64 * 1024,
    },
  );
});

/** Sends an upgrade request by hand and returns the status line's code. */
async function upgradeStatus(
  port: number,
  headers: Record<string, string>,
  withKey = true,
): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const lines = [
      "GET /ws HTTP/1.1",
      `Host: 127.0.0.1:${port}`,
      "Connection: Upgrade",
      ...(withKey ? ["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="] : []),
      "Sec-WebSocket-Version: 13",
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    await conn.write(
      new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\n`),
    );
    const buffer = new Uint8Array(1024);
    const count = await within(WAIT_MS, conn.read(buffer), "the answer");
    const head = new TextDecoder().decode(buffer.subarray(0, count ?? 0));
    return Number(head.split(" ")[1]);
  } finally {
    conn.close();
  }
}

Deno.test("webSocketGateway refuses an upgrade from another origin with 403, and takes its own, an allowed one and none", async () => {
  await withGateway(
    async ({ port, server }) => {
      const upgrade = { Upgrade: "websocket" };
      assert.equal(
        await upgradeStatus(port, {
          ...upgrade,
          Origin: "http://evil.example",
        }),
        403,
      );
      assert.equal(
        await upgradeStatus(port, {
          ...upgrade,
          Origin: `https://127.0.0.1:${port}`,
        }),
        403,
        "same host, other scheme",
      );
      assert.equal(
        await upgradeStatus(port, {
          ...upgrade,
          Origin: `http://127.0.0.1:${port}`,
        }),
        101,
      );
      assert.equal(
        await upgradeStatus(port, {
          ...upgrade,
          Origin: "https://chat.example",
        }),
        101,
      );
      assert.equal(await upgradeStatus(port, upgrade), 101);
      assert.equal(await upgradeStatus(port, {}), 426);
      assert.equal(await upgradeStatus(port, upgrade, false), 400);
      await server.shutdown({ timeoutMs: 100 });
    },
    {},
    { allowOrigins: ["https://chat.example"] },
  );
});

Deno.test("webSocketGateway refuses a bad allowOrigins option", () => {
  const server = serve({ port: 0, logger: null });
  try {
    assert.throws(
      // deno-lint-ignore no-explicit-any
      () => webSocketGateway(server, { allowOrigins: "*" as any }),
      TypeError,
    );
  } finally {
    void server.shutdown();
  }
});
