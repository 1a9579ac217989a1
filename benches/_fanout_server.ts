// Copyright 2026 the framewire authors. MIT license.
// framewire's side of chat_fanout.ts, as its own process: a chat server
// (SQLite at the given path, synchronous=FULL, every message committed
// before its ack) on 127.0.0.1, port 0. Prints the port on its first line
// and serves until its stdin closes.
//
//   deno run -A benches/_fanout_server.ts <database file> [<cpuprofile>]
//
// With a second argument, the V8 CPU profiler runs from start to end and
// its profile is written there (open it in Chrome DevTools, or summarise
// it with `deno run -A benches/_cpuprofile_top.ts <file>`).
import { Session } from "node:inspector";
import { FrameRouter, serve } from "../mod.ts";
import { ChatServer } from "../chat/mod.ts";

const [path, profilePath] = Deno.args;
if (path === undefined) {
  console.error("usage: _fanout_server.ts <database file> [<cpuprofile>]");
  Deno.exit(2);
}
const inspector = profilePath === undefined ? undefined : new Session();
const post = (method: string) =>
  new Promise<unknown>((resolve, reject) =>
    inspector!.post(
      method,
      {},
      (error: unknown, result: unknown) =>
        error ? reject(error) : resolve(result),
    )
  );
if (inspector !== undefined) {
  inspector.connect();
  await post("Profiler.enable");
  await post("Profiler.start");
}
const chat = new ChatServer({
  path,
  // FULL unless the parent says otherwise (chat_fanout.ts --synchronous).
  synchronous: Deno.env.get("FANOUT_SYNCHRONOUS") === "NORMAL"
    ? "NORMAL"
    : "FULL",
  // Logins are not what is measured.
  passwordIterations: 1000,
  // Throughput is what is measured: no per-user rate limit.
  messageRateLimit: 0,
  logger: null,
});
const server = serve(
  { hostname: "127.0.0.1", port: 0, logger: null },
  new FrameRouter().use(chat),
);
console.log(server.port);
// The parent ends the run by closing stdin.
for await (const _ of Deno.stdin.readable) {
  // Nothing is sent on stdin.
}
if (Deno.env.get("FANOUT_TOTALS")) {
  const { framesIn, framesOut, bytesIn, bytesOut } = server.totals();
  console.error(JSON.stringify({ framesIn, framesOut, bytesIn, bytesOut }));
}
await server.shutdown();
await chat.close();
if (inspector !== undefined) {
  const { profile } = await post("Profiler.stop") as { profile: unknown };
  await Deno.writeTextFile(profilePath, JSON.stringify(profile));
  inspector.disconnect();
}
