// Copyright 2026 the framewire authors. MIT license.
// The traced process of syscalls.sh: listens on port 0 for a sink (started
// by the script, outside the trace), then sends COUNT 16-byte frames either
// with one sendMany call ("batched") or one awaited send per frame
// ("per-frame").
//
//   deno run -A benches/_syscall_sender.ts batched|per-frame COUNT PORT
import { type Frame, FramedConn } from "../mod.ts";

const [mode, countArg, portArg] = Deno.args;
const count = Number(countArg);
const frames: Frame[] = Array.from({ length: count }, (_, i) => ({
  type: 0,
  payload: new Uint8Array(16).fill(i & 0xff),
}));
const conn = await Deno.connect({
  hostname: "127.0.0.1",
  port: Number(portArg),
});
using framed = new FramedConn(conn);
if (mode === "batched") {
  await framed.sendMany(frames);
} else {
  for (const frame of frames) await framed.send(frame);
}
await framed.closeWrite();
console.error(
  `sent ${framed.stats.framesSent} frames, ${framed.stats.bytesSent} bytes`,
);
