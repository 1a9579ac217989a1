// Copyright 2026 the framewire authors. MIT license.
// The PostgreSQL chat store's schema and migrations, the small slice of the
// `postgres` client (npm:postgres) it uses, row conversions, and which
// errors mean "the database cannot be reached".
//
// The client's own types stay out of here on purpose: the store's public
// declarations must not name an npm type (JSR slow types), and a
// single-node user must not fetch the package, so it is only ever loaded
// with a dynamic import() when a PostgreSQL store connects.
import {
  type ChatRecord,
  ChatStoreUnavailableError,
  type ChatSummary,
  type StoredMessage,
  type UserChatSummary,
} from "./chat_store.ts";
import { describe } from "../internal/describe.ts";
import { stringOption } from "../internal/options.ts";

/** A row as the client returns it. */
export type Row = Record<string, unknown>;

/** The part of a `postgres` client (or transaction) the store calls. */
export interface Sql {
  /** A parameterized query: `` sql`SELECT … WHERE id = ${id}` ``. */
  (strings: TemplateStringsArray, ...values: unknown[]): Promise<Row[]>;
  /** Several statements without parameters (the schema). */
  unsafe(query: string): Promise<unknown>;
}

/** A connection pool. */
export interface SqlPool extends Sql {
  /** Runs `fn` in a transaction on one connection; commits when it resolves. */
  begin<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** Closes every connection; queries still running after `timeout` s are cut. */
  end(options?: { timeout?: number }): Promise<void>;
}

/**
 * The client package, pinned: the same version as `deno.json`'s
 * `"postgres"` import (a test checks they agree). It is imported through
 * this constant, not a literal `import("npm:…")`, on purpose: Deno follows
 * literal dynamic imports into the module graph and fetches every npm
 * package of the graph before a program starts, so a literal would make
 * every single-node server download the client it never uses.
 */
export const POSTGRES_MODULE: string = "npm:postgres@3.4.9";

/** The `postgres` package's default export, as far as the store uses it. */
export type PostgresFactory = (url: string, options: object) => SqlPool;

/**
 * The migrations, in order: entry i takes the schema from version i to
 * version i + 1. A new version appends an entry; entries are never edited
 * once released, because a database records only the number it reached.
 *
 * Version 1 is the SQLite store's version 2 in PostgreSQL terms. Text and
 * client ids are `bytea` (UTF-8): PostgreSQL's `text` cannot hold U+0000,
 * which a chat message may contain. Times are `bigint` milliseconds since
 * the Unix epoch, as in SQLite. `chats.last_seq` is the counter that
 * numbers a chat's messages: a writer updates it in the transaction that
 * inserts, so its row lock serializes the writers of one chat, on any
 * node, while other chats do not wait.
 *
 * Version 2 (the SQLite store's version 3) adds `resume_tokens`: the
 * SHA-256 digests of the tokens that log a user in once instead of the
 * password. Its identity `id` orders a user's tokens by when they were
 * added, also within one millisecond and whatever the nodes' clocks say.
 */
export const MIGRATIONS: readonly string[] = [
  `
CREATE TABLE users (
  name text PRIMARY KEY,
  salt bytea NOT NULL,
  hash bytea NOT NULL,
  iterations integer NOT NULL,
  created_at bigint NOT NULL
);
CREATE TABLE chats (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('direct', 'room')),
  name text NOT NULL,
  last_seq bigint NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  created_by text,
  UNIQUE (kind, name)
);
CREATE INDEX chats_by_creator ON chats (created_by) WHERE created_by IS NOT NULL;
CREATE TABLE members (
  chat_id bigint NOT NULL REFERENCES chats (id),
  user_name text NOT NULL,
  cursor bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (chat_id, user_name)
);
CREATE INDEX members_by_user ON members (user_name);
CREATE TABLE messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chat_id bigint NOT NULL REFERENCES chats (id),
  seq bigint NOT NULL,
  sender text NOT NULL,
  client_id bytea NOT NULL,
  text bytea NOT NULL,
  sent_at bigint NOT NULL,
  UNIQUE (chat_id, seq),
  UNIQUE (sender, client_id)
);
`,
  `
CREATE TABLE resume_tokens (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  digest bytea NOT NULL UNIQUE,
  user_name text NOT NULL,
  expires_at bigint NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX resume_tokens_by_user ON resume_tokens (user_name, id);
`,
];

/** The version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * The key of the advisory lock taken while migrating, so that two nodes
 * starting together do not both run a migration (any constant; this one
 * spells "fw chat" in ASCII).
 */
export const MIGRATION_LOCK = 0x66772063686174;

