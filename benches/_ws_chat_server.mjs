// Copyright 2026 the framewire authors. MIT license.
// The baseline of chat_fanout.ts: the well-known chat broadcast server on
// Node with the `ws` package, as its README and the "32 clients in one
// room" benchmarks write it. Every text message a client sends goes to
// every open client of the room, the sender included (its own copy is its
// acknowledgement). It parses nothing and stores nothing.
//
//   node benches/_ws_chat_server.mjs <dir holding node_modules/ws>
//
// Listens on 127.0.0.1, port 0, and prints the port on its first line.
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.argv[2], "package.json"));
const { WebSocketServer, WebSocket } = require("ws");

const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => {
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) {
        client.send(data, { binary: isBinary });
      }
    }
  });
});
wss.on("listening", () => {
  process.stdout.write(`${wss.address().port}\n`);
});
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
