// Copyright 2026 the framewire authors. MIT license.
// A chat node as a real process: `cli/server.ts` started with the given
// flags, its ports read from what it prints, stopped gracefully or killed
// with SIGKILL. Used by the cluster tests, `bench:cluster` and
// `deno task cluster`.
import { ChatClient } from "../chat/mod.ts";

const SERVER = new URL("../cli/server.ts", import.meta.url).pathname;
/** Bounds a node's start: loading the npm clients takes a second or two. */
const START_MS = 30_000;
/** Bounds a graceful stop before SIGKILL. */
const STOP_MS = 15_000;

/** One chat node: a `cli/server.ts` process. */
export class ChatNode {
  readonly id: string;
  readonly args: string[];
  #child: Deno.ChildProcess | undefined;
  #output: string[] = [];
  port = 0;
  httpPort = 0;

  #echo: ((line: string) => void) | undefined;

  /**
   * @param id Its name in messages (and, for a cluster, `--node-id`).
   * @param args `cli/server.ts` flags; `--port 0` and `--http-port 0` are
   * read back from its output.
   * @param echo Told each line the node prints, as it comes.
   */
  constructor(id: string, args: string[], echo?: (line: string) => void) {
    this.id = id;
    this.args = args;
    this.#echo = echo;
  }

  /** `127.0.0.1:port` of its framed listener. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** What it printed (stdout and stderr lines), for failure messages. */
  get output(): string {
    return this.#output.join("\n");
  }

  /** Starts the process; resolves once it listens. */
  async start(): Promise<void> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", SERVER, ...this.args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    const listening = Promise.withResolvers<void>();
    const read = async (stream: ReadableStream<Uint8Array>) => {
      const lines = stream.pipeThrough(new TextDecoderStream());
      let rest = "";
      for await (const chunk of lines) {
        rest += chunk;
        let end;
        while ((end = rest.indexOf("\n")) >= 0) {
          const line = rest.slice(0, end);
          rest = rest.slice(end + 1);
          this.#output.push(line);
          this.#echo?.(line);
          const http = /^listening http:\/\/\S+:(\d+)/.exec(line);
          if (http !== null) this.httpPort = Number(http[1]);
          const framed = /^listening tcp:\/\/\S+:(\d+)/.exec(line);
          if (framed !== null) this.port = Number(framed[1]);
          // With --http-port, its line follows the framed listener's.
          const wantsHttp = this.args.includes("--http-port");
          if (this.port !== 0 && (!wantsHttp || this.httpPort !== 0)) {
            listening.resolve();
          }
        }
      }
    };
    const reading = Promise.all([read(child.stdout), read(child.stderr)]);
    child.status.then(() =>
      listening.reject(new Error(`node ${this.id} exited:\n${this.output}`))
    );
    this.#done = Promise.all([reading, child.status]).then(() => {});
    await within(START_MS, listening.promise, `node ${this.id} to listen`);
  }

  #done: Promise<void> = Promise.resolve();

  /** Settles when the process has exited (at once if never started). */
  get exited(): Promise<void> {
    return this.#done;
  }

  /** `kill -9`: no shutdown, no goodbye to clients or engines. */
  async kill(): Promise<void> {
    if (this.#child === undefined) return;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await this.#done;
    this.#child = undefined;
  }

  /** Graceful stop (SIGTERM), bounded; then SIGKILL. */
  async stop(): Promise<void> {
    if (this.#child === undefined) return;
    try {
      this.#child.kill("SIGTERM");
      await within(STOP_MS, this.#done, `node ${this.id} to stop`);
    } catch {
      await this.kill();
    }
    this.#child = undefined;
  }

  /** Logs in a chat client here (registering the name on first use). */
  async login(user: string, password: string): Promise<ChatClient> {
    return await ChatClient.connect({
      hostname: "127.0.0.1",
      port: this.port,
      user,
      password,
    });
  }
}

/** `promise`, or a rejection naming `what` after `ms`. */
async function within<T>(ms: number, promise: Promise<T>, what: string) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Deadline: ${what} not reached in ${ms} ms`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
