// Copyright 2026 the framewire authors. MIT license.
// Shared plumbing for loopback benchmarks: a connected TCP pair and raw
// helpers that play the baseline a hand-rolled program would be.

/** A connected pair of TCP sockets on 127.0.0.1; dispose closes both. */
export interface TcpPair extends Disposable {
  client: Deno.TcpConn;
  server: Deno.TcpConn;
}

/** Opens a listener on port 0, connects to it, and closes the listener. */
export async function tcpPair(): Promise<TcpPair> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [client, server] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  client.setNoDelay(true);
  server.setNoDelay(true);
  return {
    client,
    server,
    [Symbol.dispose]() {
      closeQuietly(client);
      closeQuietly(server);
    },
  };
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

/** Writes every byte, looping on short writes (the baseline's own loop). */
export async function rawWriteAll(
  conn: Deno.Conn,
  bytes: Uint8Array,
): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    offset += await conn.write(bytes.subarray(offset));
  }
}

/** Reads until `total` bytes arrived; returns the last byte seen. */
export async function rawReadExactly(
  conn: Deno.Conn,
  total: number,
  bufferBytes = 1024 * 1024,
): Promise<number> {
  const buffer = new Uint8Array(bufferBytes);
  let received = 0;
  let last = -1;
  while (received < total) {
    const count = await conn.read(
      buffer.subarray(0, Math.min(buffer.length, total - received)),
    );
    if (count === null) throw new Error(`EOF after ${received} of ${total}`);
    received += count;
    last = buffer[count - 1];
  }
  return last;
}
