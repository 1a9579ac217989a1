// Copyright 2026 the framewire authors. MIT license.
// The StoredMessage of a message a store has just inserted, shared by the
// stores' insert paths (SQLite's multi-row and row-by-row, PostgreSQL's).
import type { NewMessage, StoredMessage } from "./chat_store.ts";

/** `message` as stored now with id `mid` and `seq`, at `sentAtMs`. */
export function insertedMessage(
  message: NewMessage,
  mid: number,
  seq: number,
  sentAtMs: number,
): StoredMessage {
  return {
    mid,
    chatId: message.chatId,
    seq,
    sender: message.sender,
    clientId: message.clientId,
    text: message.text,
    sentAtMs,
    duplicate: false,
  };
}
