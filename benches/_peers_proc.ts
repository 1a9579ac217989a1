// Copyright 2026 the framewire authors. MIT license.
// One program of a `deno task bench:peers` run. As `serve` it listens on
// 127.0.0.1 port 0, prints `port N`, does the receiving side of the job and
// exits; as `client` it connects to PORT, does the sending side and prints
// its Result as one JSON line.
//
//   deno run -A benches/_peers_proc.ts serve raw|framewire JOB_JSON
//   deno run -A benches/_peers_proc.ts client raw|framewire JOB_JSON PORT
import type { Job } from "./_peers_common.ts";
import { framewireClient, framewireServe } from "./_peers_framewire.ts";
import { rawClient, rawServe } from "./_peers_raw.ts";

const [role, impl, jobText, portText] = Deno.args;
const job = JSON.parse(jobText) as Job;

if (role === "serve") {
  if (impl === "raw") {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    console.log(`port ${listener.addr.port}`);
    try {
      await rawServe(listener, job);
    } finally {
      listener.close();
    }
  } else {
    const { port, done } = framewireServe(job);
    console.log(`port ${port}`);
    await done;
  }
} else {
  const port = Number(portText);
  const result = impl === "raw"
    ? await rawClient(port, job)
    : await framewireClient(port, job);
  console.log(JSON.stringify(result));
}
