// Copyright 2026 the framewire authors. MIT license.
// The unread counts of chats a session does not have open, set right after
// the bus reconnected. Such a chat gets an `unread` notice per message
// event; an event the bus lost (NATS core delivers at most once) never
// brings its notice, so the session's count, and what its client shows,
// stays low until the next login or `/list`. Open chats are repaired from
// their `seq` (ChatDelivery's #repair); these have no seq to compare, so
// the counts are read again from the store.
//
// The read takes a while, and live events keep coming meanwhile: an event
// counted during the read is in the store's count if its message is at or
// below the chat's last `seq` as the read saw it, and must be added if it
// is above. A cursor move (`read`) in flight during the read may or may not
// be in the store's count: that chat is left as it is (the client's next
// `/list` has the truth).
import type { Frame } from "../codec/frame.ts";
import type { ChatStore } from "./chat_store.ts";
import type { ResolvedChatOptions } from "./_chat_options.ts";
import { userAddress } from "./_addresses.ts";
import {
  logInternal,
  type Session,
  type UnreadRepairWindow,
} from "./_session.ts";
import { encodeChatFrame } from "./_wire.ts";

/**
 * Notes that an `unread` notice counted message `seq` of a chat, for a
 * repair reading the session's counts now (nothing when none is).
 */
export function noteCounted(
  session: Session,
  chatId: number,
  seq: number,
): void {
  const counted = session.unreadRepair?.counted;
  if (counted === undefined) return;
  const seqs = counted.get(chatId);
  if (seqs === undefined) counted.set(chatId, [seq]);
  else seqs.push(seq);
}

/** Queues a frame for a session (ChatDelivery's outbox). */
export type QueueFrame = (session: Session, frame: Frame) => void;

/** Repairs the unread counts of every online session, one at a time. */
export class UnreadRepair {
  #store: ChatStore;
  #queue: QueueFrame;
  #options: ResolvedChatOptions;
  #running = false;
  #again = false;

  /**
   * @param store Where the true counts are read.
   * @param queue Sends a notice.
   * @param options The log.
   */
  constructor(
    store: ChatStore,
    queue: QueueFrame,
    options: ResolvedChatOptions,
  ) {
    this.#store = store;
    this.#queue = queue;
    this.#options = options;
  }

  /**
   * Repairs the sessions of `users`, one store read at a time; a call while
   * a pass runs makes it start once more at its end (a second reconnect may
   * have lost more).
   */
  run(users: Map<string, Session>): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void (async () => {
      try {
        do {
          this.#again = false;
          for (const [user, session] of [...users]) {
            if (users.get(user) !== session) continue; // Gone meanwhile.
            await this.#repair(session, user, users);
          }
        } while (this.#again);
      } finally {
        this.#running = false;
      }
    })();
  }

  async #repair(
    session: Session,
    user: string,
    users: Map<string, Session>,
  ): Promise<void> {
    // A cursor move still in flight may commit after the store's read.
    const window: UnreadRepairWindow = {
      counted: new Map(),
      read: new Set(session.movingCursors.keys()),
    };
    session.unreadRepair = window;
    let summaries;
    try {
      summaries = await this.#store.userChats(user);
    } catch (error) {
      // The store is out of reach: the counts stay as they are, and the
      // client's next `/list` reads them.
      if (!session.conn.signal.aborted) {
        logInternal(this.#options.log, error, session);
      }
      return;
    } finally {
      session.unreadRepair = undefined;
    }
    if (users.get(user) !== session || session.conn.signal.aborted) return;
    for (const { chat, unread, lastSeq } of summaries) {
      if (session.open.has(chat.id) || window.read.has(chat.id)) continue;
      // Late events of messages up to lastSeq are in `unread` already.
      if (lastSeq > (session.countedUpTo.get(chat.id) ?? 0)) {
        session.countedUpTo.set(chat.id, lastSeq);
      }
      let count = unread;
      for (const seq of window.counted.get(chat.id) ?? []) {
        if (seq > lastSeq) count++;
      }
      if (count === (session.unread.get(chat.id) ?? 0)) continue;
      if (count === 0) session.unread.delete(chat.id);
      else session.unread.set(chat.id, count);
      this.#queue(
        session,
        encodeChatFrame({ op: "unread", chat: userAddress(chat, user), count }),
      );
    }
  }
}
