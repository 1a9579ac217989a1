// Copyright 2026 the framewire authors. MIT license.
// `deno task cluster`: a local cluster to try — a throw-away PostgreSQL, a
// nats-server and three chat nodes (cli/server.ts) on loopback ports, all
// stopped on Ctrl-C. Needs PostgreSQL and nats-server installed (Debian:
// `apt-get install postgresql nats-server`).
//
//   deno task cluster                    (nodes on 9001-9003, HTTP 9101-9103)
//   deno task cluster --nodes 2 --base-port 7000
import { parseArgs } from "node:util";
import { ChatNode } from "./chat_node.ts";
import { natsBinary, startNats } from "./nats.ts";
import { postgresBinaries, startPostgres } from "./postgres.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    nodes: { type: "string", default: "3" },
    "base-port": { type: "string", default: "9000" },
  },
});
const count = Number(values.nodes);
const base = Number(values["base-port"]);
if (!Number.isInteger(count) || count < 1 || count > 9) {
  console.error("cluster: --nodes must be 1 to 9");
  Deno.exit(1);
}
if (!Number.isInteger(base) || base < 1024 || base + 100 + count > 65535) {
  console.error("cluster: --base-port must be 1024 to 65000");
  Deno.exit(1);
}
if (postgresBinaries() === undefined || natsBinary() === undefined) {
  console.error(
    "cluster: needs PostgreSQL (initdb, pg_ctl) and nats-server; on Debian: " +
      "apt-get install postgresql nats-server",
  );
  Deno.exit(1);
}

const postgres = await startPostgres();
const nats = await startNats().catch(async (error) => {
  await postgres.stop();
  throw error;
});
const db = await postgres.createDatabase();
console.log(`postgres  ${db.url}`);
console.log(`nats      ${nats.url}`);

const nodes: ChatNode[] = [];
const addresses: string[] = [];
try {
  // One after the other: the first creates the schema, the next find it.
  for (let i = 1; i <= count; i++) {
    const port = base + i;
    const node = new ChatNode(`n${i}`, [
      "--port",
      String(port),
      "--http-port",
      String(base + 100 + i),
      "--db",
      db.url,
      "--cluster",
      nats.url,
      "--node-id",
      `n${i}`,
      "--quiet",
    ], (line) => console.log(`[n${i}] ${line}`));
    nodes.push(node);
    await node.start();
    addresses.push(node.address);
  }
} catch (error) {
  console.error(`cluster: ${(error as Error).message}`);
  await stopAll();
  Deno.exit(1);
}
console.log(`nodes     ${addresses.join(",")}`);
console.log(
  `health    http://127.0.0.1:${base + 101}/healthz, /metrics (one per node)`,
);
console.log(
  `try       deno run -A cli/client.ts chat ${
    addresses.join(",")
  } --user alice`,
);
console.log("Ctrl-C stops everything.");

const stopped = Promise.withResolvers<void>();
Deno.addSignalListener("SIGINT", () => stopped.resolve());
Deno.addSignalListener("SIGTERM", () => stopped.resolve());
await Promise.race([stopped.promise, ...nodes.map((node) => node.exited)]);
await stopAll();
console.log("cluster stopped");
Deno.exit(0);

async function stopAll(): Promise<void> {
  await Promise.all(nodes.map((node) => node.stop()));
  await nats.stop();
  await postgres.stop();
}
