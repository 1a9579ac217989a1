// Copyright 2026 the framewire authors. MIT license.
// The chat server's live side: its sessions, the send window of each
// connection, the store-then-publish path of a message, the fan-out of what
// the bus delivers (to members' sessions and to watchers), and the paged
// backlog of an opened chat.
//
// A message reaches sessions only through the bus, never straight from the
// sender's handler: with a bus shared by several nodes, a message committed
// on another node arrives the same way.
import type { Frame } from "../codec/frame.ts";
import { setImmediate } from "node:timers";
import { sleep } from "../internal/sleep.ts";
import type { HandlerResult } from "../transport/frame_router.ts";
import type { ServerConnection } from "../transport/server_connection.ts";
import type { ChatBus, ChatBusEvent, ChatMessageEvent } from "./chat_bus.ts";
import type { ChatRecord, ChatStore, StoredMessage } from "./chat_store.ts";
import { ChatErrorCode } from "./errors.ts";
import type { ChatAddress } from "./messages.ts";
import { directMembers, userAddress } from "./_addresses.ts";
import { ChatMetrics } from "./_chat_metrics.ts";
import {
  PAGE_BYTES,
  PAGE_MESSAGES,
  type ResolvedChatOptions,
  WATCH_BACKLOG,
} from "./_chat_options.ts";
import { ackOf, messageFrame } from "./_replies.ts";
import {
  internalErrorFrame,
  logInternal,
  type OpenChat,
  type Session,
} from "./_session.ts";
import { noteCounted, UnreadRepair } from "./_unread_repair.ts";
import { encodeChatFrame } from "./_wire.ts";

/** First wait before a failed repair reads the store again; it doubles. */
const REPAIR_RETRY_MS = 250;
/** Longest wait between two reads of a repair that keeps failing. */
const REPAIR_RETRY_MAX_MS = 5_000;

/** Receives the messages of a watched chat. */
export type WatchListener = (message: StoredMessage, chat: ChatRecord) => void;

/** A watch whose backlog has been read; `start` hands over live messages. */
export interface StartedWatch {
  /** The chat's last messages, oldest first. */
  readonly backlog: StoredMessage[];
  /** Call once the backlog is out: live messages follow it, none lost. */
  start(): void;
}

/** Sessions, fan-out and backlog delivery of one chat server. */
export class ChatDelivery {
  /** Every connection the chat protocol has seen, open now. */
  readonly sessions = new Map<ServerConnection, Session>();
  /** Logged-in users of this server. */
  readonly users = new Map<string, Session>();
  /** What /metrics reports (ChatServer.registerMetrics). */
  readonly metrics = new ChatMetrics();
  #store: ChatStore;
  #bus: ChatBus;
  #options: ResolvedChatOptions;
  #unreadRepair: UnreadRepair;
  /** Per chat id: the watchers, by owner (an admin session, a local admin). */
  #watchers = new Map<number, Map<object, WatchListener>>();
  /** Per room id: the last publish not done yet, to keep `seq` order. */
  #publishing = new Map<number, Promise<void>>();
  /** Sessions with a non-empty outbox, flushed at the end of the turn. */
  #dirty: Session[] = [];
  // An immediate (see SqliteChatStore's #schedule): queued after the
  // store's, it runs once the commit's continuations have queued their
  // frames.
  #flushTimer: ReturnType<typeof setImmediate> | undefined;

