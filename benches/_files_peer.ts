// Copyright 2026 the framewire authors. MIT license.
// The server side of files_bench.ts, run in a Worker so that server and
// client each get a core, as two programs would. On a start message it
// runs, until the worker is terminated:
//   - a framewire server with a FileServer for `root`;
//   - a raw TCP file server (the baseline): reads "PATH\n", writes the
//     file's bytes, closes;
//   - a blob sink: a BlobChannel per connection that reads every incoming
//     blob to its verified end;
//   - a raw sink: reads every byte until EOF.
import { FrameRouter, serve } from "../mod.ts";
import { BlobChannel, FileServer } from "../files/mod.ts";
import { FramedConn } from "../mod.ts";

/** What the peer posts once everything listens. */
export interface FilesPeerPorts {
  files: number;
  raw: number;
  blobSink: number;
  rawSink: number;
}

declare const self: Worker & { close(): void };

const RAW_BLOCK = 1024 * 1024;

self.onmessage = (event: MessageEvent<{ root: string }>) => {
  const files = serve(
    { hostname: "127.0.0.1", port: 0, logger: null },
    new FrameRouter().use(
      new FileServer({ root: event.data.root, logger: null }),
    ),
  );
  const raw = listenLoop(async (conn) => {
    const path = await readLine(conn);
    using file = await Deno.open(`${event.data.root}/${path}`);
    const buffer = new Uint8Array(RAW_BLOCK);
    for (
      let n = await file.read(buffer);
      n !== null;
      n = await file.read(buffer)
    ) {
      await writeAll(conn, buffer.subarray(0, n));
    }
  });
  const blobSink = listenLoop(async (conn) => {
    const channel = new BlobChannel(new FramedConn(conn), {
      onBlob: (blob) =>
        void blob.stream.pipeTo(new WritableStream()).catch(() => {}),
    });
    await channel.run().catch(() => {});
  });
  const rawSink = listenLoop(async (conn) => {
    const buffer = new Uint8Array(RAW_BLOCK);
    while ((await conn.read(buffer)) !== null) {
      // Discard, as the blob sink does.
    }
  });
  const ports: FilesPeerPorts = {
    files: files.port!,
    raw: raw,
    blobSink,
    rawSink,
  };
  self.postMessage(ports);
};

/** Serves every connection of a new listener with `handle`; returns the port. */
function listenLoop(handle: (conn: Deno.TcpConn) => Promise<void>): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) {
      conn.setNoDelay(true);
      handle(conn).catch(() => {}).finally(() => {
        try {
          conn.close();
        } catch {
          // The peer closed first.
        }
      });
    }
  })();
  return listener.addr.port;
}

async function readLine(conn: Deno.Conn): Promise<string> {
  const bytes: number[] = [];
  const one = new Uint8Array(1);
  while ((await conn.read(one)) === 1 && one[0] !== 10) bytes.push(one[0]);
  return new TextDecoder().decode(new Uint8Array(bytes));
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    at += await conn.write(bytes.subarray(at));
  }
}
