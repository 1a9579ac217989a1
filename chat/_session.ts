// Copyright 2026 the framewire authors. MIT license.
// What the chat server knows of one connection, and the log helpers that
// name it.
import type { Logger, LogLevel } from "../transport/log.ts";
import { ErrorCode } from "../transport/protocol_errors.ts";
import type { ServerConnection } from "../transport/server_connection.ts";
import type { Frame } from "../codec/frame.ts";
import {
  type ChatRecord,
  ChatStoreUnavailableError,
  type StoredMessage,
} from "./chat_store.ts";
import { ChatErrorCode } from "./errors.ts";
import { chatErrorFrame } from "./_wire.ts";
import type { ChatAddress } from "./messages.ts";

/** Most entries of `Session.directChats`; it starts over when full. */
export const DIRECT_CHATS_KEPT = 64;

/** A chat a session has open. */
export interface OpenChat {
  readonly chat: ChatRecord;
  readonly address: ChatAddress;
  /**
   * Live messages are pushed only once the stored backlog has been sent;
   * until then they wait here (the backlog read may miss them).
   */
  pending: StoredMessage[] | undefined;
  /** The highest seq pushed, so the backlog and live pushes never repeat. */
  lastSeq: number;
}

/** One connection of the chat protocol. */
export interface Session {
  readonly conn: ServerConnection;
  user: string | undefined;
  /** Unique across nodes: tells this session from the user's next one. */
  sessionId: string | undefined;
  admin: boolean;
  failures: number;
  /** Chats this session has open, by chat id. */
  readonly open: Map<number, OpenChat>;
  /** Unread counts of chats not open, by chat id. */
  readonly unread: Map<number, number>;
  /**
   * Each chat's last `seq` when the login read the unread counts, by chat
   * id: a message up to it is already in its count. In a cluster the bus
   * can bring a message committed before the login after it, and counting
   * it again would overstate the unread total.
   */
  readonly countedUpTo: Map<number, number>;
  /** Admin: chats watched, by chat id. */
  readonly watching: Map<number, ChatRecord>;
  /**
   * Direct chats this session has sent to, by the address it used (at
   * most {@linkcode DIRECT_CHATS_KEPT}). A direct chat never changes once it
   * exists (no account or chat is ever deleted), so a send to one that is
   * not open is accepted without a store call or a promise.
   */
  readonly directChats: Map<ChatAddress, ChatRecord>;
  /**
   * The digest of the resume token this session's login was handed, which
   * `logout` makes the server forget.
   */
  resumeDigest: Uint8Array | undefined;
  /** Sends whose ack has not been written yet. */
  inflight: number;
  /**
   * Frames pushed in this turn of the event loop, written together at its
   * end (one `sendMany`, so one write for a burst); `undefined` when empty.
   */
  outbox: Frame[] | undefined;
  /** Acks in `outbox`: window slots freed once it is written. */
  outboxAcks: number;
  readonly windowWaiters: (() => void)[];
  /** Sends not stored (or refused by the store) yet. */
  appending: number;
  /** Woken when `appending` drops to 0: reads that must see those sends. */
  readonly appendWaiters: (() => void)[];
  /** Ends the pause after a RATE_LIMITED early (the connection closed). */
  endPause: (() => void) | undefined;
  /** Set while the unread counts are read again (see _unread_repair.ts). */
  unreadRepair: UnreadRepairWindow | undefined;
  /** Cursor moves not committed yet, by chat id: how many. */
  readonly movingCursors: Map<number, number>;
}

/**
 * What happened to a session's chats while its unread counts were read
 * again after a bus reconnect: the `seq` of each message counted in an
 * `unread` notice meanwhile, by chat id, and the chats whose cursor moved
 * meanwhile (or was moving when the read began).
 */
export interface UnreadRepairWindow {
  readonly counted: Map<number, number[]>;
  readonly read: Set<number>;
}

/**
 * A fresh, anonymous session. Its maps and its waiter list are made at first
 * use: a connection that never speaks chat (there may be thousands idle)
 * carries none of them.
 */