  constructor(store: ChatStore, bus: ChatBus, options: ResolvedChatOptions) {
    this.#store = store;
    this.#bus = bus;
    this.#options = options;
    this.#unreadRepair = new UnreadRepair(
      store,
      (session, frame) => this.#queue(session, frame, 0),
      options,
    );
  }

  /** The bus listener. */
  onEvent(event: ChatBusEvent): void {
    if (event.type === "message") {
      this.metrics.busLag(Date.now() - event.message.sentAtMs);
      this.#fanOut(event);
      return;
    }
    if (event.type === "resync") return void this.#resync();
    if (event.type === "revoke") {
      // Closed like any other end of a session: it goes offline too.
      void this.users.get(event.user)?.conn.close(
        ChatErrorCode.SessionRevoked,
        `Closing: the operator revoked "${event.user}"; log in with the password`,
      );
      return;
    }
    if (event.type === "login" || !event.online) return; // ChatAuth's.
    // One session per user, across nodes: a login elsewhere ends ours.
    const local = this.users.get(event.user);
    if (local !== undefined && local.sessionId !== event.session) {
      this.#replace(local);
    }
  }

  /** Makes a logged-in session the user's one, and tells the bus. */
  async goOnline(session: Session, user: string): Promise<void> {
    const previous = this.users.get(user);
    if (previous !== undefined && previous !== session) this.#replace(previous);
    session.user = user;
    session.sessionId = crypto.randomUUID();
    this.users.set(user, session);
    await this.#publish({
      type: "presence",
      user,
      session: session.sessionId,
      online: true,
    });
  }

  /** Forgets a closed connection: offline, its watches end. */
  close(session: Session): void {
    this.sessions.delete(session.conn);
    const { user, sessionId } = session;
    if (user !== undefined && this.users.get(user) === session) {
      this.users.delete(user);
    }
    for (const chatId of session.watching.keys()) this.unwatch(session, chatId);
    for (const wake of session.windowWaiters.splice(0)) wake();
    session.endPause?.();
    if (user !== undefined && sessionId !== undefined) {
      void this.#publish({
        type: "presence",
        user,
        session: sessionId,
        online: false,
      });
    }
  }

  /**
   * Stores a message, publishes it (in `seq` order per chat), and resolves
   * once the bus has it, so a sender's ack follows the delivery.
   */
  async append(
    chat: ChatRecord,
    sender: string,
    clientId: string,
    text: string,
  ): Promise<StoredMessage> {
    const startedMs = performance.now();
    const stored = await this.#store.append({
      chatId: chat.id,
      sender,
      clientId,
      text,
    });
    this.metrics.storeLatency(performance.now() - startedMs);
    if (!stored.duplicate) {
      this.metrics.stored();
      await this.#publishMessage(chat, stored);
    }
    return stored;
  }

  /**
   * Queues a message for the store and returns at once, so the
   * connection's next frames join the same group commit; the ack is pushed
   * after the commit. Past `sendWindow` unacknowledged sends, waits.
   */
  acceptSend(
    session: Session,
    chat: ChatRecord,
    sender: string,
    id: string,
    text: string,
    address: ChatAddress,
  ): HandlerResult | Promise<HandlerResult> {
    session.inflight++;
    session.appending++;
    this.append(chat, sender, id, text).then(
      (stored) => {
        this.#appended(session);
        const ack = ackOf(stored, address);
        this.#queue(session, encodeChatFrame({ op: "ack", id, ...ack }), 1);
      },
      (error) => {
        this.#appended(session);
        this.#queue(
          session,
          internalErrorFrame(this.#options.log, error, id, session),
          1,
        );
      },
    );
    // Scheduled after the store's commit (its immediate was set by the
    // append above, or earlier in this turn): the acks and pushes of the
    // commit, queued by its continuations, leave right after it instead of
    // a loop iteration later.
    this.#flushTimer ??= setImmediate(this.#flushAll);
    if (session.inflight < this.#options.sendWindow) return undefined;
    return new Promise<HandlerResult>((resolve) => {
      session.windowWaiters.push(() => resolve(undefined));
    });
  }

  /**
   * Settles once every send this session made so far has been stored (or
   * refused by the store), so that a read that follows sees them: sends are
   * accepted without waiting for their commit, and a `history` right after
   * a `send` must not answer without it. `undefined` when none is pending.
   */
  sendsStored(session: Session): Promise<void> | undefined {
    if (session.appending === 0) return undefined;
    return new Promise((resolve) => session.appendWaiters.push(resolve));
  }

  #appended(session: Session): void {
    if (--session.appending === 0) {
      for (const wake of session.appendWaiters.splice(0)) wake();
    }
  }

  /**
   * Opens a chat: sends the stored messages after the member's cursor (not
   * the member's own), page by page, then switches to live pushes. Live
   * messages that arrive meanwhile wait in the open chat's `pending` and go
   * out, after the backlog, in the same synchronous step as the switch.
   *
   * @returns How many stored messages went out, or `undefined` if the
   * connection or the open chat went away meanwhile.
   */
  async open(
    session: Session,
    user: string,
    chat: ChatRecord,
    address: ChatAddress,
  ): Promise<number | undefined> {
    if (session.open.has(chat.id)) return 0;
    const state: OpenChat = { chat, address, pending: [], lastSeq: 0 };
    session.open.set(chat.id, state);
    session.unread.delete(chat.id);
    const cursor = (await this.#store.cursor(chat.id, user)) ?? 0;
    return await this.#catchUp(session, user, state, cursor);
  }

  /**
   * Sends an open chat's stored messages after `after` (not the member's
   * own), page by page, then the live ones held in `pending` meanwhile,
   * and switches the chat back to live pushes (`pending` undefined) in the
   * same synchronous step.
   *
   * @returns How many stored messages went out, or `undefined` if the
   * connection or the open chat went away meanwhile.
   */
  async #catchUp(
    session: Session,
    user: string,
    state: OpenChat,
    after: number,
  ): Promise<number | undefined> {
    const { chat, address } = state;
    let delivered = 0;
    while (true) {
      if (session.open.get(chat.id) !== state) return undefined;
      // Every sender's messages, the member's own included, so that `after`
      // (and then `lastSeq`) passes them: a skipped seq would look like a
      // gap to the live side.
      const page = await this.#store.messagesAfter(
        chat.id,
        after,
        "",
        PAGE_MESSAGES,
      );
      if (session.open.get(chat.id) !== state) return undefined;
      const frames: Frame[] = [];
      let bytes = 0;
      let read = 0;
      for (const message of page) {
        read++;
        after = message.seq;
        if (message.sender === user) continue;
        const frame = messageFrame(message, address);
        frames.push(frame);
        bytes += frame.payload.length;
        if (bytes >= PAGE_BYTES) break;
      }
      delivered += frames.length;
      if (read === page.length && page.length < PAGE_MESSAGES) {
        // Caught up: what arrived while reading follows the backlog.
        const held = (state.pending ?? []).sort((a, b) => a.seq - b.seq);
        for (const message of held) {
          if (message.seq <= after) continue;
          after = message.seq;
          if (message.sender !== user) {
            frames.push(messageFrame(message, address));
          }
        }
        state.pending = undefined;
        state.lastSeq = after;
        this.flush(session);
        if (frames.length > 0) session.conn.sendMany(frames).catch(() => {});
        return delivered;
      }
      this.flush(session); // What was pushed before goes first.
      try {
        await session.conn.sendMany(frames);
      } catch {
        return undefined; // The connection is gone.
      }
    }
  }

  /**
   * Repairs an open chat whose live pushes skipped a `seq` (an event lost
   * or reordered between nodes): holds the live messages, reads the missing
   * ones from the store, and sends both in order.
   */
  async #repair(session: Session, user: string, state: OpenChat) {
    this.metrics.gapRepaired();
    let delayMs = REPAIR_RETRY_MS;
    while (true) {
      try {
        await this.#catchUp(session, user, state, state.lastSeq);
        return;
      } catch (error) {
        // The store is out of reach. Pushing what is held past the hole
        // would lose the hole's messages for good (a client drops a seq
        // below one it has): keep holding, and read again, less often each
        // time, until it works or the chat or connection closes.
        logInternal(this.#options.log, error, session);
        await sleep(delayMs, session.conn.signal);
        if (session.conn.signal.aborted) return;
        if (session.open.get(state.chat.id) !== state) return;
        delayMs = Math.min(delayMs * 2, REPAIR_RETRY_MAX_MS);
      }
    }
  }

  /**
   * After the bus reconnected (events may be lost): every open chat whose
   * store has messages past what was pushed is repaired, and the unread
   * counts of the chats not open are read again.
   */
  async #resync(): Promise<void> {
    this.#unreadRepair.run(this.users);
    // Unknown (the store failed): taken as behind, so that the repair,
    // which retries, finds out.
    const last = new Map<number, number>();
    for (const session of this.users.values()) {
      for (const chatId of session.open.keys()) last.set(chatId, Infinity);
    }
    try {
      for (const chatId of last.keys()) {
        last.set(chatId, await this.#store.lastSeq(chatId));
      }
    } catch (error) {
      logInternal(this.#options.log, error, undefined);
    }
    for (const [user, session] of this.users) {
      for (const state of session.open.values()) {
        if (state.pending !== undefined) continue; // Being read already.
        if (last.get(state.chat.id)! <= state.lastSeq) continue;
        state.pending = [];
        void this.#repair(session, user, state);
      }
    }
  }

  /**
   * Pushes a live message to a member with the chat open, in `seq` order:
   * the next one goes out (the member's own is only counted), an old one
   * is dropped, and one past a gap starts a repair.
   */
  #push(
    session: Session,
    user: string,
    open: OpenChat,
    message: StoredMessage,
    frame?: Frame,
  ): void {
    if (open.pending !== undefined) {
      open.pending.push(message);
      return;
    }
    if (message.seq <= open.lastSeq) return;
    if (message.seq > open.lastSeq + 1) {
      open.pending = [message];
      void this.#repair(session, user, open);
      return;
    }
    open.lastSeq = message.seq;
    if (message.sender === user) return;
    this.#queue(session, frame ?? messageFrame(message, open.address), 0);
    this.metrics.delivered();
  }

  /**
   * Starts watching a chat for `owner` (replacing its earlier watch of the
   * chat). Live messages are held until `start` is called, so the caller
   * can hand out the backlog first.
   */
  async watch(
    owner: object,
    chat: ChatRecord,
    listener: WatchListener,
  ): Promise<StartedWatch> {
    let held: StoredMessage[] | undefined = [];
    const entry: WatchListener = (message, record) => {
      if (held !== undefined) held.push(message);
      else listener(message, record);
    };
    let watchers = this.#watchers.get(chat.id);
    if (watchers === undefined) {
      watchers = new Map();
      this.#watchers.set(chat.id, watchers);
    }
    watchers.set(owner, entry);
    let backlog: StoredMessage[];
    try {
      backlog = await this.#store.lastMessages(chat.id, WATCH_BACKLOG);
    } catch (error) {
      if (watchers.get(owner) === entry) watchers.delete(owner);
      throw error;
    }
    return {
      backlog,
      start: () => {
        const last = backlog.at(-1)?.seq ?? 0;
        const messages = held ?? [];
        held = undefined;
        for (const message of messages) {
          if (message.seq > last) listener(message, chat);
        }
      },
    };
  }

  /** Ends `owner`'s watch of a chat. */
  unwatch(owner: object, chatId: number): void {
    const watchers = this.#watchers.get(chatId);
    watchers?.delete(owner);
    if (watchers?.size === 0) this.#watchers.delete(chatId);
  }

  /**
   * Delivers a committed message: pushed to members who have the chat open
   * (held while their backlog is read), an `unread` notice to the other
   * members online here; the offline ones find it in the store.
   */
  #fanOut({ chat, message, members }: ChatMessageEvent): void {
    let roomFrame: Frame | undefined;
    for (const member of members) {
      const session = this.users.get(member);
      if (session === undefined) continue;
      const open = session.open.get(chat.id);
      if (open !== undefined) {
        // A room's frame is the same for every member: built once. A direct
        // chat's is named from the member's side ("@alice" for bob), so
        // #push builds it from the open chat's address.
        if (chat.kind === "room" && member !== message.sender) {
          roomFrame ??= messageFrame(message, `#${chat.name}`);
        }
        this.#push(session, member, open, message, roomFrame);
        continue;
      }
      if (member === message.sender) continue;
      // Committed before the login read the counts: counted there already.
      if (message.seq <= (session.countedUpTo.get(chat.id) ?? 0)) continue;
      const count = (session.unread.get(chat.id) ?? 0) + 1;
      session.unread.set(chat.id, count);
      noteCounted(session, chat.id, message.seq);
      this.#queue(
        session,
        encodeChatFrame({
          op: "unread",
          chat: userAddress(chat, member),
          count,
        }),
        0,
      );
    }
    const watchers = this.#watchers.get(chat.id);
    if (watchers === undefined) return;
    for (const watcher of [...watchers.values()]) {
      try {
        watcher(message, chat);
      } catch (error) {
        logInternal(this.#options.log, error, undefined);
      }
    }
  }

  /**
   * Publishes a committed message with the chat's members. A direct chat's
   * members are in its name, so it is published at once; a room's are read
   * from the store, and its publishes are chained so that they keep `seq`
   * order whatever each read takes.
   */
  #publishMessage(chat: ChatRecord, message: StoredMessage): Promise<void> {
    const previous = this.#publishing.get(chat.id);
    if (chat.kind === "direct" && previous === undefined) {
      return this.#publish({
        type: "message",
        chat,
        message,
        members: directMembers(chat),
      });
    }
    const members = chat.kind === "direct"
      ? Promise.resolve(directMembers(chat))
      : this.#store.members(chat.id);
    // Caught here, so that the chain never rejects.
    members.catch(() => {});
    const done = (async () => {
      await previous;
      try {
        await this.#publish({
          type: "message",
          chat,
          message,
          members: await members,
        });
      } catch (error) {
        logInternal(this.#options.log, error, undefined);
      }
    })();
    this.#publishing.set(chat.id, done);
    void done.then(() => {
      if (this.#publishing.get(chat.id) === done) {
        this.#publishing.delete(chat.id);
      }
    });
    return done;
  }

  /**
   * Queues a frame for the session's outbox: everything pushed to one
   * connection in a turn of the event loop (acks, messages of any number of
   * commits) leaves in one `sendMany` at its end, instead of a write and a
   * promise per frame. `acks` is how many window slots it frees once
   * written.
   */
  #queue(session: Session, frame: Frame, acks: 0 | 1): void {
    if (session.outbox === undefined) {
      session.outbox = [frame];
      this.#dirty.push(session);
      this.#flushTimer ??= setImmediate(this.#flushAll);
    } else {
      session.outbox.push(frame);
    }
    session.outboxAcks += acks;
  }

  #flushAll = (): void => {
    this.#flushTimer = undefined;
    const dirty = this.#dirty;
    this.#dirty = [];
    for (let i = 0; i < dirty.length; i++) this.flush(dirty[i]);
  };

  /** Writes a session's outbox now; its acks free their slots once written. */
  flush(session: Session): void {
    const frames = session.outbox;
    if (frames === undefined) return;
    session.outbox = undefined;
    const acks = session.outboxAcks;
    session.outboxAcks = 0;
    const written = session.conn.sendMany(frames);
    if (acks === 0) {
      written.catch(() => {});
      return;
    }
    const release = () => {
      session.inflight -= acks;
      const waiters = session.windowWaiters;
      for (let i = 0; i < acks && waiters.length > 0; i++) waiters.shift()!();
    };
    written.then(release, release);
  }

  #publish(event: ChatBusEvent): Promise<void> {
    return this.#bus.publish(event).catch((error) =>
      logInternal(this.#options.log, error, undefined)
    );
  }

  #replace(session: Session): void {
    this.users.delete(session.user!);
    void session.conn.close(
      ChatErrorCode.SessionReplaced,
      `Closing: "${session.user}" logged in on another connection`,
    );
  }
}
