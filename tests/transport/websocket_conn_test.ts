// Copyright 2026 the framewire authors. MIT license.
// WebSocketConn over a scripted socket: how written bytes become one
// message per frame, how each received message is checked, the close code,
// and the wait on a full socket buffer.
import assert from "node:assert/strict";
import {
  encodeFrame,
  encodeFrames,
  errorFrame,
  type Frame,
  FramedConn,
  TruncatedFrameError,
  webSocketCloseCodeFor,
  WebSocketConn,
  WebSocketMessageError,
} from "../../mod.ts";
import { within } from "../_utils.ts";

/** A WebSocket stand-in: records sends and closes, replays messages. */
class FakeSocket extends EventTarget {
  binaryType = "blob";
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  sent: Uint8Array[] = [];
  closedWith: [number | undefined, string | undefined] | undefined;

  send(data: Uint8Array): void {
    this.sent.push(data.slice());
  }

  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
    this.readyState = WebSocket.CLOSING;
  }

  /** The peer sends a message. */
  receive(data: string | Uint8Array): void {
    const event = new MessageEvent("message", {
      data: typeof data === "string" ? data : data.slice().buffer,
    });
    this.dispatchEvent(event);
  }

  /** The close handshake ends. */
  closed(code = 1000): void {
    this.readyState = WebSocket.CLOSED;
    this.dispatchEvent(new CloseEvent("close", { code, reason: "" }));
  }

  opened(): void {
    this.readyState = WebSocket.OPEN;
    this.dispatchEvent(new Event("open"));
  }
}

function wrap(socket: FakeSocket, maxFrameLength = 1024): WebSocketConn {
  return new WebSocketConn(socket as unknown as WebSocket, { maxFrameLength });
}

const frame = (type: number, length: number, fill = 1): Frame => ({
  type,
  payload: new Uint8Array(length).fill(fill),
});

async function readAll(conn: WebSocketConn, size = 4096): Promise<number[]> {
  const buffer = new Uint8Array(size);
  const count = await conn.read(buffer);
  return count === null ? [] : [...buffer.subarray(0, count)];
}

Deno.test("WebSocketConn sends each frame of a write as its own message", async () => {
  const socket = new FakeSocket();
  const conn = wrap(socket);
  const frames = [frame(200, 3), frame(2, 0), frame(201, 10, 7)];
  const bytes = encodeFrames(frames);
  assert.equal(await conn.write(bytes), bytes.length);
  assert.deepEqual(
    socket.sent,
    frames.map((f) => encodeFrame(f)),
  );
});

Deno.test("WebSocketConn joins a frame written in pieces, its header cut too, into one message", async () => {
  const socket = new FakeSocket();
  const conn = wrap(socket);
  const first = encodeFrame(frame(200, 20, 3));
  const second = encodeFrame(frame(201, 2, 4));
  const stream = new Uint8Array([...first, ...second]);
  // Cut inside the first header, inside its payload, and inside the second
  // header: no message may leave before its frame is whole.
  for (const [start, end] of [[0, 2], [2, 10], [10, 26], [26, 28], [28, 32]]) {
    await conn.write(stream.subarray(start, end));
  }
  assert.deepEqual(socket.sent, [first, second]);
});

Deno.test("WebSocketConn passes a message of exactly one frame on, also to small reads", async () => {
  const socket = new FakeSocket();
  const conn = wrap(socket);
  const bytes = encodeFrame(frame(200, 6, 9));
  const reading = readAll(conn, 4);
  socket.receive(bytes);
  assert.deepEqual(await reading, [...bytes.subarray(0, 4)]);
  assert.deepEqual(await readAll(conn, 100), [...bytes.subarray(4)]);
  socket.closed();
  assert.equal(await conn.read(new Uint8Array(8)), null);
});

Deno.test("WebSocketConn hands over several queued messages in one read, as a TCP read would", async () => {
  const socket = new FakeSocket();
  const conn = wrap(socket);
  const frames = [frame(2, 1, 1), frame(200, 3, 2), frame(2, 1, 3)];
  for (const f of frames) socket.receive(encodeFrame(f));
  assert.deepEqual(await readAll(conn), [...encodeFrames(frames)]);
  // A buffer that ends inside a message: the rest comes next.
  socket.receive(encodeFrame(frames[1]));
  socket.receive(encodeFrame(frames[2]));
  assert.deepEqual(await readAll(conn, 10), [
    ...encodeFrames([frames[1], frames[2]]).subarray(0, 10),
  ]);
  assert.deepEqual(await readAll(conn), [
    ...encodeFrame(frames[2]).subarray(2),
  ]);
});

