// Copyright 2026 the framewire authors. MIT license.
/**
 * A throw-away `nats-server` on a free loopback port, for tests and local
 * cluster scripts (not published). It never outlives the Deno process that
 * started it: an `unload` listener kills it synchronously.
 *
 * @example A broker for one test
 * ```ts ignore
 * import { natsBinary, startNats } from "./nats.ts";
 *
 * if (natsBinary() !== undefined) {
 *   const nats = await startNats();
 *   try {
 *     console.log(nats.url); // nats://127.0.0.1:PORT
 *     await nats.kill(); // as kill -9 would
 *     await nats.start(); // the same port again
 *   } finally {
 *     await nats.stop();
 *   }
 * }
 * ```
 *
 * @module
 */

/** A running (or stopped) `nats-server` of {@linkcode startNats}. */
export interface NatsInstance {
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string;
  /** The port, the same across restarts. */
  readonly port: number;
  /** Whether the process is running. */
  readonly running: boolean;
  /** Stops it gracefully (SIGTERM) and waits for its exit; no-op if stopped. */
  stop(): Promise<void>;
  /** Kills it (SIGKILL, as a crash) and waits for its exit; no-op if stopped. */
  kill(): Promise<void>;
  /** Starts it again on the same port and waits until it accepts. */
  start(): Promise<void>;
}

/** Options of {@linkcode startNats}. */
export interface StartNatsOptions {
  /** The binary. Default: {@linkcode natsBinary}. */
  readonly binary?: string;
  /** How long to wait for it to accept connections. Default 5000 ms. */
  readonly readyTimeoutMs?: number;
  /** Pass its log through to this process's stderr. Default false. */
  readonly log?: boolean;
}

const SEARCH_DIRS = ["/usr/sbin", "/usr/local/sbin", "/usr/local/bin"];

/**
 * Where `nats-server` is: the first hit in `PATH`, then `/usr/sbin` (where
 * the Debian package puts it, often outside a user's `PATH`).
 *
 * @returns Its path, or `undefined` when it is not installed.
 */
export function natsBinary(): string | undefined {
  const path = Deno.env.get("PATH") ?? "";
  for (const dir of [...path.split(":").filter(Boolean), ...SEARCH_DIRS]) {
    const file = `${dir}/nats-server`;
    try {
      if (Deno.statSync(file).isFile) return file;
    } catch {
      // Not there: try the next directory.
    }
  }
  return undefined;
}

/** A port nobody listens on right now (the kernel's pick, then released). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitUntilAccepting(
  port: number,
  child: Deno.ChildProcess,
  exited: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (true) {
    if (exited()) {
      throw new Error(`nats-server on port ${port} exited while starting`);
    }
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      if (performance.now() > deadline) {
        try {
          child.kill("SIGKILL");
        } catch {
          // Already gone.
        }
        throw new Error(
          `nats-server on port ${port} did not accept within ${timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

class Instance implements NatsInstance {
  readonly url: string;
  readonly port: number;
  readonly #binary: string;
  readonly #readyTimeoutMs: number;
  readonly #log: boolean;
  #child: Deno.ChildProcess | undefined;
  #status: Promise<Deno.CommandStatus> | undefined;
  #exited = true;
  /** The synchronous kill on process exit, registered while running. */
  readonly #onUnload = () => {
    try {
      this.#child?.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  };

  constructor(
    binary: string,
    port: number,
    readyTimeoutMs: number,
    log: boolean,
  ) {
    this.#binary = binary;
    this.port = port;
    this.url = `nats://127.0.0.1:${port}`;
    this.#readyTimeoutMs = readyTimeoutMs;
    this.#log = log;
  }

  get running(): boolean {
    return !this.#exited;
  }

  async start(): Promise<void> {
    if (!this.#exited) return;
    const child = new Deno.Command(this.#binary, {
      args: ["-a", "127.0.0.1", "-p", String(this.port)],
      stdin: "null",
      stdout: this.#log ? "inherit" : "null",
      stderr: this.#log ? "inherit" : "null",
    }).spawn();
    // Unreferenced: a script that forgot to stop it still exits (and the
    // unload listener then kills it) instead of waiting for it forever.
    child.unref();
    this.#child = child;
    this.#exited = false;
    this.#status = child.status.then((status) => {
      this.#exited = true;
      globalThis.removeEventListener("unload", this.#onUnload);
      return status;
    });
    globalThis.addEventListener("unload", this.#onUnload);
    try {
      await waitUntilAccepting(
        this.port,
        child,
        () => this.#exited,
        this.#readyTimeoutMs,
      );
    } catch (error) {
      child.ref();
      await this.#status;
      throw error;
    }
  }

  stop(): Promise<void> {
    return this.#end("SIGTERM");
  }

  kill(): Promise<void> {
    return this.#end("SIGKILL");
  }

  async #end(signal: Deno.Signal): Promise<void> {
    if (this.#exited) return;
    // Referenced again while we wait for its exit, or the event loop would
    // see nothing to wait for.
    this.#child?.ref();
    try {
      this.#child?.kill(signal);
    } catch {
      // It exited meanwhile.
    }
    await this.#status;
  }
}

/**
 * Starts `nats-server -a 127.0.0.1 -p PORT` on a free port and waits until
 * it accepts connections. Stop it in a `finally`; it is also killed when
 * this process exits.
 *
 * @example
 * ```ts ignore
 * import { startNats } from "./nats.ts";
 *
 * const nats = await startNats();
 * try {
 *   // connect to nats.url
 * } finally {
 *   await nats.stop();
 * }
 * ```
 *
 * @param options The binary and the start timeout.
 * @returns The running instance.
 * @throws {Error} If `nats-server` is not installed or does not start.
 */
export async function startNats(
  options: StartNatsOptions = {},
): Promise<NatsInstance> {
  const binary = options.binary ?? natsBinary();
  if (binary === undefined) {
    throw new Error("Cannot start nats-server: not found in PATH or /usr/sbin");
  }
  const readyTimeoutMs = options.readyTimeoutMs ?? 5_000;
  // A port picked free can be taken before nats-server binds it: retry.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const instance = new Instance(
      binary,
      freePort(),
      readyTimeoutMs,
      options.log ?? false,
    );
    try {
      await instance.start();
      return instance;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
