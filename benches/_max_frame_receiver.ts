// Copyright 2026 the framewire authors. MIT license.
// Receiver process for max_frame_rss.ts: listens on port 0, prints
// "port N", receives one frame (framewire) or N raw bytes into one buffer
// (raw), checks it, then prints its peak RSS from /proc/self/status.
//
//   deno run -A benches/_max_frame_receiver.ts framewire|raw BYTES
import { FramedConn } from "../mod.ts";

const [mode, bytesArg] = Deno.args;
const size = Number(bytesArg);
using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log(`port ${listener.addr.port}`);
const conn = await listener.accept();
if (mode === "framewire") {
  using framed = new FramedConn(conn, { maxFrameLength: size });
  const frame = await framed.receive();
  if (frame?.payload.length !== size || frame.payload[size - 1] !== 7) {
    throw new Error("wrong frame");
  }
} else {
  // What a careful hand-rolled receiver does: one buffer of the final size.
  const buffer = new Uint8Array(size);
  for (let got = 0; got < size;) {
    const count = await conn.read(buffer.subarray(got));
    if (count === null) throw new Error("EOF");
    got += count;
  }
  conn.close();
  if (buffer[size - 1] !== 7) throw new Error("wrong bytes");
}
const status = await Deno.readTextFile("/proc/self/status");
const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
console.log(`peak_rss_bytes ${peakKiB * 1024}`);