Deno.test("WebSocketConn fails a text message with WS_TEXT_MESSAGE, after the frames before it", async () => {
  const socket = new FakeSocket();
  const conn = wrap(socket);
  const ping = encodeFrame(frame(2, 1));
  socket.receive(ping);
  socket.receive("hello");
  socket.receive(ping); // Ignored: nothing after a bad message counts.
  assert.deepEqual(await readAll(conn), [...ping]);
  await assert.rejects(conn.read(new Uint8Array(8)), (error) => {
    assert(error instanceof WebSocketMessageError);
    assert.equal(error.code, "WS_TEXT_MESSAGE");
    return true;
  });
});

Deno.test("WebSocketConn fails a message holding two frames with WS_EXTRA_BYTES", async () => {
  const socket = new FakeSocket();
  const conn = wrap(socket);
  socket.receive(encodeFrames([frame(2, 1), frame(2, 1)]));
  await assert.rejects(conn.read(new Uint8Array(8)), {
    name: "WebSocketMessageError",
    code: "WS_EXTRA_BYTES",
  });
});

Deno.test("WebSocketConn fails a message shorter than its header or its frame with FRAME_TRUNCATED", async () => {
  for (const [cut, inHeader] of [[3, true], [7, false]] as const) {
    const socket = new FakeSocket();
    const conn = wrap(socket);
    socket.receive(encodeFrame(frame(200, 5)).subarray(0, cut));
    await assert.rejects(conn.read(new Uint8Array(8)), (error) => {
      assert(error instanceof TruncatedFrameError);
      assert.equal(error.inHeader, inHeader);
      assert.equal(error.receivedBytes, cut);
      return true;
    });
  }
});

Deno.test("WebSocketConn passes only the header of a frame above maxFrameLength, so the decoder refuses it", async () => {
  const socket = new FakeSocket();
  const framed = new FramedConn(wrap(socket, 16), { maxFrameLength: 16 });
  socket.receive(encodeFrame(frame(200, 17)));
  await assert.rejects(framed.receive(), { code: "FRAME_TOO_LARGE" });
  framed.close();
});

Deno.test("WebSocketConn closes with the close code of the last Error frame sent, the code as reason", async () => {
  const socket = new FakeSocket();
  const conn = wrap(socket);
  await conn.write(encodeFrame(errorFrame("FRAME_TOO_LARGE", "too big")));
  await conn.closeWrite();
  assert.deepEqual(socket.closedWith, [1009, "FRAME_TOO_LARGE"]);
  await assert.rejects(conn.write(new Uint8Array(1)), {
    code: "CONNECTION_CLOSED",
  });
  const plain = new FakeSocket();
  wrap(plain).close();
  assert.deepEqual(plain.closedWith, [1000, ""]);
});

Deno.test("webSocketCloseCodeFor maps the documented codes", () => {
  const table: [string | undefined, number][] = [
    [undefined, 1000],
    ["SHUTTING_DOWN", 1001],
    ["WS_EXTRA_BYTES", 1002],
    ["FRAME_TRUNCATED", 1002],
    ["FRAME_TYPE_UNKNOWN", 1002],
    ["PROTOCOL_MISMATCH", 1002],
    ["WS_TEXT_MESSAGE", 1003],
    ["HEARTBEAT_TIMEOUT", 1008],
    ["SESSION_REPLACED", 1008],
    ["FRAME_TOO_LARGE", 1009],
    ["INTERNAL_ERROR", 1011],
    ["SERVER_FULL", 1013],
    ["HOST_LIMIT", 1013],
    ["CONNECTION_RATE_LIMITED", 1013],
  ];
  for (const [code, close] of table) {
    assert.equal(webSocketCloseCodeFor(code), close, String(code));
  }
});

Deno.test("WebSocketConn waits to write until a connecting socket opens", async () => {
  const socket = new FakeSocket();
  socket.readyState = WebSocket.CONNECTING;
  const conn = wrap(socket);
  let done = false;
  const writing = conn.write(encodeFrame(frame(2, 0))).then(() => done = true);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(done, false);
  assert.equal(socket.sent.length, 0);
  socket.opened();
  await within(5000, writing, "the write");
  assert.equal(socket.sent.length, 1);
});

Deno.test("WebSocketConn holds a write while the socket buffers more than maxBufferedBytes", async () => {
  const socket = new FakeSocket();
  const conn = new WebSocketConn(socket as unknown as WebSocket, {
    maxBufferedBytes: 100,
  });
  socket.bufferedAmount = 500;
  let done = false;
  const writing = conn.write(encodeFrame(frame(200, 10))).then(() =>
    done = true
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(done, false);
  assert.equal(socket.sent.length, 1, "sent, then held");
  socket.bufferedAmount = 40;
  await within(5000, writing, "the held write");
  // A close also releases a held write.
  socket.bufferedAmount = 500;
  const held = conn.write(encodeFrame(frame(200, 10)));
  socket.closed();
  await within(5000, held, "the write released by the close");
});

Deno.test("WebSocketConn refuses a bad option", () => {
  assert.throws(
    () =>
      new WebSocketConn(new FakeSocket() as unknown as WebSocket, {
        maxBufferedBytes: -1,
      }),
    RangeError,
  );
});
