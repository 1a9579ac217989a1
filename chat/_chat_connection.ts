// Copyright 2026 the framewire authors. MIT license.
// The client half of the chat protocol shared by ChatClient and
// ChatAdminClient: commands matched to answers by their `id` (the server
// pushes messages on the same frame type, so reply order cannot be used),
// pushes turned into events, and a clean end that fails what is pending.
// It knows no client's event type: each client says how a push becomes one
// of its events (type E), and the connection adds the one event it makes
// itself, an Error frame that answers no command.
import { type Frame, FrameType } from "../codec/frame.ts";
import type { ByteConn, FramedConn } from "../transport/framed_conn.ts";
import { parseErrorFrame } from "../transport/protocol_errors.ts";
import { Queue } from "../internal/queue.ts";
import { ChatError } from "./errors.ts";
import type { ChatAck } from "./messages.ts";
import { decodeJsonObject, encodeChatFrame } from "./_wire.ts";

/** A decoded JSON answer or push. */
export type JsonObject = Record<string, unknown>;

/** An Error frame that answers no command (such as `SESSION_REPLACED`). */
export interface ChatErrorEvent {
  readonly type: "error";
  readonly error: ChatError;
}

/**
 * Where a connection's events go. A plain connection keeps its own
 * {@linkcode EventQueue}; a reconnecting one hands every connection it opens
 * the same sink, so the program's queue outlives each socket.
 */
export interface EventSink<T> {
  /** One event, in arrival order. */
  push(event: T): void;
  /** The connection has ended (called once, after its last event). */
  end(): void;
}

/** Events waiting for a consumer, and consumers waiting for events. */
export class EventQueue<T> implements EventSink<T> {
  #events = new Queue<T>();
  #waiters = new Queue<(event: T | undefined) => void>();
  #ended = false;

  /** Events not taken yet. */
  get length(): number {
    return this.#events.length;
  }

  /** Whether {@linkcode end} was called. */
  get ended(): boolean {
    return this.#ended;
  }

