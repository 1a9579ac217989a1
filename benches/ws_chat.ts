// Copyright 2026 the framewire authors. MIT license.
// Chat and Pings through the WebSocket gateway vs raw TCP, same run, same
// server; see ./_ws_chat.ts. The machine is shared: read the ratios.
//
//   deno task bench:ws [--messages 2000] [--acks 300] [--pings 10000] [--rounds 3]
import { parseArgs } from "node:util";
import { measureWsChat } from "./_ws_chat.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    messages: { type: "string", default: "2000" },
    acks: { type: "string", default: "300" },
    pings: { type: "string", default: "10000" },
    rounds: { type: "string", default: "3" },
  },
});
const options = {
  messages: Number(values.messages),
  acks: Number(values.acks),
  pings: Number(values.pings),
  rounds: Number(values.rounds),
};
const result = await measureWsChat(options);
const rows: [string, keyof typeof result.ws, number, number][] = [
  [`chat 1 → 1, ${options.messages} pipelined (msgs/s)`, "messagesPerS", 1, 0],
  ["chat ack latency, one at a time, p50 (ms)", "p50Ms", 1, 2],
  ["chat ack latency, one at a time, p99 (ms)", "p99Ms", 1, 2],
  [`${options.pings} pipelined Pings (k/s)`, "pingsPerS", 1000, 1],
];
console.log("| scenario | WebSocket /ws | raw TCP | ws / tcp |");
console.log("| --- | --- | --- | --- |");
for (const [name, key, scale, digits] of rows) {
  const ws = result.ws[key];
  const tcp = result.tcp[key];
  console.log(
    `| ${name} | ${(ws / scale).toFixed(digits)} | ${
      (tcp / scale).toFixed(digits)
    } | ${(ws / tcp).toFixed(2)} |`,
  );
}
console.log(
  `| ${options.pings} 37 B messages, bare WebSocket echo (k/s) | ${
    (result.echoPerS / 1000).toFixed(1)
  } | – | – |`,
);
console.log(
  `\nmedian of ${options.rounds} alternating rounds; server in a Worker, synchronous=NORMAL, rate limit off`,
);
