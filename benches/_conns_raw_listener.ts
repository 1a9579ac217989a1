// Copyright 2026 the framewire authors. MIT license.
// The baseline of `deno task bench:conns`: a raw Deno listener that accepts
// connections and holds each with one pending read into a small buffer of its
// own (what any server needs to notice a close), and nothing else. Prints
// `listening <port>` once bound. Runs until killed.
//
//   deno run -A benches/_conns_raw_listener.ts
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log(`listening ${listener.addr.port}`);

async function hold(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(64);
  try {
    while ((await conn.read(buffer)) !== null) {
      // The client's Ping: read and dropped.
    }
  } catch {
    // Reset by the peer: the same as a close.
  } finally {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

for await (const conn of listener) void hold(conn);
