// Copyright 2026 the framewire authors. MIT license.
// The server under soak: `deno run -A cli/server.ts` in a child process, as
// an operator runs it, with its own temp dirs and its stderr (the log)
// written to a file that the verdict reads afterwards.

const root = new URL("../", import.meta.url);

/** A running cli/server.ts. */
export interface SoakServer {
  readonly pid: number;
  readonly port: number;
  /** The file holding the server's stderr. */
  readonly logPath: string;
  /** The file holding the server's stdout after its "listening" line. */
  readonly stdoutPath: string;
  /** Directory served by `--files` (the soak puts download files here). */
  readonly filesDir: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves to the exit code. */
  stop(graceMs?: number): Promise<{ code: number; signal: string | null }>;
}

/** What to start. */
export interface SoakServerOptions {
  /** Where the database, file dirs and the log go. */
  dir: string;
  /** Extra flags for cli/server.ts (after the soak's own). */
  extraArgs: readonly string[];
  /** Extra flags for `deno run` (such as `--v8-flags=--trace-gc`). */
  denoArgs: readonly string[];
  /** Contents of the download files, by name, written before the start. */
  files: ReadonlyMap<string, Uint8Array>;
}

/**
 * Starts the server on 127.0.0.1 port 0 and waits (at most 20 s) for its
 * "listening tcp://HOST:PORT" line.
 */
export async function startSoakServer(
  options: SoakServerOptions,
): Promise<SoakServer> {
  const filesDir = `${options.dir}/files`;
  const uploadsDir = `${options.dir}/uploads`;
  await Deno.mkdir(filesDir, { recursive: true });
  await Deno.mkdir(uploadsDir, { recursive: true });
  for (const [name, bytes] of options.files) {
    await Deno.writeFile(`${filesDir}/${name}`, bytes);
  }
  const logPath = `${options.dir}/server.log`;
  const log = await Deno.open(logPath, {
    write: true,
    create: true,
    truncate: true,
  });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...options.denoArgs,
      new URL("cli/server.ts", root).pathname,
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--db",
      `${options.dir}/chat.db`,
      "--files",
      filesDir,
      "--uploads",
      uploadsDir,
      ...options.extraArgs,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // pipeTo closes the file when the server's stderr ends.
  const logged = child.stderr.pipeTo(log.writable).catch(() => {});
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  // Set once "listening" was read: then the rest of stdout (V8 traces, if
  // asked for with --deno-arg) goes to server.stdout, so the server never
  // blocks on it.
  let draining: Promise<void> = Promise.resolve();
  const stdoutPath = `${options.dir}/server.stdout`;
  const drain = async () => {
    const file = await Deno.open(stdoutPath, { write: true, create: true });
    const encoder = new TextEncoder();
    try {
      while (true) {
        const { value, done } = await lines.read();
        if (done) break;
        await file.write(encoder.encode(value));
      }
    } catch {
      // The pipe broke: the server is gone.
    } finally {
      file.close();
    }
  };
  let stopped:
    | Promise<{ code: number; signal: string | null }>
    | undefined;
  const stop = (graceMs = 20_000) =>
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Exited already.
      }
      const killer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // Exited meanwhile.
        }
      }, graceMs);
      try {
        const status = await child.status;
        await draining;
        await logged;
        return { code: status.code, signal: status.signal };
      } finally {
        clearTimeout(killer);
      }
    })();

  // Read the first stdout lines ourselves, until "listening".
  let port: number | undefined;
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Exited already.
    }
  }, 20_000);
  try {
    let buffered = "";
    while (port === undefined) {
      const { value, done } = await lines.read();
      if (done) break;
      buffered += value;
      const match = /^listening tcp:\/\/[^\s]+:(\d+)$/m.exec(buffered);
      if (match !== null) port = Number(match[1]);
    }
  } finally {
    clearTimeout(timer);
  }
  draining = drain();
  if (port === undefined) {
    await stop(1000);
    const text = await Deno.readTextFile(logPath).catch(() => "");
    throw new Error(`the server did not start:\n${text}`);
  }
  return { pid: child.pid, port, logPath, stdoutPath, filesDir, stop };
}