  push(event: T): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter(event);
    else this.#events.push(event);
  }

  end(): void {
    this.#ended = true;
    for (const waiter of this.#waiters.drain()) waiter(undefined);
  }

  /** The next event, or `undefined` once ended and drained. */
  next(): Promise<T | undefined> {
    const event = this.#events.shift();
    if (event !== undefined) return Promise.resolve(event);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/**
 * What ChatClient and ChatAdminClient need from their connection: a
 * {@linkcode ChatConnection}, or a reconnecting one (`_reconnect.ts`) that
 * replaces its socket when a node dies.
 */
export interface ChatChannel<E> {
  readonly ended: boolean;
  readonly pendingEvents: number;
  readonly finished: Promise<void>;
  /**
   * Sends a command and waits for its answer. `retry: false` marks a
   * command that must not be sent again after a lost connection (it is not
   * idempotent); a plain connection never resends anything.
   */
  request(
    body: JsonObject,
    id?: string,
    options?: { retry?: boolean },
  ): Promise<JsonObject>;
  post(body: JsonObject): Promise<void>;
  nextEvent(): Promise<E | ChatErrorEvent | undefined>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (value: JsonObject) => void;
  reject: (error: unknown) => void;
  /** When it fails with `TIMED_OUT` (`performance.now()` time); or Infinity. */
  deadline: number;
  timeoutMs: number;
}

// The id of the login: the only command before the server knows the client,
// so an Error frame without an id answers it (see #dispatch).
const LOGIN_ID = "login";

const decoder = new TextDecoder();

/**
 * One client's chat connection; `E` is what its pushes become (besides
 * {@linkcode ChatErrorEvent}s).
 */
export class ChatConnection<E = never> implements ChatChannel<E> {
  #conn: FramedConn<ByteConn>;
  #onPush: (value: JsonObject) => E | undefined;
  #pending = new Map<string, Pending>();
  #events: EventQueue<E | ChatErrorEvent> | undefined;
  #sink: EventSink<E | ChatErrorEvent>;
  #nextId = 1;
  #ended = false;
  #reader: Promise<void>;
  #requestTimeoutMs: number;
  // One timer for all pending commands, set for the earliest deadline it
  // knew when armed (#timerAt): a timer per command cost a tenth of a
  // client's time in a stream of sends. A deadline met by its answer leaves
  // it set; the timer then finds nothing due and sets itself for the next.
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  // The commands of this turn, written together at its end (a microtask):
  // a burst of sends costs one queued write and one promise instead of one
  // each. Posts go the same way, so the wire keeps the call order; close
  // flushes them first.
  #outbox: Frame[] = [];
  #outboxFailed: ((error: unknown) => void)[] = [];
  #outboxWritten: ((() => void) | undefined)[] = [];

  /**
   * @param sink Where events go; by default a queue of this connection's
   * own, read with {@linkcode nextEvent}.
   * @param requestTimeoutMs Longest wait for one command's answer
   * (`TIMED_OUT`); `Infinity` waits as long as the connection lives.
   */
  constructor(
    conn: FramedConn<ByteConn>,
    onPush: (value: JsonObject) => E | undefined,
    sink?: EventSink<E | ChatErrorEvent>,
    requestTimeoutMs: number = Infinity,
  ) {
    this.#conn = conn;
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#onPush = onPush;
    if (sink === undefined) this.#events = new EventQueue();
    this.#sink = sink ?? this.#events!;
    this.#reader = this.#read();
  }

  /** Whether the connection has ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Events received and not taken by {@linkcode nextEvent} yet. */
  get pendingEvents(): number {
    return this.#events?.length ?? 0;
  }

  /** Resolves when the connection has ended and every command has settled. */
  get finished(): Promise<void> {
    return this.#reader;
  }

  /** A fresh command id, unique on this connection. */
  nextId(): string {
    return String(this.#nextId++);
  }

  /**
   * Sends a ClientType login and waits for `welcome` (or its Error frame,
   * with or without the login's id), at most `timeoutMs` (`TIMED_OUT`).
   */
  login(body: JsonObject, timeoutMs: number = Infinity): Promise<JsonObject> {
    const id = LOGIN_ID;
    return this.#call(id, {
      type: FrameType.ClientType,
      payload: new TextEncoder().encode(JSON.stringify({ ...body, id })),
    }, timeoutMs);
  }

  /**
   * Sends a command and waits for the answer carrying its id, at most the
   * connection's `requestTimeoutMs` (`TIMED_OUT`).
   */
  request(body: JsonObject, id: string = this.nextId()): Promise<JsonObject> {
    return this.#call(
      id,
      encodeChatFrame({ ...body, id }),
      this.#requestTimeoutMs,
    );
  }

  /** Sends a frame that gets no answer. */
  async post(body: JsonObject): Promise<void> {
    const frame = encodeChatFrame(body);
    await new Promise<void>((resolve, reject) =>
      this.#queue(frame, reject, resolve)
    );
  }

  /**
   * The next event, or `undefined` once the connection has ended (always
   * `undefined` with a sink given to the constructor: events went there).
   */
  nextEvent(): Promise<E | ChatErrorEvent | undefined> {
    return this.#events?.next() ?? Promise.resolve(undefined);
  }

  /** Closes at once; pending commands fail with `CONNECTION_CLOSED`. */
  async close(): Promise<void> {
    this.#flushOutbox();
    this.#conn.close();
    await this.#reader;
  }

  #call(id: string, frame: Frame, timeoutMs: number): Promise<JsonObject> {
    if (this.#ended) {
      return Promise.reject(closedError(id));
    }
    if (this.#pending.has(id)) {
      return Promise.reject(
        new TypeError(`Cannot send command: id "${id}" is already waiting`),
      );
    }
    return new Promise<JsonObject>((resolve, reject) => {
      const deadline = performance.now() + timeoutMs;
      const pending = { resolve, reject, deadline, timeoutMs };
      this.#pending.set(id, pending);
      if (deadline < this.#timerAt) this.#armTimer(deadline);
      this.#queue(frame, (error) => this.#sendFailed(id, pending, error));
    });
  }

  /** Queues a frame for the end of the turn (see #outbox). */
  #queue(
    frame: Frame,
    failed: (error: unknown) => void,
    written?: () => void,
  ): void {
    this.#outbox.push(frame);
    this.#outboxFailed.push(failed);
    this.#outboxWritten.push(written);
    if (this.#outbox.length === 1) queueMicrotask(this.#flushOutbox);
  }

  /**
   * Writes the frames of this turn in one `sendMany`. A list with a frame
   * the connection refuses (too large, queue full: a RangeError or
   * TypeError, raised before any frame of it is queued) is sent again frame
   * by frame, so that only that one fails: its rejection is handled in the
   * microtask right after this one, before any later flush, and every
   * write of this connection goes through here, so the order holds.
   */
  #flushOutbox = (): void => {
    const frames = this.#outbox;
    if (frames.length === 0) return;
    const failed = this.#outboxFailed;
    const written = this.#outboxWritten;
    this.#outbox = [];
    this.#outboxFailed = [];
    this.#outboxWritten = [];
    this.#conn.sendMany(frames).then(() => {
      for (let i = 0; i < written.length; i++) written[i]?.();
    }, (error) => {
      const refused = error instanceof RangeError ||
        error instanceof TypeError;
      for (let i = 0; i < frames.length; i++) {
        if (!refused) failed[i](error);
        else this.#conn.send(frames[i]).then(written[i], failed[i]);
      }
    });
  };

  /** A command whose frame was not written fails, if it still waits. */
  #sendFailed(id: string, pending: Pending, error: unknown): void {
    if (this.#pending.get(id) !== pending) return;
    this.#settle(id);
    // Reset, broken pipe, closed: one code for "the connection is gone",
    // whatever the OS said.
    pending.reject(
      error instanceof RangeError || error instanceof TypeError
        ? error
        : closedError(id, error),
    );
  }

  /** Forgets a pending command; the last one takes the timer with it. */
  #settle(id: string): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#armTimer(Infinity);
  }

  /** Sets the one timer for `at`, or clears it (Infinity). */
  #armTimer(at: number): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === Infinity) return;
    // Clamped to what setTimeout takes: a longer delay would fire at once.
    this.#timer = setTimeout(
      () => this.#expire(),
      Math.min(Math.max(0, at - performance.now()), 0x7fff_ffff),
    );
  }

  /** Fails the commands whose deadline has passed; sets the timer again. */
  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    let next = Infinity;
    for (const [id, pending] of this.#pending) {
      if (pending.deadline > now) {
        next = Math.min(next, pending.deadline);
        continue;
      }
      this.#pending.delete(id);
      // The connection stays usable: a late answer finds no pending
      // command and is dropped.
      pending.reject(
        new ChatError(
          "TIMED_OUT",
          `Cannot get an answer to ${
            id === LOGIN_ID ? "the login" : `command "${id}"`
          }: none within ${pending.timeoutMs} ms`,
          id,
        ),
      );
    }
    this.#armTimer(next);
  }

  async #read(): Promise<void> {
    // Kept as the cause: a server that speaks TLS or HTTP is named there.
    let failure: unknown;
    try {
      for await (const frame of this.#conn) this.#dispatch(frame);
    } catch (error) {
      // Reset or truncated: the end is handled below either way.
      failure = error;
    } finally {
      this.#ended = true;
      this.#conn.close();
      for (const [id, pending] of this.#pending) {
        pending.reject(closedError(id, failure));
      }
      this.#pending.clear();
      this.#armTimer(Infinity);
      this.#sink.end();
    }
  }

  #dispatch(frame: Frame): void {
    if (frame.type === FrameType.Chat) {
      let value: JsonObject;
      try {
        value = decodeJsonObject(frame.payload);
      } catch {
        return; // Not ours to understand; the server never sends it.
      }
      const id = value.id;
      if (typeof id === "string") {
        const pending = this.#pending.get(id);
        if (pending !== undefined) {
          this.#settle(id);
          pending.resolve(value);
          return;
        }
      }
      const event = this.#onPush(value);
      if (event !== undefined) this.#sink.push(event);
      return;
    }
    if (frame.type === FrameType.Error) {
      const { code, message } = parseErrorFrame(frame);
      let id: string | undefined;
      let retryAfterMs: number | undefined;
      try {
        const raw = JSON.parse(decoder.decode(frame.payload));
        if (typeof raw?.id === "string") id = raw.id;
        // RATE_LIMITED says when to try again.
        if (Number.isSafeInteger(raw?.retryAfterMs) && raw.retryAfterMs >= 0) {
          retryAfterMs = raw.retryAfterMs;
        }
      } catch {
        // No id to read.
      }
      const error = new ChatError(code, message, id, retryAfterMs);
      // Before the login is answered the server knows no command of ours:
      // an Error frame without an id (INTERNAL_ERROR, SHUTTING_DOWN…)
      // answers the login, which would otherwise wait forever.
      if (id === undefined && this.#pending.has(LOGIN_ID)) id = LOGIN_ID;
      const pending = id === undefined ? undefined : this.#pending.get(id);
      if (pending !== undefined) {
        this.#settle(id!);
        pending.reject(error);
      } else {
        this.#sink.push({ type: "error", error });
      }
    }
    // Pongs and anything else: not for the chat client.
  }
}

/** The client-side error of a command whose connection closed first. */
export function closedError(id: string, cause?: unknown): ChatError {
  const error = new ChatError(
    "CONNECTION_CLOSED",
    "Cannot get an answer: the connection closed",
    id,
  );
  if (cause !== undefined) error.cause = cause;
  return error;
}

/** Reads an `ack` answer. */
export function toAck(answer: JsonObject): ChatAck {
  return {
    chat: String(answer.chat),
    mid: Number(answer.mid),
    seq: Number(answer.seq),
    ts: Number(answer.ts),
    duplicate: answer.duplicate === true,
  };
}
