// Copyright 2026 the framewire authors. MIT license.
// Writes a blob's stream to a file with one write in flight while the next
// chunk is read: reading a chunk is where the receiver hashes it and sends
// its ack, and a 256 KiB write takes about as long as hashing it, so the two
// can run on two cores. (On the 2-core machine of our benchmarks, which
// runs the server too, the CPU is already saturated and it gains nothing.)
import { writeAll } from "../transport/write_all.ts";

/**
 * Writes every chunk of `stream` to `file`, in order. A write error cancels
 * the stream (and so the transfer) and is thrown, mapped by `mapError`.
 */
export async function writeStream(
  stream: ReadableStream<Uint8Array>,
  file: Deno.FsFile,
  mapError: (error: unknown) => unknown = (error) => error,
): Promise<void> {
  const reader = stream.getReader();
  let pending: Promise<void> | undefined;
  let failed: { error: unknown } | undefined;
  try {
    for (;;) {
      const next = await reader.read();
      if (pending !== undefined) await pending;
      if (failed !== undefined) throw mapError(failed.error);
      if (next.done) return;
      // Each chunk is its own buffer, never reused: safe to write while
      // the next one is read.
      pending = writeAll(file, next.value).catch((error) => {
        failed = { error };
      });
    }
  } catch (error) {
    await pending;
    reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
}
