// Copyright 2026 the framewire authors. MIT license.
// A cluster for the tests: a throw-away PostgreSQL and nats-server, and
// chat nodes that are real `cli/server.ts` subprocesses on loopback ports.
// Everything started here is stopped at the end of `withCluster`, whatever
// happens; the engines also on process exit (dev/postgres.ts, dev/nats.ts).
import type { ChatClient } from "../../chat/mod.ts";
import { ChatNode } from "../../dev/chat_node.ts";
import { natsBinary, type NatsInstance, startNats } from "../../dev/nats.ts";
import {
  postgresBinaries,
  type PostgresInstance,
  startPostgres,
} from "../../dev/postgres.ts";

export const PASSWORD = "password1";
export const ADMIN_TOKEN = "cluster-test-admin-token";

/** Whether the engines are here; in CI (FRAMEWIRE_REQUIRE_SERVICES) they must be. */
export const clusterIgnored = Deno.env.get("FRAMEWIRE_REQUIRE_SERVICES") !==
    "1" &&
  (postgresBinaries() === undefined || natsBinary() === undefined);

/** A node of the tests: its users share one password. */
export class ClusterNode extends ChatNode {
  /** Logs in `user` with {@linkcode PASSWORD} unless told otherwise. */
  override login(user: string, password = PASSWORD): Promise<ChatClient> {
    return super.login(user, password);
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
