// Copyright 2026 the framewire authors. MIT license.
// The SQLite chat store's schema, its migrations, its statements, and the
// conversion of a message row.
import type { StoredMessage } from "./chat_store.ts";

export interface MessageRow {
  id: number;
  chat_id: number;
  seq: number;
  sender: string;
  client_id: Uint8Array;
  text: Uint8Array;
  sent_at: number;
}

// Text and client id are read as bytes: node:sqlite's text accessor stops at
// the first U+0000, which would cut a stored message short.
const MESSAGE_COLUMNS =
  "id, chat_id, seq, sender, CAST(client_id AS BLOB) AS client_id, CAST(text AS BLOB) AS text, sent_at";
const utf8 = new TextDecoder();

/** A chat as the summary queries return it (`userChats` adds `unread`). */
export interface ChatSummaryRow {
  id: number;
  kind: "direct" | "room";
  name: string;
  last_seq: number;
  last_at: number | null;
}

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  name TEXT PRIMARY KEY,
  salt BLOB NOT NULL,
  hash BLOB NOT NULL,
  iterations INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS chats (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('direct', 'room')),
  name TEXT NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  created_by TEXT,
  UNIQUE (kind, name)
) STRICT;
CREATE TABLE IF NOT EXISTS members (
  chat_id INTEGER NOT NULL REFERENCES chats (id),
  user TEXT NOT NULL,
  cursor INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (chat_id, user)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS members_by_user ON members (user);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY,
  chat_id INTEGER NOT NULL REFERENCES chats (id),
  seq INTEGER NOT NULL,
  sender TEXT NOT NULL,
  client_id TEXT NOT NULL,
  text TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  UNIQUE (chat_id, seq),
  UNIQUE (sender, client_id)
) STRICT;
CREATE TABLE IF NOT EXISTS resume_tokens (
  id INTEGER PRIMARY KEY,
  digest BLOB NOT NULL UNIQUE,
  user TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS resume_tokens_by_user ON resume_tokens (user);
`;

// Version 2 added chats.created_by (the room's creator, for the server's
// rooms-per-account quota); rooms of version 1 count against no one.
export const MIGRATE_TO_2 = `
ALTER TABLE chats ADD COLUMN created_by TEXT;
`;
// Version 3 added resume_tokens: a new table, which SCHEMA's CREATE … IF
// NOT EXISTS adds to a file of any older version, so it needs no step here.
// Its `id` (a rowid alias: never renumbered, and one more than the largest
// at insert) orders a user's tokens by when they were added, also within
// one millisecond and whatever clock the caller passed.
export const SCHEMA_END = `
CREATE INDEX IF NOT EXISTS chats_by_creator ON chats (created_by)
  WHERE created_by IS NOT NULL;
PRAGMA user_version = 3;
`;

export const SQL = {
  user: "SELECT salt, hash, iterations FROM users WHERE name = ?",
  createUser:
    "INSERT INTO users (name, salt, hash, iterations, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
  userCount: "SELECT COUNT(*) AS n FROM users",
  addResumeToken:
    "INSERT INTO resume_tokens (digest, user, expires_at, created_at) VALUES (?, ?, ?, ?)",
  // ?1 user, ?2 the digest just added (never dropped here, whatever the
  // clock says), ?3 now, ?4 keep. An expired token is not among those
  // kept, so it goes too.
  dropResumeTokens: `DELETE FROM resume_tokens WHERE user = ?1 AND digest <> ?2
    AND id NOT IN (SELECT id FROM resume_tokens
      WHERE user = ?1 AND expires_at > ?3 ORDER BY id DESC LIMIT ?4)`,
  takeResumeToken:
    "DELETE FROM resume_tokens WHERE digest = ? AND user = ? RETURNING expires_at",
  dropAllResumeTokens: "DELETE FROM resume_tokens WHERE user = ?",
  chat: "SELECT id, kind, name FROM chats WHERE kind = ? AND name = ?",
  chatById: "SELECT id, kind, name FROM chats WHERE id = ?",
  createChat:
    "INSERT INTO chats (kind, name, created_at, created_by) VALUES (?, ?, ?, ?) ON CONFLICT (kind, name) DO NOTHING",
  roomsCreatedBy:
    "SELECT COUNT(*) AS n FROM chats WHERE kind = 'room' AND created_by = ?",
  lastSeq: "SELECT last_seq FROM chats WHERE id = ?",
  lastMessageId: "SELECT COALESCE(MAX(id), 0) AS id FROM messages",
  setLastSeq: "UPDATE chats SET last_seq = ? WHERE id = ?",
  members: "SELECT user FROM members WHERE chat_id = ?",
  addMember:
    "INSERT INTO members (chat_id, user, cursor) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
  removeMember: "DELETE FROM members WHERE chat_id = ? AND user = ?",
  cursor: "SELECT cursor FROM members WHERE chat_id = ? AND user = ?",
  setCursor:
    "UPDATE members SET cursor = MAX(cursor, MIN(?, (SELECT last_seq FROM chats WHERE id = ?))) WHERE chat_id = ? AND user = ?",
  byClientId:
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sender = ? AND client_id = ?`,
  // A (sender, client_id) already stored inserts nothing: a retry.
  insertMessage:
    "INSERT INTO messages (chat_id, seq, sender, client_id, text, sent_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sender, client_id) DO NOTHING",
  after:
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE chat_id = ? AND seq > ? AND sender <> ? ORDER BY seq LIMIT ?`,
  last:
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE chat_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
  userChats: `SELECT c.id, c.kind, c.name, c.last_seq,
      (SELECT sent_at FROM messages WHERE chat_id = c.id AND seq = c.last_seq) AS last_at,
      (SELECT COUNT(*) FROM messages m WHERE m.chat_id = c.id AND m.seq > mb.cursor AND m.sender <> mb.user) AS unread
    FROM members mb JOIN chats c ON c.id = mb.chat_id
    WHERE mb.user = ? ORDER BY c.id`,
  allChats: `SELECT c.id, c.kind, c.name, c.last_seq,
      (SELECT sent_at FROM messages WHERE chat_id = c.id AND seq = c.last_seq) AS last_at
    FROM chats c ORDER BY last_at DESC, c.id LIMIT ?`,
};

/**
 * Rows per multi-row message INSERT, largest first: a batch is written in
 * chunks of these sizes, so a handful of prepared statements cover any
 * batch. One statement of 64 rows costs about a third of 64 single-row
 * ones (binding and stepping a statement is most of a row's cost).
 */
export const INSERT_CHUNKS = [64, 16, 4, 1] as const;

/**
 * A message INSERT of `rows` rows with explicit ids; a row whose
 * (sender, client_id) is stored already is skipped (`changes` falls short).
 */
export function insertMessagesSql(rows: number): string {
  return `INSERT INTO messages (id, chat_id, seq, sender, client_id, text, sent_at) VALUES ${
    Array(rows).fill("(?, ?, ?, ?, ?, ?, ?)").join(", ")
  } ON CONFLICT (sender, client_id) DO NOTHING`;
}

export function toStored(row: MessageRow, duplicate: boolean): StoredMessage {
  return {
    mid: row.id,
    chatId: row.chat_id,
    seq: row.seq,
    sender: row.sender,
    clientId: utf8.decode(row.client_id),
    text: utf8.decode(row.text),
    sentAtMs: row.sent_at,
    duplicate,
  };
}