/**
 * Brings the schema to {@linkcode SCHEMA_VERSION}, in one transaction:
 * take the advisory lock (a second node waits here until the first has
 * committed), read the version from `framewire_schema_version` (a
 * one-row table; no row means an empty database, version 0), run the
 * missing migrations, record the new version. PostgreSQL's DDL is
 * transactional, so a failed migration leaves the previous version whole.
 *
 * @returns The version found before migrating.
 */
export async function migrate(pool: SqlPool): Promise<number> {
  return await pool.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx.unsafe(`CREATE TABLE IF NOT EXISTS framewire_schema_version (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      version integer NOT NULL,
      migrated_at bigint NOT NULL
    )`);
    const rows = await tx`SELECT version FROM framewire_schema_version`;
    const found = rows.length === 0 ? 0 : Number(rows[0].version);
    if (found > SCHEMA_VERSION) {
      throw new Error(
        `Cannot use chat database schema version ${found}: this framewire knows versions up to ${SCHEMA_VERSION} (upgrade framewire)`,
      );
    }
    for (let version = found; version < SCHEMA_VERSION; version++) {
      await tx.unsafe(MIGRATIONS[version]);
    }
    if (found !== SCHEMA_VERSION) {
      await tx`INSERT INTO framewire_schema_version (version, migrated_at)
        VALUES (${SCHEMA_VERSION}, ${Date.now()})
        ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version,
          migrated_at = EXCLUDED.migrated_at`;
    }
    return found;
  });
}

/**
 * Checks a database URL; a password in it is masked in the message.
 *
 * @throws {TypeError} If it is not a `postgres://` or `postgresql://` URL.
 */
export function checkUrl(url: unknown): void {
  stringOption("url", url, { nonEmpty: true });
  if (!/^postgres(ql)?:\/\//.test(url as string)) {
    throw new TypeError(
      `Cannot use url ${
        describe((url as string).replace(/:[^:@/]*@/, ":***@"))
      }: expected a postgres:// URL`,
    );
  }
}

