// Copyright 2026 the framewire authors. MIT license.
// A cluster for the tests: a throw-away PostgreSQL and nats-server, and
// chat nodes that are real `cli/server.ts` subprocesses on loopback ports.
// Everything started here is stopped at the end of `withCluster`, whatever
// happens; the engines also on process exit (dev/postgres.ts, dev/nats.ts).
import { ChatClient } from "../../chat/mod.ts";
import { natsBinary, type NatsInstance, startNats } from "../../dev/nats.ts";
import {
  postgresBinaries,
  type PostgresInstance,
  startPostgres,
} from "../../dev/postgres.ts";
import { within } from "../_utils.ts";

export const PASSWORD = "password1";
export const ADMIN_TOKEN = "cluster-test-admin-token";
const SERVER = new URL("../../cli/server.ts", import.meta.url).pathname;
/** Bounds a node's start: loading the npm clients takes a second or two. */
const START_MS = 30_000;

/** Whether the engines are here; in CI (FRAMEWIRE_REQUIRE_SERVICES) they must be. */
export const clusterIgnored = Deno.env.get("FRAMEWIRE_REQUIRE_SERVICES") !==
    "1" &&
  (postgresBinaries() === undefined || natsBinary() === undefined);

/** One chat node: a `cli/server.ts` process. */
export class ClusterNode {
  readonly id: string;
  readonly args: string[];
  #child: Deno.ChildProcess | undefined;
  #output: string[] = [];
  port = 0;
  httpPort = 0;

  constructor(id: string, args: string[]) {
    this.id = id;
    this.args = args;
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
      await within(15_000, this.#done, `node ${this.id} to stop`);
    } catch {
      await this.kill();
    }
    this.#child = undefined;
  }

  /** Logs in a chat client here. */
  async login(user: string): Promise<ChatClient> {
    return await ChatClient.connect({
      hostname: "127.0.0.1",
      port: this.port,
      user,
      password: PASSWORD,
    });
  }
}

/** A running cluster: its engines and nodes. */
export interface Cluster {
  readonly postgres: PostgresInstance;
  readonly nats: NatsInstance;
  readonly dbUrl: string;
  readonly nodes: ClusterNode[];
  /** Adds and starts one more node. */
  addNode(extraArgs?: string[]): Promise<ClusterNode>;
}

/**
 * Runs `fn` with PostgreSQL, NATS and `count` nodes, and stops them all
 * afterwards.
 */
export async function withCluster(
  count: number,
  fn: (cluster: Cluster) => Promise<void>,
  extraArgs: string[] = [],
): Promise<void> {
  const postgres = await startPostgres();
  let nats: NatsInstance | undefined;
  const nodes: ClusterNode[] = [];
  try {
    nats = await startNats();
    const db = await postgres.createDatabase();
    const started = nats;
    const addNode = async (more: string[] = []) => {
      const id = `n${nodes.length + 1}`;
      const node = new ClusterNode(id, [
        "--port",
        "0",
        "--db",
        db.url,
        "--cluster",
        started.url,
        "--node-id",
        id,
        "--password-iterations",
        "1000",
        "--admin-token",
        ADMIN_TOKEN,
        "--http-port",
        "0",
        ...extraArgs,
        ...more,
      ]);
      nodes.push(node);
      await node.start();
      return node;
    };
    // One at a time: the first creates the schema; the others find it.
    for (let i = 0; i < count; i++) await addNode();
    await fn({ postgres, nats, dbUrl: db.url, nodes, addNode });
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    await nats?.stop();
    await postgres.stop();
  }
}
