// Copyright 2026 the framewire authors. MIT license.
// Client failover: a chat channel that owns its current connection and,
// when that connection is lost (the node died, restarted or shut down),
// connects to the next server with backoff, logs in again, lets the client
// restore its state (open chats, watches, read cursors), and sends again
// every command that got no answer, with the same id and in the original
// order. The server stores a `send` once per (sender, id), so a message
// whose ack was lost with the node is stored once and acknowledged once.
//
// The program's event queue belongs to this channel, not to a socket: every
// connection it opens pushes into it, so events survive a failover and the
// program reads one stream.
import { dial, type DialOptions } from "./_dial.ts";
import { ErrorCode } from "../transport/protocol_errors.ts";
import {
  type Failover,
  type ReconnectPolicy,
  resolveFailover,
  type Target,
} from "./_failover.ts";
import {
  type ChatChannel,
  ChatConnection,
  type ChatErrorEvent,
  closedError,
  EventQueue,
  type JsonObject,
} from "./_chat_connection.ts";
import { ChatError, ChatErrorCode } from "./errors.ts";
import {
  type ChatAddressesOptions,
  type ChatReconnectEvent,
  type ChatReconnectOptions,
  type ChatTimeoutOptions,
  ChatUnreachableError,
} from "./chat_reconnect.ts";
import { sleep } from "../internal/sleep.ts";

/** What a client adds to the channel: its login and how to restore itself. */
export interface ReconnectHooks<E> {
  /** The ClientType login body, sent on every connection. */
  readonly login: JsonObject;
  /**
   * Called with the answer of every login that succeeded (the first and
   * each reconnect's), before the connection is used: a login by resume
   * token must send the newest token next time.
   */
  onWelcome?(welcome: JsonObject): void;
  /** Turns a push into an event (as for {@linkcode ChatConnection}). */
  onPush(value: JsonObject): E | undefined;
  /**
   * Called on each new connection after its login, before the commands
   * that waited are sent again: re-open chats, re-watch, re-send `read`s.
   * `request` sends on that connection only (ids that cannot collide).
   */
  restore(
    request: (body: JsonObject) => Promise<JsonObject>,
    post: (body: JsonObject) => Promise<void>,
  ): void;
}

// A refused login that another node, or waiting, will not change: the
// client ends with this error instead of trying again.
const FINAL_LOGIN_ERRORS = new Set<string>([
  ChatErrorCode.AuthFailed,
  ChatErrorCode.InvalidName,
  ChatErrorCode.WeakPassword,
  ChatErrorCode.AccountLimit,
  ChatErrorCode.InvalidText,
  ChatErrorCode.InvalidField,
  ChatErrorCode.MissingField,
  ChatErrorCode.InvalidJson,
  ChatErrorCode.Forbidden,
  // A login with register: false for a name without an account.
  ChatErrorCode.UnknownUser,
]);

// Error frames that announce the end of a connection for reasons of the
// node (stopping, liveness): with reconnect on they are not shown to the
// program, they become the `error` of the `reconnecting` event.
const NODE_CLOSE_CODES = new Set<string>([
  ErrorCode.ShuttingDown,
  ErrorCode.IdleTimeout,
  ErrorCode.HeartbeatTimeout,
  ErrorCode.FrameStalled,
  ErrorCode.Evicted,
]);

interface Outstanding {
  readonly id: string;
  readonly body: JsonObject;
  readonly retry: boolean;
  resolve(value: JsonObject): void;
  reject(error: unknown): void;
}

type Event<E> = E | ChatErrorEvent | ChatReconnectEvent;

/**
 * Connects and logs in, the way the options say: one server as a plain
 * connection, or (with `addresses` or `reconnect`) a channel that fails
 * over. Both clients open their channel here.
 *
 * @returns The channel and the login's answer.
 * @throws {TypeError} For bad `addresses` or `reconnect` options.
 * @throws {ChatError} A refused login; nothing is left open then.
 * @throws {ChatUnreachableError} When no server of `addresses` took it.
 */
