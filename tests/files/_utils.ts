// Copyright 2026 the framewire authors. MIT license.
// Helpers for the files tests: deterministic data, an independent digest
// (WebCrypto), temp dirs, a connected pair of blob channels, a file server
// on loopback, and a proxy that corrupts or cuts the byte stream.
import {
  encodeFrame,
  type Frame,
  FramedConn,
  FrameDecoder,
  FrameRouter,
  serve,
  type ServeOptions,
  type Server,
} from "../../mod.ts";
import {
  BlobChannel,
  type BlobChannelOptions,
  FileServer,
  type FileServerOptions,
  FilesFrameType,
  type IncomingBlob,
} from "../../files/mod.ts";
import { until, within } from "../_utils.ts";
export { until, within };

/**
 * Deterministic pseudo-random bytes (xorshift32 per 4 bytes): cheap enough
 * for hundreds of MiB, and no two seeds or offsets look alike, so a
 * misplaced chunk cannot go unnoticed.
 */
export function pattern(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  const words = new Uint32Array(bytes.buffer, 0, size >>> 2);
  let x = (seed * 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  for (let i = words.length * 4; i < size; i++) {
    bytes[i] = (i * 31 + seed) & 0xff;
  }
  return bytes;
}

/** SHA-256 in hex by WebCrypto: independent of the library's hash. */
export async function webSha256(
  bytes: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Runs `fn` with a fresh temp dir, removed afterwards whatever happens. */
export async function withTempDir<T>(
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "framewire_files_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Names of the entries of a directory, sorted. */
export async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

/** Whether a path exists (without following a last symlink). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Two blob channels over a loopback TCP connection, each with a read loop. */
export interface BlobPair extends AsyncDisposable {
  readonly a: BlobChannel;
  readonly b: BlobChannel;
  readonly connA: FramedConn<Deno.TcpConn>;
  readonly connB: FramedConn<Deno.TcpConn>;
  /** Incoming transfers of `b` (its `onBlob`), in arrival order. */
  nextIncoming(): Promise<IncomingBlob>;
  /** Closes both connections and waits for the read loops. */
  close(): Promise<void>;
}

export interface BlobPairOptions {
  a?: BlobChannelOptions;
  b?: BlobChannelOptions;
  /** Put a proxy between the two ends (a → proxy → b). */
  proxy?: Omit<ProxyOptions, "targetPort">;
}

export async function blobPair(
  options: BlobPairOptions = {},
): Promise<BlobPair> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let proxy: Proxy | undefined;
  let connA: FramedConn<Deno.TcpConn>;
  let connB: FramedConn<Deno.TcpConn>;
  try {
    if (options.proxy !== undefined) {
      proxy = startProxy({ ...options.proxy, targetPort: listener.addr.port });
    }
    const port = proxy?.port ?? listener.addr.port;
    const [rawA, rawB] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port }),
      listener.accept(),
    ]);
    rawA.setNoDelay(true);
    rawB.setNoDelay(true);
    connA = new FramedConn(rawA);
    connB = new FramedConn(rawB);
  } finally {
    listener.close();
  }
  const waiting: ((blob: IncomingBlob) => void)[] = [];
  const arrived: IncomingBlob[] = [];
  const a = new BlobChannel(connA, options.a);
  const b = new BlobChannel(connB, {
    onBlob: (blob) => {
      const take = waiting.shift();
      if (take !== undefined) take(blob);
      else arrived.push(blob);
    },
    ...options.b,
  });
  // A loop's failure shows up in the test through the transfers it fails.
  const loops = [a.run().catch(() => {}), b.run().catch(() => {})];
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      connA.close();
      connB.close();
      await Promise.all(loops);
      await proxy?.close();
    })();
  return {
    a,
    b,
    connA,
    connB,
    nextIncoming: () => {
      const blob = arrived.shift();
      return blob !== undefined
        ? Promise.resolve(blob)
        : new Promise((resolve) => waiting.push(resolve));
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A FileServer behind a framewire server on loopback. */
export interface FilesUnderTest extends AsyncDisposable {
  readonly files: FileServer;
  readonly server: Server;
  readonly port: number;
}

export function startFiles(
  options: FileServerOptions,
  serveOptions: ServeOptions = {},
): FilesUnderTest {
  // Refusals and failures are what these tests provoke: not on stderr.
  const files = new FileServer({ logger: null, ...options });
  const server = serve(
    { hostname: "127.0.0.1", port: 0, logger: null, ...serveOptions },
    new FrameRouter().use(files),
  );
  return {
    files,
    server,
    port: server.port!,
    [Symbol.asyncDispose]: async () => {
      await server.shutdown({ timeoutMs: 2000 });
      await files.close();
    },
  };
}

export interface ProxyOptions {
  targetPort: number;
  /**
   * Flip one bit of data in the BlobChunk with this index (0-based, counted
   * per direction) going toward the client, or toward the server with
   * `flipUpstream`.
   */
  flipChunk?: number;
  flipUpstream?: boolean;
  /** Cut both connections once this many bytes went toward the client. */
  cutAfterBytes?: number;
}

export interface Proxy {
  readonly port: number;
  /** BlobChunk frames that were corrupted. */
  readonly flipped: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy for one or more connections. Toward the corrupted side it
 * decodes frames and re-encodes them, flipping a bit in the data part of
 * one BlobChunk: framing stays intact, so only the digest can notice.
 */
export function startProxy(options: ProxyOptions): Proxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const pumps: Promise<void>[] = [];
  let flipped = 0;
  const closeAll = () => {
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
  };
  const pump = async (from: Deno.Conn, to: Deno.Conn, downstream: boolean) => {
    const corrupt = options.flipChunk !== undefined &&
      (options.flipUpstream === true) !== downstream;
    const decoder = corrupt
      ? new FrameDecoder({ maxFrameLength: 1 << 24 })
      : undefined;
    const buffer = new Uint8Array(64 * 1024);
    let chunks = 0;
    let forwarded = 0;
    try {
      for (;;) {
        const count = await from.read(buffer);
        if (count === null) break;
        let out: Uint8Array = buffer.subarray(0, count);
        if (decoder !== undefined) {
          const frames: Frame[] = decoder.push(out.slice());
          const parts = frames.map((frame) => {
            if (frame.type === FilesFrameType.BlobChunk) {
              if (chunks++ === options.flipChunk && frame.payload.length > 12) {
                const payload = frame.payload.slice();
                payload[12 + ((payload.length - 12) >> 1)] ^= 0x10;
                flipped++;
                return encodeFrame({ type: frame.type, payload });
              }
            }
            return encodeFrame(frame);
          });
          const length = parts.reduce((n, part) => n + part.length, 0);
          out = new Uint8Array(length);
          let at = 0;
          for (const part of parts) {
            out.set(part, at);
            at += part.length;
          }
        }
        if (downstream && options.cutAfterBytes !== undefined) {
          const room = options.cutAfterBytes - forwarded;
          if (out.length >= room) {
            await writeAll(to, out.subarray(0, Math.max(0, room)));
            closeAll();
            return;
          }
        }
        forwarded += out.length;
        await writeAll(to, out);
      }
      // Pass the half-close on, so the other side sees a clean end.
      await (to as Deno.TcpConn).closeWrite().catch(() => {});
    } catch {
      closeAll();
    }
  };
  const accepting = (async () => {
    for (;;) {
      let client: Deno.Conn;
      try {
        client = await listener.accept();
      } catch {
        return;
      }
      conns.add(client);
      let server: Deno.Conn;
      try {
        server = await Deno.connect({
          hostname: "127.0.0.1",
          port: options.targetPort,
        });
      } catch {
        client.close();
        continue;
      }
      conns.add(server);
      pumps.push(pump(client, server, false), pump(server, client, true));
    }
  })();
  return {
    port: listener.addr.port,
    get flipped() {
      return flipped;
    },
    close: async () => {
      listener.close();
      await accepting;
      closeAll();
      await Promise.all(pumps);
    },
  };
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    at += await conn.write(bytes.subarray(at));
  }
}

/** A served dir, an upload dir, a local dir and a secret outside them all. */
export async function layout(base: string): Promise<
  { root: string; uploads: string; local: string; secret: string }
> {
  const root = `${base}/root`;
  const uploads = `${base}/uploads`;
  const local = `${base}/local`;
  for (const dir of [root, uploads, local]) await Deno.mkdir(dir);
  await Deno.writeTextFile(`${base}/secret.txt`, "TOP SECRET");
  return { root, uploads, local, secret: `${base}/secret.txt` };
}
