// Copyright 2026 the framewire authors. MIT license.
// Which store and bus the chat server runs on, from `--db` and `--cluster`:
// a path is SQLite and the in-process bus (one node, nothing to download);
// a postgres:// URL is PostgreSQL, shared by every node, and `--cluster
// nats://…` links the nodes' live delivery through NATS. The npm clients of
// both are loaded only here, only when asked for.
import type { ChatBus, ChatStore } from "../chat/mod.ts";

/** What `--db`, `--cluster` and `--node-id` said. */
export interface ChatBackendFlags {
  readonly db: string;
  readonly cluster: string | undefined;
  readonly nodeId: string | undefined;
}

/** The store and bus to give the ChatServer (none: SQLite at `db`). */
export interface ChatBackends {
  readonly store?: ChatStore;
  readonly bus?: ChatBus;
  /** The node's id: `--node-id`, or the one the NATS bus chose. */
  readonly nodeId?: string;
  /** Closes what was opened here (the server does not own them). */
  close(): Promise<void>;
}

/** Whether `--db` names a PostgreSQL database rather than a file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/**
 * Checks the flags before anything is opened.
 *
 * @throws {Error} For `--cluster` without a PostgreSQL `--db`, or a
 * `--cluster` that is not a nats:// URL.
 */
export function checkChatBackendFlags(flags: ChatBackendFlags): void {
  if (flags.cluster === undefined) return;
  if (!isPostgresUrl(flags.db)) {
    throw new Error(
      "--cluster needs a PostgreSQL --db (postgres://USER@HOST:PORT/DB): " +
        "the nodes share their messages through it, and a SQLite file " +
        "belongs to one node",
    );
  }
  if (!/^nats:\/\/[^/]+/i.test(flags.cluster)) {
    throw new Error(
      `invalid --cluster "${flags.cluster}": expected nats://HOST:PORT`,
    );
  }
}

/**
 * Opens PostgreSQL and NATS when the flags ask for them.
 *
 * @throws {Error} When one cannot be reached; nothing is left open then.
 */
export async function openChatBackends(
  flags: ChatBackendFlags,
): Promise<ChatBackends> {
  checkChatBackendFlags(flags);
  if (!isPostgresUrl(flags.db)) return { close: () => Promise.resolve() };
  const { PostgresChatStore } = await import("../chat/postgres_chat_store.ts");
  const store = await PostgresChatStore.connect(flags.db);
  if (flags.cluster === undefined) {
    return { store, close: () => store.close() };
  }
  let bus: ChatBus & { readonly nodeId: string };
  try {
    const { NatsChatBus } = await import("../chat/nats_chat_bus.ts");
    bus = await NatsChatBus.connect(flags.cluster, {
      ...(flags.nodeId === undefined ? {} : { nodeId: flags.nodeId }),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  return {
    store,
    bus,
    nodeId: bus.nodeId,
    close: async () => {
      await bus.close();
      await store.close();
    },
  };
}
