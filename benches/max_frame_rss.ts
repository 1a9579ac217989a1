// Copyright 2026 the framewire authors. MIT license.
// Peak memory of a process that receives one max-size frame, framewire vs a
// raw receiver that reads into one preallocated buffer. The goal is
// peak RSS <= 1.1 x frame size + 60 MB.
//
//   deno run -A benches/max_frame_rss.ts [BYTES]   (default 1 GiB)
import { FramedConn } from "../mod.ts";

/** Result of one receiver run. */
export interface RssResult {
  /** Receiver kind. */
  mode: "framewire" | "raw";
  /** Frame payload size in bytes. */
  bytes: number;
  /** Peak resident set of the receiver process, in bytes. */
  peakRssBytes: number;
}

const payloads = new Map<number, Uint8Array>();

/** Sends one frame of `bytes` to a fresh receiver process; returns its peak RSS. */
export async function measurePeakRss(
  mode: "framewire" | "raw",
  bytes: number,
): Promise<RssResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./_max_frame_receiver.ts", import.meta.url).pathname,
      mode,
      String(bytes),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream())
    .values();
  let buffered = "";
  const nextLine = async (): Promise<string> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.next();
      if (done) throw new Error("receiver exited early");
      buffered += value;
    }
    const end = buffered.indexOf("\n");
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    return line;
  };
  const port = Number((await nextLine()).split(" ")[1]);
  let payload = payloads.get(bytes);
  if (!payload) payloads.set(bytes, payload = new Uint8Array(bytes).fill(7));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  if (mode === "framewire") {
    using framed = new FramedConn(conn, { maxFrameLength: bytes });
    await framed.send({ type: 200, payload });
  } else {
    for (let sent = 0; sent < bytes;) {
      sent += await conn.write(payload.subarray(sent, sent + (1 << 20)));
    }
    conn.close();
  }
  const peakRssBytes = Number((await nextLine()).split(" ")[1]);
  await lines.return?.();
  const status = await child.status;
  if (!status.success) throw new Error(`receiver failed: ${status.code}`);
  return { mode, bytes, peakRssBytes };
}

if (import.meta.main) {
  const bytes = Number(Deno.args[0] ?? 1024 * 1024 * 1024);
  const mib = (n: number) => (n / 2 ** 20).toFixed(0) + " MiB";
  for (const mode of ["raw", "framewire"] as const) {
    const { peakRssBytes } = await measurePeakRss(mode, bytes);
    const ratio = (peakRssBytes - 60e6) / bytes;
    console.log(
      `${mode.padEnd(9)} frame ${mib(bytes)}  peak RSS ${mib(peakRssBytes)}  ` +
        `(${
          (peakRssBytes / bytes).toFixed(3)
        } x frame; goal <= 1.1 x frame + 60 MB: ${
          ratio <= 1.1 ? "met" : "MISSED"
        })`,
    );
  }
}
