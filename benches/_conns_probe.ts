// Copyright 2026 the framewire authors. MIT license.
// Where the memory of an idle connection goes, in process: serves chat as
// `cli/server.ts` does (default flags), lets a client subprocess open N
// connections that each do one Ping, and prints the growth of V8's heap,
// of external (ArrayBuffer) memory and of RSS per connection. With
// `--snapshot FILE` it also writes a heap snapshot while they idle (open it
// in Chrome DevTools, Memory tab, to see which objects they hold).
//
//   deno run -A --v8-flags=--expose-gc benches/_conns_probe.ts --connections 2000
import { parseArgs } from "node:util";
import { ChatServer } from "../chat/mod.ts";
import { createServerHandler } from "../cli/server.ts";
import { serve } from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    connections: { type: "string", default: "2000" },
    snapshot: { type: "string" },
  },
});
const count = Number(values.connections);
const gc = (globalThis as { gc?: () => void }).gc;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sample() {
  gc?.();
  gc?.();
  return Deno.memoryUsage();
}

const dir = await Deno.makeTempDir({ prefix: "conns-probe-" });
const chat = new ChatServer({ path: `${dir}/chat.db`, logger: () => {} });
const server = serve(
  { hostname: "127.0.0.1", port: 0, logger: null },
  createServerHandler(() => {}, [chat]),
);
try {
  await delay(500);
  const before = sample();
  const client = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./_conns_client.ts", import.meta.url).pathname,
      String(server.port),
      String(count),
      "framewire",
    ],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const lines = client.stdout.pipeThrough(new TextDecoderStream()).values();
  const line = await lines.next();
  if (line.value?.trim() !== `open ${count}`) throw new Error(line.value);
  await delay(1500);
  const idle = sample();
  const per = (key: keyof Deno.MemoryUsage) =>
    ((idle[key] - before[key]) / count).toFixed(0).padStart(6);
  console.log(`${count} idle connections, bytes per connection:`);
  console.log(`  heapUsed ${per("heapUsed")}`);
  console.log(`  external ${per("external")}`);
  console.log(`  rss      ${per("rss")}`);
  if (values.snapshot !== undefined) {
    const v8 = await import("node:v8");
    v8.writeHeapSnapshot(values.snapshot);
    console.log(`  heap snapshot: ${values.snapshot}`);
  }
  const writer = client.stdin.getWriter();
  await writer.write(new TextEncoder().encode("close\n"));
  await writer.close();
  await client.status;
  await delay(1000);
  const closed = sample();
  const mb = (key: keyof Deno.MemoryUsage) =>
    ((closed[key] - before[key]) / 1e6).toFixed(1);
  console.log(
    `  after close, MB over before: heapUsed ${mb("heapUsed")}, heapTotal ${
      mb("heapTotal")
    }, external ${mb("external")}, rss ${mb("rss")}`,
  );
} finally {
  await server.shutdown({ timeoutMs: 1000 });
  await chat.close();
  await Deno.remove(dir, { recursive: true });
}
