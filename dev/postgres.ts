// Copyright 2026 the framewire authors. MIT license.
/**
 * A throw-away PostgreSQL server for tests, benchmarks and `deno task
 * cluster` (developer tooling, not published): a fresh cluster made with
 * `initdb` in a temporary directory, served on a free 127.0.0.1 port, and
 * removed again on {@linkcode PostgresInstance.stop} or, at the latest,
 * when the process exits (a synchronous stop on `unload`), so a crashed test
 * leaves no server behind.
 *
 * PostgreSQL refuses to run as root; when we are root the directory is
 * given to the `postgres` user and the server runs as that user through
 * `runuser`.
 *
 * @example
 * ```ts ignore
 * import { postgresBinaries, startPostgres } from "./dev/postgres.ts";
 *
 * if (postgresBinaries() !== undefined) {
 *   await using pg = await startPostgres();
 *   const db = await pg.createDatabase();
 *   console.log(db.url); // postgres://postgres@127.0.0.1:PORT/framewire_1
 *   await db.drop();
 * }
 * ```
 *
 * @module
 */

/** Where the PostgreSQL programs are. */
export interface PostgresBinaries {
  /** `initdb`. */
  readonly initdb: string;
  /** `pg_ctl`. */
  readonly pgCtl: string;
  /** `psql`, used to create and drop databases. */
  readonly psql: string;
}

/** A database made by {@linkcode PostgresInstance.createDatabase}. */
export interface PostgresDatabase {
  /** Its connection URL. */
  readonly url: string;
  /** Its name. */
  readonly name: string;
  /** Drops it, closing whatever connections are still open to it. */
  drop(): Promise<void>;
}

/** A running throw-away PostgreSQL server. */
export interface PostgresInstance extends AsyncDisposable {
  /** URL of its `postgres` database as superuser `postgres` (no password). */
  readonly url: string;
  /** Its TCP port on 127.0.0.1. */
  readonly port: number;
  /** Its data directory. */
  readonly dataDir: string;
  /** Whether it is running (as far as this process started and stopped it). */
  readonly running: boolean;
  /** Creates an empty database with a fresh name. */
  createDatabase(): Promise<PostgresDatabase>;
  /** Stops it abruptly (`pg_ctl stop -m immediate`: backends die at once, no checkpoint), keeping its data. */
  kill(): Promise<void>;
  /**
   * Freezes it (SIGSTOP to the server and its backends): connections stay
   * open but nothing answers, as with a hung host. {@linkcode resume} undoes it.
   */
  pause(): Promise<void>;
  /** Lets a paused server run again (SIGCONT). */
  resume(): Promise<void>;
  /** Starts it again on the same port and data (after {@linkcode kill}). */
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>;
}

const SEARCH_DIR = "/usr/lib/postgresql";

/**
 * Finds `initdb`, `pg_ctl` and `psql`: in `PATH`, else in the newest
 * `/usr/lib/postgresql/<version>/bin` (Debian keeps them off `PATH`).
 *
 * @returns Their paths, or `undefined` when PostgreSQL is not installed.
 */