export async function openChatChannel<E>(
  options: (DialOptions | ChatAddressesOptions) & ChatTimeoutOptions,
  reconnect: boolean | ChatReconnectOptions | undefined,
  hooks: ReconnectHooks<E>,
): Promise<
  { channel: ChatChannel<E | ChatReconnectEvent>; welcome: JsonObject }
> {
  const failover = resolveFailover(options, reconnect);
  if (failover.policy !== undefined) {
    return await ReconnectingConnection.open(failover, hooks);
  }
  const { connectTimeoutMs, loginTimeoutMs, requestTimeoutMs } =
    failover.timeouts;
  const {
    connectTimeoutMs: _c,
    loginTimeoutMs: _l,
    requestTimeoutMs: _r,
    ...single
  } = options as DialOptions & ChatTimeoutOptions;
  // Without a `retry` of its own, one attempt bounded by connectTimeoutMs.
  const plain = new ChatConnection<E>(
    await dial(
      single,
      failover.retryFirst ? undefined : { timeoutMs: connectTimeoutMs },
    ),
    hooks.onPush,
    undefined,
    requestTimeoutMs,
  );
  try {
    const welcome = await plain.login(hooks.login, loginTimeoutMs);
    hooks.onWelcome?.(welcome);
    return { channel: plain, welcome };
  } catch (error) {
    await plain.close();
    throw error;
  }
}

/** A chat channel that fails over; see the top of this file. */
export class ReconnectingConnection<E> implements ChatChannel<Event<E>> {
  #failover: Failover;
  #policy: ReconnectPolicy;
  #hooks: ReconnectHooks<E>;
  #events = new EventQueue<Event<E>>();
  #current: ChatConnection<E> | undefined;
  #index = 0;
  #outstanding = new Map<string, Outstanding>();
  #nextId = 1;
  #restoreId = 1;
  #state: "connected" | "reconnecting" | "ended" = "connected";
  #closing = false;
  #final: ChatError | undefined;
  #closeReason: ChatError | undefined;
  #connectedAt = 0;
  #level = 0;
  #abort = new AbortController();
  #loop: Promise<void> = Promise.resolve();
  #finished = Promise.withResolvers<void>();

  private constructor(failover: Failover, hooks: ReconnectHooks<E>) {
    this.#failover = failover;
    this.#policy = failover.policy!;
    this.#hooks = hooks;
  }

  /**
   * Connects to the first server that takes the login (one pass over the
   * servers, or until `maxReconnectMs` with `retry`).
   *
   * @returns The channel and the login's answer.
   * @throws {ChatError} A refused login (`AUTH_FAILED`, …).
   * @throws {ChatUnreachableError} When no server took it.
   */
  static async open<E>(
    failover: Failover,
    hooks: ReconnectHooks<E>,
  ): Promise<{ channel: ReconnectingConnection<E>; welcome: JsonObject }> {
    const channel = new ReconnectingConnection(failover, hooks);
    const welcome = await channel.#first();
    return { channel, welcome };
  }

  get ended(): boolean {
    return this.#state === "ended";
  }

  get pendingEvents(): number {
    return this.#events.length;
  }

  get finished(): Promise<void> {
    return this.#finished.promise;
  }