export function createSession(conn: ServerConnection): Session {
  return new LazySession(conn);
}

class LazySession implements Session {
  readonly conn: ServerConnection;
  user: string | undefined = undefined;
  sessionId: string | undefined = undefined;
  admin = false;
  failures = 0;
  resumeDigest: Uint8Array | undefined = undefined;
  inflight = 0;
  appending = 0;
  outbox: Frame[] | undefined = undefined;
  outboxAcks = 0;
  endPause: (() => void) | undefined = undefined;
  unreadRepair: UnreadRepairWindow | undefined = undefined;
  #open: Map<number, OpenChat> | undefined;
  #unread: Map<number, number> | undefined;
  #countedUpTo: Map<number, number> | undefined;
  #watching: Map<number, ChatRecord> | undefined;
  #directChats: Map<ChatAddress, ChatRecord> | undefined;
  #movingCursors: Map<number, number> | undefined;
  #windowWaiters: (() => void)[] | undefined;
  #appendWaiters: (() => void)[] | undefined;

  constructor(conn: ServerConnection) {
    this.conn = conn;
  }

  get open(): Map<number, OpenChat> {
    return this.#open ??= new Map();
  }

  get unread(): Map<number, number> {
    return this.#unread ??= new Map();
  }

  get countedUpTo(): Map<number, number> {
    return this.#countedUpTo ??= new Map();
  }

  get watching(): Map<number, ChatRecord> {
    return this.#watching ??= new Map();
  }

  get directChats(): Map<ChatAddress, ChatRecord> {
    return this.#directChats ??= new Map();
  }

  get movingCursors(): Map<number, number> {
    return this.#movingCursors ??= new Map();
  }

  get windowWaiters(): (() => void)[] {
    return this.#windowWaiters ??= [];
  }

  get appendWaiters(): (() => void)[] {
    return this.#appendWaiters ??= [];
  }
}

/**
 * Resolves after `ms`, or at once when the session closes: the connection's
 * next frame is not read meanwhile, so a client that ignores RATE_LIMITED
 * is slowed down by TCP instead of costing the server a refusal per frame.
 */
export function pauseSession(session: Session, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const end = () => {
      clearTimeout(timer);
      session.endPause = undefined;
      resolve();
    };
    const timer = setTimeout(end, ms);
    session.endPause = end;
  });
}

/** Logs an event about a session (or the server, without one). */
export function emit(
  log: Logger,
  level: LogLevel,
  event: string,
  message: string,
  session: Session | undefined,
  code?: string,
): void {
  log({
    level,
    event,
    message,
    code,
    connectionId: session?.conn.id,
    remoteAddress: session?.conn.remoteAddress,
  });
}

/** Logs a server fault. */
export function logInternal(
  log: Logger,
  error: unknown,
  session: Session | undefined,
): void {
  emit(
    log,
    "error",
    "chat_error",
    `Chat failure: ${error instanceof Error ? error.message : String(error)}`,
    session,
    ErrorCode.InternalError,
  );
}

/**
 * The Error frame for a failure that is not the client's: the store out of
 * reach (`STORE_UNAVAILABLE`, worth a retry) or a fault of the server
 * (`INTERNAL_ERROR`, logged as an error).
 */
export function internalErrorFrame(
  log: Logger,
  error: unknown,
  id: string | undefined,
  session?: Session,
): Frame {
  if (error instanceof ChatStoreUnavailableError) {
    emit(
      log,
      "warn",
      "store_unavailable",
      error.message,
      session,
      ChatErrorCode.StoreUnavailable,
    );
    return chatErrorFrame(
      ChatErrorCode.StoreUnavailable,
      "Cannot handle message: the chat store is unavailable; try again later",
      id,
    );
  }
  logInternal(log, error, session);
  return chatErrorFrame(
    ErrorCode.InternalError,
    "Cannot handle message: the server failed",
    id,
  );
}