export function postgresBinaries(): PostgresBinaries | undefined {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter((d) => d);
  try {
    const versions = [...Deno.readDirSync(SEARCH_DIR)]
      .map((entry) => entry.name)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    dirs.push(...versions.map((version) => `${SEARCH_DIR}/${version}/bin`));
  } catch {
    // No Debian PostgreSQL packages: PATH only.
  }
  for (const dir of dirs) {
    const initdb = `${dir}/initdb`;
    const pgCtl = `${dir}/pg_ctl`;
    if (!isFile(initdb) || !isFile(pgCtl)) continue;
    const psql = isFile(`${dir}/psql`)
      ? `${dir}/psql`
      : dirs.map((d) => `${d}/psql`).find(isFile);
    if (psql === undefined) continue;
    return { initdb, pgCtl, psql };
  }
  return undefined;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Options for {@linkcode startPostgres}. */
export interface StartPostgresOptions {
  /** Port on 127.0.0.1; a free one is picked when left out. */
  readonly port?: number;
  /** Where the programs are; found with {@linkcode postgresBinaries} when left out. */
  readonly binaries?: PostgresBinaries;
}

/**
 * Creates a throw-away cluster in a temporary directory and starts it.
 *
 * @param options Port and binaries.
 * @returns The running server.
 * @throws {Error} If PostgreSQL is not installed, or `initdb` or the start fails.
 */
export async function startPostgres(
  options: StartPostgresOptions = {},
): Promise<PostgresInstance> {
  const binaries = options.binaries ?? postgresBinaries();
  if (binaries === undefined) {
    throw new Error(
      "Cannot start PostgreSQL: initdb and pg_ctl not found in PATH or /usr/lib/postgresql/*/bin",
    );
  }
  const root = await Deno.makeTempDir({ prefix: "framewire_pg_" });
  const asRoot = Deno.uid() === 0;
  const dataDir = `${root}/data`;
  const logFile = `${root}/postgres.log`;
  // As root, every command runs as `postgres`, on a directory it owns.
  const command = (program: string, args: string[]): [string, string[]] =>
    asRoot
      ? ["runuser", ["-u", "postgres", "--", program, ...args]]
      : [program, args];
  let running = false;
  let removed = false;

  const run = async (program: string, args: string[], what: string) => {
    const [cmd, cmdArgs] = command(program, args);
    const output = await new Deno.Command(cmd, {
      args: cmdArgs,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      const text = new TextDecoder().decode(output.stderr) ||
        new TextDecoder().decode(output.stdout);
      throw new Error(`Cannot ${what}: ${text.trim()}${await logTail()}`);
    }
  };
  const logTail = async () => {
    try {
      const log = await Deno.readTextFile(logFile);
      return `\n--- ${logFile} ---\n${log.split("\n").slice(-15).join("\n")}`;
    } catch {
      return "";
    }
  };
  const stopSync = () => {
    if (running) {
      running = false;
      const [cmd, args] = command(binaries.pgCtl, [
        "stop",
        "-D",
        dataDir,
        "-m",
        "immediate",
        "-w",
      ]);
      new Deno.Command(cmd, { args, stdout: "null", stderr: "null" })
        .outputSync();
    }
    if (!removed) {
      removed = true;
      try {
        Deno.removeSync(root, { recursive: true });
      } catch {
        // Already gone.
      }
    }
  };
  // The last resort: a test that throws before its `finally`, or a runner
  // that exits, still stops the server. An uncaught error or rejection ends
  // the process without `unload`, so those stop it too.
  const listen = (add: boolean) => {
    for (const type of ["unload", "error", "unhandledrejection"]) {
      if (add) globalThis.addEventListener(type, stopSync);
      else globalThis.removeEventListener(type, stopSync);
    }
  };
  listen(true);

  try {
    if (asRoot) {
      const uid = await idOf("-u");
      const gid = await idOf("-g");
      await Deno.chown(root, uid, gid);
    }
    await run(binaries.initdb, [
      "-D",
      dataDir,
      "-A",
      "trust",
      "-U",
      "postgres",
      "-E",
      "UTF8",
      "--locale=C",
      "--no-sync", // a throw-away cluster need not survive a power cut
    ], "create a PostgreSQL cluster with initdb");
  } catch (error) {
    stopSync();
    listen(false);
    throw error;
  }

  let port = options.port ?? 0;
  const pgCtl = async (args: string[], what: string) =>
    await run(binaries.pgCtl, ["-D", dataDir, ...args], what);
  const startOn = async (p: number) => {
    const settings = [
      `-p ${p}`,
      "-c listen_addresses=127.0.0.1",
      `-c unix_socket_directories=${root}`,
      "-c fsync=on",
      "-c shared_buffers=16MB",
      "-c max_connections=100",
    ].join(" ");
    await pgCtl(
      ["-l", logFile, "-o", settings, "-w", "-t", "30", "start"],
      `start PostgreSQL on 127.0.0.1:${p}`,
    );
    running = true;
  };
  try {
    if (port !== 0) {
      await startOn(port);
    } else {
      // A free port can be taken by someone else before the server binds
      // it: try a few.
      for (let attempt = 1;; attempt++) {
        port = freePort();
        try {
          await startOn(port);
          break;
        } catch (error) {
          if (attempt === 3) throw error;
        }
      }
    }
  } catch (error) {
    stopSync();
    listen(false);
    throw error;
  }

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const psql = async (sql: string) => {
    const output = await new Deno.Command(binaries.psql, {
      args: ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(
        `Cannot run "${sql}": ${
          new TextDecoder().decode(output.stderr).trim()
        }`,
      );
    }
  };
  let databases = 0;
  // The server's processes: the postmaster (first line of postmaster.pid)
  // and its children, the backends.
  const signalAll = async (signal: "SIGSTOP" | "SIGCONT") => {
    const pid = Number(
      (await Deno.readTextFile(`${dataDir}/postmaster.pid`)).split("\n")[0],
    );
    const children = await new Deno.Command("pgrep", {
      args: ["-P", String(pid)],
      stdout: "piped",
      stderr: "null",
    }).output();
    const pids = new TextDecoder().decode(children.stdout).split("\n")
      .filter((line) => line.trim() !== "").map(Number);
    for (const id of [pid, ...pids]) Deno.kill(id, signal);
  };

  const instance: PostgresInstance = {
    url,
    port,
    dataDir,
    get running() {
      return running;
    },
    async createDatabase() {
      const name = `framewire_${++databases}`;
      await psql(`CREATE DATABASE ${name}`);
      return {
        name,
        url: `postgres://postgres@127.0.0.1:${port}/${name}`,
        async drop() {
          if (running) {
            await psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          }
        },
      };
    },
    async kill() {
      if (!running) return;
      await pgCtl(["-m", "immediate", "-w", "stop"], "stop PostgreSQL");
      running = false;
    },
    async pause() {
      await signalAll("SIGSTOP");
    },
    async resume() {
      await signalAll("SIGCONT");
    },
    async start() {
      if (running) return;
      await startOn(port);
    },
    async stop() {
      if (running) {
        await pgCtl(["-m", "fast", "-w", "stop"], "stop PostgreSQL")
          .catch(() => {});
        running = false;
      }
      stopSync();
      listen(false);
    },
    [Symbol.asyncDispose]() {
      return instance.stop();
    },
  };
  return instance;
}

/** The uid (`-u`) or gid (`-g`) of the `postgres` user. */
async function idOf(flag: "-u" | "-g"): Promise<number> {
  const output = await new Deno.Command("id", {
    args: [flag, "postgres"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      "Cannot run PostgreSQL as root: there is no `postgres` user to run it as",
    );
  }
  return Number(new TextDecoder().decode(output.stdout).trim());
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

if (import.meta.main) {
  // `deno run -A dev/postgres.ts`: a server to play with until Ctrl-C.
  const pg = await startPostgres();
  console.log(
    `PostgreSQL on ${pg.url} (data in ${pg.dataDir}); Ctrl-C stops it`,
  );
  Deno.addSignalListener("SIGINT", async () => {
    await pg.stop();
    Deno.exit(0);
  });
}