  request(
    body: JsonObject,
    id: string = String(this.#nextId++),
    options: { retry?: boolean } = {},
  ): Promise<JsonObject> {
    if (this.#state === "ended") {
      return Promise.reject(this.#final ?? closedError(id));
    }
    if (this.#outstanding.has(id)) {
      return Promise.reject(
        new TypeError(`Cannot send command: id "${id}" is already waiting`),
      );
    }
    return new Promise((resolve, reject) => {
      const entry = {
        id,
        body,
        retry: options.retry !== false,
        resolve,
        reject,
      };
      this.#outstanding.set(id, entry);
      // While reconnecting it waits, bounded by maxReconnectMs.
      if (this.#current !== undefined) this.#issue(entry, this.#current);
    });
  }

  post(body: JsonObject): Promise<void> {
    // A `read` lost while reconnecting is sent again by the restore.
    return this.#current?.post(body).catch(() => {}) ?? Promise.resolve();
  }

  nextEvent(): Promise<Event<E> | undefined> {
    return this.#events.next();
  }

  async close(): Promise<void> {
    if (this.#state !== "ended") {
      this.#closing = true;
      this.#abort.abort();
      const current = this.#current;
      if (current !== undefined) await current.close();
      await this.#loop;
      // Closed between attempts: no connection ended to say so.
      this.#end(undefined);
    }
    await this.#finished.promise;
  }

  #issue(entry: Outstanding, conn: ChatConnection<E>): void {
    conn.request(entry.body, entry.id).then(
      (answer) => {
        if (this.#outstanding.get(entry.id) !== entry) return;
        this.#outstanding.delete(entry.id);
        entry.resolve(answer);
      },
      (error) => {
        if (this.#outstanding.get(entry.id) !== entry) return;
        // Lost with the connection: it stays, and is sent again (same id)
        // on the next one; `#end` fails it if there is no next one.
        if (
          entry.retry && error instanceof ChatError &&
          error.code === "CONNECTION_CLOSED" && this.#state !== "ended" &&
          !this.#closing && this.#final === undefined &&
          this.#failover.reconnect
        ) return;
        this.#outstanding.delete(entry.id);
        entry.reject(error);
      },
    );
  }

  /** The first connect: like a reconnect, without a lost connection. */
  async #first(): Promise<JsonObject> {
    const { targets, retryFirst } = this.#failover;
    const started = performance.now();
    let lastError: unknown;
    for (let attempt = 1;; attempt++) {
      const index = (attempt - 1) % targets.length;
      // One pass over the servers at once; more, with backoff, only with
      // `retry`, until maxReconnectMs.
      const wait = attempt <= targets.length
        ? 0
        : this.#delay(attempt - targets.length);
      const elapsed = performance.now() - started;
      if (
        attempt > targets.length &&
        (!retryFirst || elapsed + wait > this.#policy.maxReconnectMs)
      ) {
        throw new ChatUnreachableError(
          targets.map((target) => target.address),
          attempt - 1,
          elapsed,
          lastError,
        );
      }
      await sleep(wait, this.#abort.signal);
      try {
        const { conn, welcome } = await this.#attempt(targets[index]);
        this.#adopt(conn, index);
        return welcome;
      } catch (error) {
        if (isFinal(error)) throw error;
        lastError = error;
      }
    }
  }

  /**
   * Connects to one server and logs in, each step bounded by its timeout.
   * The connection is closed on any failure.
   */
  async #attempt(
    target: Target,
  ): Promise<{ conn: ChatConnection<E>; welcome: JsonObject }> {
    const signal = this.#abort.signal;
    const framed = await dial(target.options, {
      timeoutMs: this.#policy.connectTimeoutMs,
      signal,
    });
    const conn: ChatConnection<E> = new ChatConnection<E>(
      framed,
      this.#hooks.onPush,
      {
        push: (event) => this.#pushed(conn, event),
        end: () => this.#lost(conn),
      },
      this.#failover.timeouts.requestTimeoutMs,
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => void conn.close();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const welcome = await Promise.race([
        conn.login(this.#hooks.login),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new ChatError(
                  "TIMED_OUT",
                  `Cannot log in at ${target.address}: no answer within ${this.#policy.loginTimeoutMs} ms`,
                ),
              ),
            this.#policy.loginTimeoutMs,
          );
        }),
      ]);
      if (signal.aborted) throw closedError("login");
      this.#hooks.onWelcome?.(welcome);
      return { conn, welcome };
    } catch (error) {
      await conn.close();
      throw error;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** Makes `conn` the current connection and sends what waited. */
  #adopt(conn: ChatConnection<E>, index: number): void {
    this.#current = conn;
    this.#index = index;
    this.#state = "connected";
    this.#closeReason = undefined;
    this.#connectedAt = performance.now();
    const tag = `restore-${this.#restoreId++}`;
    let n = 0;
    this.#hooks.restore(
      (body) => conn.request(body, `${tag}-${++n}`),
      (body) => conn.post(body).catch(() => {}),
    );
    // In the original order: Map iteration is insertion order.
    for (const entry of this.#outstanding.values()) this.#issue(entry, conn);
  }

  /** An event of one of our connections. */
  #pushed(conn: ChatConnection<E>, event: E | ChatErrorEvent): void {
    if (conn !== this.#current) return; // A connection being logged in or lost.
    const error = (event as ChatErrorEvent).type === "error"
      ? (event as ChatErrorEvent).error
      : undefined;
    if (
      error?.code === ChatErrorCode.SessionReplaced ||
      error?.code === ChatErrorCode.SessionRevoked
    ) {
      // Logged in elsewhere: reconnecting would throw that session out in
      // turn, and so on forever. Revoked: the operator ended it on
      // purpose. The program decides.
      this.#final = error;
    } else if (
      error !== undefined && NODE_CLOSE_CODES.has(error.code) &&
      this.#failover.reconnect
    ) {
      this.#closeReason = error;
      return;
    }
    this.#events.push(event);
  }

  /** One of our connections ended. */
  #lost(conn: ChatConnection<E>): void {
    if (conn !== this.#current) return;
    this.#current = undefined;
    if (
      this.#closing || this.#final !== undefined ||
      !this.#failover.reconnect
    ) {
      this.#end(undefined);
      return;
    }
    this.#state = "reconnecting";
    // A connection that dropped soon after its login keeps the backoff
    // where it was: a node that takes logins and then fails does not get a
    // tight loop of reconnects.
    if (performance.now() - this.#connectedAt >= this.#policy.maxDelayMs) {
      this.#level = 0;
    }
    this.#loop = this.#reconnect(this.#closeReason ?? closedError("reconnect"));
  }

  async #reconnect(cause: Error): Promise<void> {
    const { targets } = this.#failover;
    const started = performance.now();
    let error: unknown = cause;
    for (let attempt = 1;; attempt++) {
      const wait = this.#level === 0
        ? Math.random() * this.#policy.initialDelayMs
        : this.#delay(this.#level);
      this.#level++;
      const elapsed = performance.now() - started;
      if (elapsed + wait > this.#policy.maxReconnectMs) {
        this.#end(
          new ChatUnreachableError(
            targets.map((target) => target.address),
            attempt - 1,
            elapsed,
            error,
          ),
        );
        return;
      }
      const index = (this.#index + attempt) % targets.length;
      this.#events.push({
        type: "reconnecting",
        attempt,
        address: targets[index].address,
        error: error instanceof Error ? error : new Error(String(error)),
      });
      await sleep(wait, this.#abort.signal);
      if (this.#closing) return;
      try {
        const { conn } = await this.#attempt(targets[index]);
        if (this.#closing) {
          await conn.close();
          return;
        }
        this.#events.push({
          type: "reconnected",
          address: targets[index].address,
        });
        this.#adopt(conn, index);
        return;
      } catch (failure) {
        if (this.#closing) return;
        if (isFinal(failure)) {
          this.#end(failure as ChatError);
          return;
        }
        error = failure;
      }
    }
  }

  /** The backoff delay at a level ≥ 1, with jitter. */
  #delay(level: number): number {
    const { initialDelayMs, maxDelayMs } = this.#policy;
    const full = Math.min(maxDelayMs, initialDelayMs * 2 ** (level - 1));
    return full * (1 - Math.random() / 2);
  }

  /** The end: no more connections; what waits fails. */
  #end(error: ChatError | undefined): void {
    if (this.#state === "ended") return;
    this.#state = "ended";
    if (error !== undefined) {
      this.#final ??= error;
      this.#events.push({ type: "error", error });
    }
    for (const entry of this.#outstanding.values()) {
      entry.reject(error ?? closedError(entry.id));
    }
    this.#outstanding.clear();
    this.#events.end();
    this.#finished.resolve();
  }
}

function isFinal(error: unknown): boolean {
  return error instanceof ChatError && FINAL_LOGIN_ERRORS.has(error.code);
}
