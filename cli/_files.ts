// Copyright 2026 the framewire authors. MIT license.
// The `get` and `put` subcommands of cli/client.ts.
import { connect, type ConnectOptions } from "../mod.ts";
import { FileClient, TransferError, TransferErrorCode } from "../files/mod.ts";
import { formatBytes, ProgressBar } from "./_progress.ts";
import { connectHint } from "./_flags.ts";

/** What `get` needs. */
export interface GetSettings {
  connect: ConnectOptions;
  /** Path on the server. */
  path: string;
  /** Local file to write; defaults to the path's last segment. */
  out: string | undefined;
  resume: boolean;
  /** Replace an existing local file (`--overwrite` / `--force`). */
  overwrite: boolean;
  window: number | undefined;
  chunkBytes: number | undefined;
}

/** What `put` needs. */
export interface PutSettings {
  connect: ConnectOptions;
  /** Local file to send. */
  local: string;
  /** Path in the server's upload directory; defaults to the file's name. */
  remote: string | undefined;
  overwrite: boolean;
  window: number | undefined;
  chunkBytes: number | undefined;
}

/** Downloads a file; returns the exit code. */
export async function get(
  settings: GetSettings,
  signal?: AbortSignal,
): Promise<number> {
  const out = settings.out ?? baseName(settings.path);
  if (out === "") {
    console.error(
      `client: cannot name the output for "${settings.path}": give -o OUT`,
    );
    return 1;
  }
  // Like put on the server: an existing file is replaced only when asked.
  if (!settings.overwrite && await exists(out)) {
    console.error(
      `client: ${out} exists; pass --overwrite to replace it, or -o OUT to write elsewhere`,
    );
    return 1;
  }
  let done = 0;
  let total: number | undefined;
  return await withClient(
    settings.connect,
    signal,
    async (client, human, stopped) => {
      const bar = new ProgressBar(human);
      const started = performance.now();
      try {
        const result = await client.download(settings.path, out, {
          resume: settings.resume,
          window: settings.window,
          chunkBytes: settings.chunkBytes,
          onProgress: ({ bytesDone, bytesTotal }) => {
            done = bytesDone;
            total = bytesTotal;
            bar.update(bytesDone, bytesTotal);
          },
        });
        bar.finish();
        const ms = performance.now() - started;
        const moved = result.size - result.resumedFrom;
        console.log(
          human
            // After a resume the time and rate cover the bytes moved now, so
            // say so rather than pair them with the whole size.
            ? `${out}: ${formatBytes(result.size)}${
              result.resumedFrom > 0
                ? ` (resumed at ${formatBytes(result.resumedFrom)}, ${
                  formatBytes(moved)
                } moved now)`
                : ""
            } in ${(ms / 1000).toFixed(2)} s (${
              formatBytes(Math.round(moved / (ms / 1000) || 0))
            }/s), sha256 ${result.sha256}`
            : `get path=${JSON.stringify(settings.path)} out=${
              JSON.stringify(out)
            } bytes=${result.size} resumed_from=${result.resumedFrom} sha256=${result.sha256} ms=${
              ms.toFixed(1)
            }`,
        );
        return 0;
      } catch (error) {
        bar.finish();
        const partial = error instanceof TransferError &&
          (error.code === TransferErrorCode.ConnectionLost ||
            error.code === "BLOB_ABORTED");
        if (stopped() && partial) {
          console.error(
            `client: get "${settings.path}" interrupted at ${
              formatBytes(done)
            }${
              total === undefined ? "" : ` of ${formatBytes(total)}`
            }; ${out}.part is kept: run the same command with --resume to go on`,
          );
          return 1;
        }
        report("get", settings.path, error);
        if (partial && connectHint(error) === undefined) {
          console.error(
            `client: partial download kept in ${out}.part; run again with --resume`,
          );
        }
        return 1;
      }
    },
  );
}

/** Uploads a file; returns the exit code. */
export async function put(
  settings: PutSettings,
  signal?: AbortSignal,
): Promise<number> {
  const remote = settings.remote ?? baseName(settings.local);
  let size: number;
  try {
    size = (await Deno.stat(settings.local)).size;
  } catch (error) {
    console.error(
      `client: cannot read "${settings.local}": ${(error as Error).message}`,
    );
    return 1;
  }
  return await withClient(
    settings.connect,
    signal,
    async (client, human, stopped) => {
      const bar = new ProgressBar(human);
      const started = performance.now();
      try {
        const result = await client.upload(settings.local, remote, {
          overwrite: settings.overwrite,
          window: settings.window,
          chunkBytes: settings.chunkBytes,
          signal,
          onProgress: ({ bytesDone }) => bar.update(bytesDone, size),
        });
        bar.finish();
        const ms = performance.now() - started;
        console.log(
          human
            ? `${remote}: ${formatBytes(result.size)} sent in ${
              (ms / 1000).toFixed(2)
            } s, sha256 ${result.sha256}`
            : `put path=${
              JSON.stringify(remote)
            } bytes=${result.size} sha256=${result.sha256} ms=${ms.toFixed(1)}`,
        );
        return 0;
      } catch (error) {
        bar.finish();
        if (stopped()) {
          console.error(
            `client: put "${remote}" interrupted; nothing was stored on the server`,
          );
          return 1;
        }
        report("put", remote, error);
        return 1;
      }
    },
  );
}

async function withClient(
  options: ConnectOptions,
  signal: AbortSignal | undefined,
  run: (
    client: FileClient,
    human: boolean,
    stopped: () => boolean,
  ) => Promise<number>,
): Promise<number> {
  const where = options.path ?? `${options.hostname}:${options.port}`;
  let client: FileClient;
  try {
    client = new FileClient(await connect(options));
  } catch (error) {
    console.error(
      `client: cannot connect to ${where}: ${(error as Error).message}`,
    );
    return 1;
  }
  // Ctrl-C closes the connection: the transfer fails as interrupted, and a
  // download keeps its .part file for --resume.
  let stopped = false;
  const stop = () => {
    stopped = true;
    client.close();
  };
  signal?.addEventListener("abort", stop, { once: true });
  const interactive = Deno.build.os !== "windows" || Deno.stdout.isTerminal();
  if (interactive) Deno.addSignalListener("SIGINT", stop);
  try {
    return await run(client, Deno.stdout.isTerminal(), () => stopped);
  } finally {
    signal?.removeEventListener("abort", stop);
    if (interactive) Deno.removeSignalListener("SIGINT", stop);
    await client[Symbol.asyncDispose]();
  }
}

function report(command: string, path: string, error: unknown): void {
  const hint = connectHint(error);
  if (hint !== undefined) {
    console.error(`client: ${command} "${path}" failed: ${hint}`);
  } else if (
    error instanceof TransferError &&
    error.code === TransferErrorCode.FileExists
  ) {
    console.error(
      `client: ${command} "${path}" failed: the file exists on the server; pass --overwrite to replace it (${error.code})`,
    );
  } else if (error instanceof TransferError) {
    console.error(
      `client: ${command} "${path}" failed: ${error.code}: ${error.message}`,
    );
  } else {
    console.error(
      `client: ${command} "${path}" failed: ${(error as Error).message}`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

function baseName(path: string): string {
  const parts = path.split("/").filter((part) => part !== "");
  return parts.at(-1) ?? "";
}
