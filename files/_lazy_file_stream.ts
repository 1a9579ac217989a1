// Copyright 2026 the framewire authors. MIT license.
// The .part file of a resumed download, read as the receiver hashes the
// prefix. Opened lazily: a refused request never reads it.

/** A file as a stream, opened only when first read (never, if unused). */
export function lazyFileStream(path: string): ReadableStream<Uint8Array> {
  let file: Deno.FsFile | undefined;
  // A stream whose pull throws is errored without its cancel being called,
  // so every way out that ends the stream closes the file here.
  const closeFile = () => {
    const open = file;
    file = undefined;
    open?.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        file ??= await Deno.open(path, { read: true });
        const buffer = new Uint8Array(256 * 1024);
        const count = await file.read(buffer);
        if (count === null) {
          closeFile();
          controller.close();
        } else {
          controller.enqueue(buffer.subarray(0, count));
        }
      } catch (error) {
        closeFile();
        throw error;
      }
    },
    cancel: closeFile,
    // highWaterMark 0: the default of 1 would pull once at construction,
    // opening the file even if the server refuses the request and the
    // stream is never read (a leaked handle).
  }, { highWaterMark: 0 });
}
