// Copyright 2026 the framewire authors. MIT license.
// File downloads and blob transfers over loopback TCP, each group with its
// baseline in the same run: read the ratios, the machine is shared. The
// server side runs in a Worker (./_files_peer.ts).
//
//   deno bench -A benches/files_bench.ts
//   FRAMEWIRE_BENCH_FILE_MIB=256 FRAMEWIRE_BENCH_BLOB_MIB=64 deno bench -A benches/files_bench.ts
//
// Files are written under /dev/shm when it exists (about 3 GiB of memory
// for the default sizes), else in the temp dir.
//
// - "download": a 1 GiB file (FRAMEWIRE_BENCH_FILE_MIB) fetched with
//   FileClient.download (chunks, acks, SHA-256 on both sides, written to a
//   .part file and renamed) against a raw socket copy of the same file into
//   a file (no framing, no digest); and fetched with FileClient.get and
//   dropped, to separate the protocol from the disk.
// - "blob": a stream of FRAMEWIRE_BENCH_BLOB_MIB MiB (256 by default) sent
//   with BlobChannel at W = 1 and at the default window, against raw writes.
// - "picture": one 586,403-byte blob (the design notes' picture, about
//   10 ms there with one confirmation per chunk) at W = 1 and the default.
import { connect } from "../mod.ts";
import {
  BlobChannel,
  DEFAULT_BLOB_CHUNK_BYTES,
  DEFAULT_BLOB_WINDOW,
  FileClient,
} from "../files/mod.ts";
import type { FilesPeerPorts } from "./_files_peer.ts";

const MiB = 1024 * 1024;
const FILE_MIB = Number(Deno.env.get("FRAMEWIRE_BENCH_FILE_MIB") ?? 1024);
const BLOB_MIB = Number(Deno.env.get("FRAMEWIRE_BENCH_BLOB_MIB") ?? 256);
const PICTURE_BYTES = 586_403;
const BLOCK = 4 * MiB;

// Setup, once: the file, the peer, and a connection for the small blobs.
// Files live on tmpfs where there is one: on disk, the writeback of the
// gigabytes each run writes competes for the CPU with the next runs, and
// the figures measure the disk rather than the protocol.
const dir = await Deno.makeTempDir({
  prefix: "framewire_files_bench_",
  dir: isDirectory("/dev/shm") ? "/dev/shm" : undefined,
});
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch {
    // Already gone.
  }
});
const block = crypto.getRandomValues(new Uint8Array(65_536));
const source = new Uint8Array(BLOCK);
for (let at = 0; at < BLOCK; at += block.length) source.set(block, at);
{
  using file = await Deno.open(`${dir}/big.bin`, { write: true, create: true });
  for (let i = 0; i < FILE_MIB / 4; i++) {
    source[0] = i & 0xff; // no two blocks alike
    for (let at = 0; at < BLOCK;) at += await file.write(source.subarray(at));
  }
  await file.sync();
}
const peer = new Worker(new URL("./_files_peer.ts", import.meta.url), {
  type: "module",
});
const ports = await new Promise<FilesPeerPorts>((resolve) => {
  peer.onmessage = (event: MessageEvent<FilesPeerPorts>) => resolve(event.data);
  peer.postMessage({ root: dir });
});
const sink = new BlobChannel(await connect({ port: ports.blobSink }));
const picture = source.slice(0, PICTURE_BYTES);
const runs = { n: 3, warmup: 1 };

/** A stream of `bytes` bytes in 256 KiB views of the block. */
function stream(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const size = Math.min(DEFAULT_BLOB_CHUNK_BYTES, bytes - sent);
      const at = (sent / DEFAULT_BLOB_CHUNK_BYTES * 4099) % (BLOCK - size);
      controller.enqueue(source.subarray(at, at + size));
      sent += size;
    },
  }, { highWaterMark: 0 });
}

Deno.bench({
  name: `raw socket writes of ${BLOB_MIB} MiB`,
  group: "blob",
  baseline: true,
  ...runs,
  async fn() {
    const conn = await Deno.connect({
      hostname: "127.0.0.1",
      port: ports.rawSink,
    });
    for await (const piece of stream(BLOB_MIB * MiB)) {
      for (let at = 0; at < piece.length;) {
        at += await conn.write(piece.subarray(at));
      }
    }
    conn.close();
  },
});

for (const window of [DEFAULT_BLOB_WINDOW, 1]) {
  Deno.bench({
    name: `BlobChannel ${BLOB_MIB} MiB stream, W = ${window}${
      window === DEFAULT_BLOB_WINDOW ? " (default)" : ""
    }`,
    group: "blob",
    ...runs,
    async fn() {
      using conn = await connect({ port: ports.blobSink });
      const channel = new BlobChannel(conn);
      const loop = channel.run().catch(() => {});
      await channel.send(stream(BLOB_MIB * MiB), { window }).done;
      conn.close();
      await loop;
    },
  });
}

// The picture runs on one connection opened at setup: per-transfer cost
// only, as an application that keeps its connection would see it.
// Its read loop ends when the process does.
sink.run().catch(() => {});
for (
  const [window, chunkBytes] of [
    [1, DEFAULT_BLOB_CHUNK_BYTES],
    [1, 16 * 1024],
    [DEFAULT_BLOB_WINDOW, DEFAULT_BLOB_CHUNK_BYTES],
  ] as const
) {
  Deno.bench({
    name: `586,403 B picture, W = ${window}, ${chunkBytes / 1024} KiB chunks`,
    group: "picture",
    baseline: window === 1 && chunkBytes === DEFAULT_BLOB_CHUNK_BYTES,
    async fn() {
      await sink.send(picture, { window, chunkBytes }).done;
    },
  });
}

// Last: it leaves gigabytes of dirty pages whose writeback competes for
// the CPU with whatever runs next.
Deno.bench({
  name: `raw socket copy of a ${FILE_MIB} MiB file into a file`,
  group: "download",
  baseline: true,
  ...runs,
  async fn() {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: ports.raw });
    using out = await Deno.open(`${dir}/raw_copy.bin`, {
      write: true,
      create: true,
      truncate: true,
    });
    await conn.write(new TextEncoder().encode("big.bin\n"));
    const buffer = new Uint8Array(MiB);
    let total = 0;
    for (
      let n = await conn.read(buffer);
      n !== null;
      n = await conn.read(buffer)
    ) {
      for (let at = 0; at < n;) at += await out.write(buffer.subarray(at, n));
      total += n;
    }
    conn.close();
    if (total !== FILE_MIB * MiB) {
      throw new Error(`raw copy got ${total} bytes`);
    }
  },
});

for (const window of [DEFAULT_BLOB_WINDOW, 1]) {
  Deno.bench({
    name: `FileClient.download, W = ${window}${
      window === DEFAULT_BLOB_WINDOW ? " (default)" : ""
    }`,
    group: "download",
    ...runs,
    async fn() {
      await using client = await FileClient.connect({ port: ports.files });
      const result = await client.download("big.bin", `${dir}/download.bin`, {
        window,
      });
      if (result.size !== FILE_MIB * MiB) {
        throw new Error(`got ${result.size} bytes`);
      }
    },
  });
}

Deno.bench({
  name:
    `FileClient.get, W = ${DEFAULT_BLOB_WINDOW}, read and dropped (no disk)`,
  group: "download",
  ...runs,
  async fn() {
    await using client = await FileClient.connect({ port: ports.files });
    const blob = await client.get("big.bin");
    await blob.stream.pipeTo(new WritableStream());
    if ((await blob.done).size !== FILE_MIB * MiB) throw new Error("short");
  },
});

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}
