// Copyright 2026 the framewire authors. MIT license.
// Spawns the CLI scripts as a user would, with bounded waits, and always
// drains and closes their pipes so the sanitizers stay quiet.

const root = new URL("../../", import.meta.url);

/** Path of a script under cli/. */
export function script(name: string): string {
  return new URL(`cli/${name}`, root).pathname;
}

/**
 * A fresh temp dir for the chat database of one spawned program (through
 * FRAMEWIRE_CHAT_DB), so that no test writes framewire-chat.db into the
 * working directory or fights another server for its lock.
 */
function chatDbDir(): string {
  return Deno.makeTempDirSync({ prefix: "framewire_cli_" });
}

/** Environment and working directory of a spawned script. */
export interface SpawnOptions {
  /** Added to (and overriding) the environment, FRAMEWIRE_CHAT_DB included. */
  env?: Record<string, string>;
  /** Working directory (default: the test's). */
  cwd?: string;
  /** Text written to stdin, which is then closed (default: no stdin). */
  stdin?: string;
}

/** Runs a script to completion; returns its exit code and output. */
export async function run(
  name: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const dbDir = chatDbDir();
  let output: Deno.CommandOutput;
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script(name), ...args],
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      cwd: options.cwd,
      env: { FRAMEWIRE_CHAT_DB: `${dbDir}/chat.db`, ...options.env },
    }).spawn();
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    }
    output = await child.output();
  } finally {
    Deno.removeSync(dbDir, { recursive: true });
  }
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** A running cli/server.ts and the address it printed. */
export interface RunningServer extends AsyncDisposable {
  /** What followed "listening ": `tcp://127.0.0.1:PORT` or `unix://PATH`. */
  readonly address: string;
  /** Sends SIGTERM and waits for the exit; resolves to code and stderr. */
  stop(): Promise<{ code: number; stderr: string }>;
}

/**
 * Starts cli/server.ts with `args` and waits (at most 10 s) for the
 * "listening" line on stdout.
 */
export async function startServer(
  args: string[],
  options: Omit<SpawnOptions, "stdin"> = {},
): Promise<RunningServer> {
  const dbDir = chatDbDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script("server.ts"), ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    cwd: options.cwd,
    env: { FRAMEWIRE_CHAT_DB: `${dbDir}/chat.db`, ...options.env },
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let address: string | undefined;
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  try {
    while (address === undefined) {
      const { value, done } = await lines.read();
      if (done) break;
      buffered += value;
      address = /^listening (\S+)$/m.exec(buffered)?.[1];
    }
  } finally {
    clearTimeout(timer);
  }
  let stopped: Promise<{ code: number; stderr: string }> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      try {
        while (!(await lines.read()).done) {
          // Drain stdout so the pipe closes.
        }
        const status = await child.status;
        return { code: status.code, stderr: await stderr };
      } finally {
        clearTimeout(killer);
        Deno.removeSync(dbDir, { recursive: true });
      }
    })();
  if (address === undefined) {
    const { stderr: text } = await stop();
    throw new Error(`server did not start: ${text}`);
  }
  return {
    address,
    stop,
    [Symbol.asyncDispose]: async () => void await stop(),
  };
}

/**
 * Whether `text` (a --help page) mentions `flag` as a whole flag: "--admin"
 * inside "--admin-token" or "--db" inside "--db-sync" does not count.
 */
export function mentionsFlag(text: string, flag: string): boolean {
  const escaped = flag.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[\\s,\\[(])${escaped}(?=[\\s,=\\])]|$)`, "m")
    .test(text);
}
