// Copyright 2026 the framewire authors. MIT license.
// The PostgreSQL chat store's writes of messages and cursors: one queue per
// chat, sent in call order, a batch per transaction. The chat row's lock
// (SELECT … FOR UPDATE) serializes the writers of one chat on every node;
// a batch numbers its messages from the last_seq it read under that lock.
import type { NewMessage, StoredMessage } from "./chat_store.ts";
import {
  bytes,
  MESSAGE_COLUMNS,
  type SqlPool,
  toStored,
} from "./_postgres_chat_schema.ts";
import { insertedMessage } from "./_stored_message.ts";

/** A queued write, with its caller's promise. */
export type Write =
  | {
    kind: "append";
    message: NewMessage;
    resolve(stored: StoredMessage): void;
    reject(error: unknown): void;
  }
  | {
    kind: "cursor";
    user: string;
    seq: number;
    resolve(): void;
    reject(error: unknown): void;
  };

interface ChatQueue {
  writes: Write[];
  /** Settles when the queue is empty again. */
  done: Promise<void>;
}

/** The write queues of one store. */
export class ChatWriteQueues {
  #queues = new Map<number, ChatQueue>();
  #sql: SqlPool;
  #maxBatch: number;
  #run: <T>(work: () => Promise<T>) => Promise<T>;

  /**
   * @param sql The pool.
   * @param maxBatch Most writes per transaction.
   * @param run Runs a transaction under the store's timeout and error mapping.
   */
  constructor(
    sql: SqlPool,
    maxBatch: number,
    run: <T>(work: () => Promise<T>) => Promise<T>,
  ) {
    this.#sql = sql;
    this.#maxBatch = maxBatch;
    this.#run = run;
  }

  /** Queues a write behind the chat's earlier ones. */
  add(chatId: number, write: Write): void {
    const queue = this.#queues.get(chatId);
    if (queue !== undefined) {
      queue.writes.push(write);
      return;
    }
    const writes = [write];
    this.#queues.set(chatId, { writes, done: this.#drain(chatId, writes) });
  }

  /** Settles once the chat's queue is empty (now if it is). */
  async settled(chatId: number): Promise<void> {
    await this.#queues.get(chatId)?.done;
  }

  /** Settles once every queue is empty. */
  async flush(): Promise<void> {
    while (this.#queues.size > 0) {
      await Promise.all([...this.#queues.values()].map((queue) => queue.done));
    }
  }

  /** Sends a chat's queued writes, a batch per transaction, in order. */
  async #drain(chatId: number, writes: Write[]): Promise<void> {
    // One microtask: writes queued in the same synchronous run join the
    // first batch.
    await null;
    while (writes.length > 0) {
      const batch = writes.splice(0, this.#maxBatch);
      try {
        const results = await this.#run(() => this.#write(chatId, batch));
        for (let i = 0; i < batch.length; i++) {
          const write = batch[i];
          if (write.kind === "append") {
            write.resolve(results[i]!);
          } else {
            write.resolve();
          }
        }
      } catch (error) {
        for (const write of batch) write.reject(error);
      }
    }
    this.#queues.delete(chatId);
  }

  /**
   * One transaction: lock the chat row, number and insert the appends,
   * apply the cursor moves (clamped to the `seq` reached so far), store the
   * new last `seq`.
   */
  #write(
    chatId: number,
    batch: Write[],
  ): Promise<(StoredMessage | undefined)[]> {
    return this.#sql.begin(async (tx) => {
      const rows = await tx`SELECT last_seq FROM chats
        WHERE id = ${chatId} FOR UPDATE`;
      if (rows.length === 0) {
        if (batch.every((write) => write.kind === "cursor")) {
          return batch.map(() => undefined);
        }
        throw new Error(`Cannot append to chat ${chatId}: no such chat`);
      }
      const first = rows[0].last_seq as number;
      let seq = first;
      const now = Date.now();
      const results: (StoredMessage | undefined)[] = [];
      // Consecutive cursor moves (a room's readers after each message) go
      // out as one statement, each user's highest: one round trip instead
      // of one per reader. Clamped to the seq reached before them.
      const moves = new Map<string, number>();
      const moveCursors = async () => {
        if (moves.size === 0) return;
        const values = JSON.stringify(
          [...moves].map(([user, to]) => ({ user_name: user, seq: to })),
        );
        moves.clear();
        await tx`UPDATE members AS m
          SET cursor = GREATEST(m.cursor, LEAST(v.seq, ${seq}::bigint))
          FROM jsonb_to_recordset(${values}::text::jsonb)
            AS v(user_name text, seq bigint)
          WHERE m.chat_id = ${chatId} AND m.user_name = v.user_name`;
      };
      for (const write of batch) {
        if (write.kind === "cursor") {
          moves.set(
            write.user,
            Math.max(moves.get(write.user) ?? 0, write.seq),
          );
          results.push(undefined);
          continue;
        }
        await moveCursors();
        const { sender, clientId, text } = write.message;
        // A (sender, client id) stored before, by any node, inserts
        // nothing; one being inserted by another node's open transaction
        // makes this wait for its outcome.
        const inserted = await tx`INSERT INTO messages
            (chat_id, seq, sender, client_id, text, sent_at)
          VALUES (${chatId}, ${seq + 1}, ${sender}, ${bytes(clientId)},
            ${bytes(text)}, ${now})
          ON CONFLICT (sender, client_id) DO NOTHING RETURNING id`;
        if (inserted.length === 1) {
          seq++;
          results.push(
            insertedMessage(write.message, inserted[0].id as number, seq, now),
          );
          continue;
        }
        const earlier = await tx`SELECT ${tx.unsafe(MESSAGE_COLUMNS)}
          FROM messages
          WHERE sender = ${sender} AND client_id = ${bytes(clientId)}`;
        results.push(toStored(earlier[0], true));
      }
      await moveCursors();
      if (seq !== first) {
        await tx`UPDATE chats SET last_seq = ${seq} WHERE id = ${chatId}`;
      }
      return results;
    });
  }
}
