// Copyright 2026 the framewire authors. MIT license.
// Spawns the chat programs (server, terminal client, admin console) with
// piped stdin and stdout, so a test can type lines and wait for output
// lines, within deadlines. Every process is killed and awaited, and every
// pipe closed, whatever happens.
import assert from "node:assert/strict";
import { script } from "./_spawn.ts";

/** Cheap password hashing for spawned servers; real servers use 210,000. */
export const FAST_HASH = ["--password-iterations", "1000"];

/** A spawned program with line-based stdin and stdout. */
export interface Interactive extends AsyncDisposable {
  /** Every stdout line so far. */
  readonly lines: readonly string[];
  /** Types a line (with its newline). */
  type(line: string): Promise<void>;
  /** Ends stdin (Ctrl-D). */
  endInput(): Promise<void>;
  /** Waits (at most `ms`) for a stdout line matching `pattern`; returns it. */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
  /** Waits for the exit (killing it after `ms`); resolves to code and stderr. */
  exit(
    ms?: number,
  ): Promise<{ code: number; signal: string | null; stderr: string }>;
  /** Kills it with a signal at once. */
  kill(signal: Deno.Signal): void;
}

/** Spawns `deno run -A cli/<name> ...args` with piped stdio. */
export function spawnInteractive(
  name: string,
  args: string[],
  env: Record<string, string> = {},
): Interactive {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script(name), ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env,
  }).spawn();
  const stdin = child.stdin.getWriter();
  const stderr = new Response(child.stderr).text();
  const lines: string[] = [];
  let notify: (() => void) | undefined;
  const reading = (async () => {
    let buffered = "";
    for await (
      const chunk of child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) !== -1) {
        lines.push(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
      notify?.();
    }
    if (buffered !== "") lines.push(buffered);
    notify?.();
  })();
  let ended = false;
  let exited:
    | Promise<{ code: number; signal: string | null; stderr: string }>
    | undefined;
  const encoder = new TextEncoder();
  const endInput = async () => {
    if (ended) return;
    ended = true;
    try {
      await stdin.close();
    } catch {
      // The program is gone already.
    }
  };
  const exit = (ms = 15_000) =>
    exited ??= (async () => {
      const killer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // Exited meanwhile.
        }
      }, ms);
      try {
        await endInput();
        const status = await child.status;
        await reading;
        return {
          code: status.code,
          signal: status.signal,
          stderr: await stderr,
        };
      } finally {
        clearTimeout(killer);
      }
    })();
  return {
    lines,
    async type(line: string) {
      await stdin.write(encoder.encode(`${line}\n`));
    },
    endInput,
    async waitFor(pattern: RegExp, ms = 10_000): Promise<string> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let finished = false;
      void reading.then(() => {
        finished = true;
        notify?.();
      });
      try {
        return await new Promise<string>((resolve, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `Deadline: no line matching ${pattern} within ${ms} ms; got:\n${
                    lines.join("\n")
                  }`,
                ),
              ),
            ms,
          );
          const check = () => {
            const line = lines.find((text) => pattern.test(text));
            if (line !== undefined) resolve(line);
            else if (finished) {
              reject(
                new Error(
                  `Exited without a line matching ${pattern}; got:\n${
                    lines.join("\n")
                  }`,
                ),
              );
            }
          };
          notify = check;
          check();
        });
      } finally {
        clearTimeout(timer);
        notify = undefined;
      }
    },
    exit,
    kill(signal: Deno.Signal) {
      try {
        child.kill(signal);
      } catch {
        // Exited already.
      }
    },
    async [Symbol.asyncDispose]() {
      if (exited === undefined) {
        try {
          child.kill("SIGKILL");
        } catch {
          // Exited already.
        }
      }
      await exit();
    },
  };
}

/** A spawned cli/server.ts with chat on a given database, and its port. */
export interface ChatServerProcess extends Interactive {
  readonly port: number;
}

/** Starts cli/server.ts on port 0 with `--db dbPath`; waits for "listening". */
export async function startChatServer(
  dbPath: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<ChatServerProcess> {
  const server = spawnInteractive("server.ts", [
    "--port",
    "0",
    "--db",
    dbPath,
    ...FAST_HASH,
    ...args,
  ], env);
  try {
    const line = await server.waitFor(/^listening tcp:\/\/[^:]+:\d+$/);
    return Object.assign(server, { port: Number(/:(\d+)$/.exec(line)![1]) });
  } catch (error) {
    await server[Symbol.asyncDispose]();
    throw error;
  }
}

/** Runs `fn` with a fresh temp dir, removed afterwards. */
export async function withTempDir(
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "framewire_chat_cli_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Runs cli/server.ts with chat, `--http-port 0` and `args`, hands `fn` its
 * tcp and http addresses, then stops it with SIGTERM and expects exit 0.
 */
export async function withHttpServer(
  args: string[],
  fn: (addresses: { tcp: string; http: string }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "framewire_ws_" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      script("server.ts"),
      "--port",
      "0",
      "--http-port",
      "0",
      "--db",
      `${dir}/chat.db`,
      "--password-iterations",
      "1000",
      "--shutdown-timeout-ms",
      "1000",
      "--quiet",
      ...args,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    let out = "";
    let http: string | undefined;
    while (http === undefined) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`server did not start: ${await stderr}`);
      out += value;
      http = /^listening (https?:\/\/\S+)$/m.exec(out)?.[1];
    }
    const tcp = /^listening (tcps?:\/\/\S+|tls:\/\/\S+)$/m.exec(out)![1];
    await fn({ tcp, http });
    child.kill("SIGTERM");
    while (!(await reader.read()).done) {
      // Drain stdout until the process closes it.
    }
    assert.equal((await child.status).code, 0);
  } finally {
    clearTimeout(killer);
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await reader.cancel().catch(() => {});
    await child.status;
    await stderr;
    await Deno.remove(dir, { recursive: true });
  }
}