/** What {@linkcode openPool} needs of the store's options. */
export interface PoolSettings {
  readonly maxConnections: number;
  readonly queryTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

/**
 * Loads the client, opens a pool and migrates the schema, within the
 * connect and query timeouts; closes the pool again if that fails.
 */
export async function openPool(
  url: string,
  settings: PoolSettings,
): Promise<SqlPool> {
  const module = await import(POSTGRES_MODULE);
  const postgres = module.default as PostgresFactory;
  const sql = postgres(url, {
    max: settings.maxConnections,
    connect_timeout: settings.connectTimeoutMs / 1000,
    onnotice: () => {},
    types: { bigint: BIGINT_AS_NUMBER },
    connection: {
      application_name: "framewire",
      // The server gives up too, so a statement we stopped waiting for
      // does not hold its locks for long.
      statement_timeout: settings.queryTimeoutMs,
      idle_in_transaction_session_timeout: settings.queryTimeoutMs,
    },
  });
  try {
    await within(
      settings.connectTimeoutMs + settings.queryTimeoutMs,
      migrate(sql),
    );
  } catch (error) {
    await sql.end({ timeout: 0 }).catch(() => {});
    throw unavailable(error);
  }
  return sql;
}

/**
 * Type parsers: `bigint` (ids, `seq`, times, `COUNT(*)`) comes back as a
 * number instead of the client's default string. Every such value here is
 * far below 2^53.
 */
export const BIGINT_AS_NUMBER = {
  to: 20,
  from: [20],
  serialize: (value: number | bigint) => String(value),
  parse: (value: string) => Number(value),
};

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/** A string as UTF-8 bytes for a `bytea` column. */
export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** A `bytea` value (a Node Buffer) as a plain Uint8Array copy. */
export function plainBytes(value: unknown): Uint8Array {
  return new Uint8Array(value as Uint8Array);
}

/** The columns {@linkcode toStored} reads. */
export const MESSAGE_COLUMNS =
  "id, chat_id, seq, sender, client_id, text, sent_at";

/** Creates a direct chat with both members; `undefined` if it exists. */
export function createDirectChat(
  sql: SqlPool,
  name: string,
  a: string,
  b: string,
): Promise<ChatRecord | undefined> {
  return sql.begin(async (tx) => {
    const rows = await tx`INSERT INTO chats (kind, name, created_at)
      VALUES ('direct', ${name}, ${Date.now()})
      ON CONFLICT (kind, name) DO NOTHING RETURNING id, kind, name`;
    if (rows.length === 0) return undefined;
    await tx`INSERT INTO members (chat_id, user_name, cursor)
      VALUES (${rows[0].id}, ${a}, 0), (${rows[0].id}, ${b}, 0)
      ON CONFLICT DO NOTHING`;
    return toChat(rows[0]);
  });
}

/**
 * Stores a resume token's digest and drops the user's tokens beyond `keep`
 * (see `ChatStore.addResumeToken`), in one transaction.
 */
export function addResumeToken(
  sql: SqlPool,
  user: string,
  digest: Uint8Array,
  expiresAtMs: number,
  nowMs: number,
  keep: number,
): Promise<void> {
  return sql.begin(async (tx) => {
    await tx`INSERT INTO resume_tokens
        (digest, user_name, expires_at, created_at)
      VALUES (${digest}, ${user}, ${expiresAtMs}, ${nowMs})`;
    // An expired token is not among those kept, so it goes too. The new
    // one is never dropped here: another node adding one for the same
    // user at once may leave a token beyond `keep`, but never a caller
    // holding a token that does not log in.
    await tx`DELETE FROM resume_tokens
      WHERE user_name = ${user} AND digest <> ${digest}
        AND id NOT IN (SELECT id FROM resume_tokens
          WHERE user_name = ${user} AND expires_at > ${nowMs}
          ORDER BY id DESC LIMIT ${keep})`;
  });
}

/** A user's chats with unread counts (see `ChatStore.userChats`). */
export async function userChats(
  sql: Sql,
  user: string,
): Promise<UserChatSummary[]> {
  const rows = await sql`SELECT c.id, c.kind, c.name, c.last_seq,
      (SELECT sent_at FROM messages
        WHERE chat_id = c.id AND seq = c.last_seq) AS last_at,
      (SELECT COUNT(*) FROM messages m WHERE m.chat_id = c.id
        AND m.seq > mb.cursor AND m.sender <> mb.user_name) AS unread
    FROM members mb JOIN chats c ON c.id = mb.chat_id
    WHERE mb.user_name = ${user} ORDER BY c.id`;
  return rows.map((row) => ({
    chat: toChat(row),
    lastSeq: row.last_seq as number,
    lastAtMs: (row.last_at ?? undefined) as number | undefined,
    unread: row.unread as number,
  }));
}

/**
 * Every chat, most recently active first. (PostgreSQL sorts NULLs first
 * in a descending order, SQLite last: empty chats go last here too.)
 */
export async function allChats(
  sql: Sql,
  limit: number,
): Promise<ChatSummary[]> {
  const rows = await sql`SELECT c.id, c.kind, c.name, c.last_seq,
      (SELECT sent_at FROM messages
        WHERE chat_id = c.id AND seq = c.last_seq) AS last_at
    FROM chats c ORDER BY last_at DESC NULLS LAST, c.id LIMIT ${limit}`;
  return rows.map((row) => ({
    chat: toChat(row),
    messages: row.last_seq as number,
    lastAtMs: (row.last_at ?? undefined) as number | undefined,
  }));
}

export function toChat(row: Row): ChatRecord {
  return {
    id: row.id as number,
    kind: row.kind as "direct" | "room",
    name: row.name as string,
  };
}

export function toStored(row: Row, duplicate: boolean): StoredMessage {
  return {
    mid: row.id as number,
    chatId: row.chat_id as number,
    seq: row.seq as number,
    sender: row.sender as string,
    clientId: utf8.decode(row.client_id as Uint8Array),
    text: utf8.decode(row.text as Uint8Array),
    sentAtMs: row.sent_at as number,
    duplicate,
  };
}

// Socket errors (Node's codes, as Deno's node:net reports them) and the
// client's own connection errors.
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
]);
// SQLSTATEs of a server that is going away, starting up or full: class 08
// (connection exception), 57P01 admin_shutdown, 57P02 crash_shutdown,
// 57P03 cannot_connect_now, 57014 query_canceled (our statement_timeout),
// 53300 too_many_connections. Constraint violations and syntax errors are
// bugs or conflicts, not unavailability, and keep their own error.
const UNAVAILABLE_STATES = new Set([
  "57P01",
  "57P02",
  "57P03",
  "57014",
  "53300",
]);

/** The error to throw: unreachability as {@linkcode ChatStoreUnavailableError}. */
export function unavailable(error: unknown): unknown {
  if (error instanceof ChatStoreUnavailableError || !isUnreachable(error)) {
    return error;
  }
  const { code, message } = error as Error & { code: string };
  return new ChatStoreUnavailableError(
    message.includes(code) ? message : `${message} (${code})`,
    { cause: error },
  );
}

/**
 * `work`, or a {@linkcode ChatStoreUnavailableError} once `ms` have passed.
 * The timer is cleared either way, so nothing outlives the operation.
 */
export function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ChatStoreUnavailableError(`no answer within ${ms} ms`)),
      ms,
    );
  });
  // A query that fails after we stopped waiting must not surface as an
  // unhandled rejection.
  work.catch(() => {});
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Whether an error means the database cannot be reached (now). */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") return false;
  return NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) ||
    (code.length === 5 && code.startsWith("08"));
}
