// Copyright 2026 the framewire authors. MIT license.
// The app's connection: logs in, pumps events, and after a lost connection
// logs in again with backoff, for as long as the page is open. What the
// server must not lose or repeat is handled above it: the app re-sends
// unacknowledged messages with their first id (the server stores each id
// once) and keys what it shows by (chat, seq).
import {
  type ChatSession,
  type Credentials,
  errorCode,
  type SessionEvent,
  type SessionFactory,
} from "./_session.ts";

/** Where the link is, for the banner. */
export type LinkState =
  | { readonly kind: "online" }
  | {
    readonly kind: "reconnecting";
    /** Attempt number in this outage, from 1. */
    readonly attempt: number;
    /** Wait before it, in milliseconds. */
    readonly delayMs: number;
    /** Why the last connection or attempt failed. */
    readonly reason: string;
  }
  /** Another tab or device logged in as this user (`SESSION_REPLACED`). */
  | { readonly kind: "replaced"; readonly message: string }
  /**
   * The login was refused on a reconnect (the password changed…), or the
   * operator ended the session (`SESSION_REVOKED`).
   */
  | { readonly kind: "refused"; readonly message: string }
  /** Logged out. */
  | { readonly kind: "ended" };

/** What the link tells the app. */
export interface LinkHandlers {
  state(state: LinkState): void;
  event(event: SessionEvent): void;
  /**
   * A session is ready (the first, or one after a reconnect): the app
   * reloads its list, reopens its chat and re-sends its outbox.
   */
  ready(session: ChatSession, first: boolean): Promise<void>;
  /**
   * Each login's resume token (the tab keeps the newest, to log in again
   * after a reload).
   */
  token?(user: string, token: string): void;
}

/** Backoff settings, in milliseconds. */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Longest wait for one login attempt. */
  readonly attemptTimeoutMs: number;
}

export const DEFAULT_BACKOFF: Backoff = {
  initialMs: 250,
  maxMs: 5000,
  attemptTimeoutMs: 10_000,
};

/** Codes after which logging in again cannot help. */
const FINAL_LOGIN_CODES = new Set([
  "AUTH_FAILED",
  "INVALID_NAME",
  "WEAK_PASSWORD",
  "ACCOUNT_LIMIT",
]);

/** The delay before attempt `attempt` (from 1): exponential, capped, jittered. */
export function backoffDelay(attempt: number, backoff: Backoff): number {
  const full = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (attempt - 1));
  // Half fixed, half random: the tabs of a restarted server spread out.
  return Math.round(full / 2 + Math.random() * (full / 2));
}

/** A logged-in user's connection, kept up until `logout`. */
export class Link {
  #factory: SessionFactory;
  #credentials: Credentials;
  // The password typed in the form, if any: a reconnect whose token is
  // refused (its welcome was lost with the connection) tries it.
  #password: string | undefined;
  #handlers: LinkHandlers;
  #backoff: Backoff;
  #session: ChatSession | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;

  private constructor(
    factory: SessionFactory,
    credentials: Credentials,
    handlers: LinkHandlers,
    backoff: Backoff,
  ) {
    this.#factory = factory;
    this.#credentials = credentials;
    if ("password" in credentials) this.#password = credentials.password;
    this.#handlers = handlers;
    this.#backoff = backoff;
  }

  /**
   * Logs in; rejects with the server's error (shown on the login form).
   * From then on the link reconnects by itself.
   */
  static async login(
    factory: SessionFactory,
    credentials: Credentials,
    handlers: LinkHandlers,
    backoff: Backoff = DEFAULT_BACKOFF,
  ): Promise<Link> {
    const link = new Link(factory, credentials, handlers, backoff);
    const session = await withTimeout(
      factory(credentials),
      backoff.attemptTimeoutMs,
    );
    link.#tookToken(session);
    link.#session = session;
    handlers.state({ kind: "online" });
    try {
      await handlers.ready(session, true);
    } catch {
      // Lost at once: the pump sees the end and reconnects.
    }
    void link.#run(session);
    return link;
  }

  /** The session, while connected. */
  get session(): ChatSession | undefined {
    return this.#session?.closed ? undefined : this.#session;
  }

  /** The user name logged in with. */
  get user(): string {
    return this.#credentials.user;
  }

  /** What the next login sends: the password, or the newest token. */
  get credentials(): Credentials {
    return this.#credentials;
  }

  /** Skips the current backoff wait (the browser says it is online again). */
  retryNow(): void {
    this.#wake?.();
  }

  /**
   * Logs out (the server forgets the tab's token; what was shown is
   * confirmed) and stops reconnecting.
   */
  async logout(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    const session = this.#session;
    this.#session = undefined;
    // ChatClient.logout() closes whether or not the server answered.
    await session?.logout().catch(() => {});
    this.#handlers.state({ kind: "ended" });
  }

  async #run(first: ChatSession): Promise<void> {
    let session: ChatSession | undefined = first;
    while (session !== undefined) {
      const reason = await this.#pump(session);
      if (this.#stopped) return;
      if (reason.replaced !== undefined) {
        this.#session = undefined;
        this.#handlers.state({ kind: "replaced", message: reason.replaced });
        return;
      }
      if (reason.revoked !== undefined) {
        this.#session = undefined;
        this.#handlers.state({ kind: "refused", message: reason.revoked });
        return;
      }
      session = await this.#reconnect(reason.text);
    }
  }

  /** Hands out events until the session ends; says why it ended. */
  async #pump(
    session: ChatSession,
  ): Promise<{ text: string; replaced?: string; revoked?: string }> {
    let text = "connection lost";
    while (true) {
      let event: SessionEvent | undefined;
      try {
        event = await session.nextEvent();
      } catch (error) {
        return { text: messageOf(error) };
      }
      if (event === undefined) return { text };
      if (event.type === "error") {
        if (errorCode(event.error) === "SESSION_REPLACED") {
          await session.close().catch(() => {});
          return { text, replaced: event.error.message };
        }
        if (errorCode(event.error) === "SESSION_REVOKED") {
          await session.close().catch(() => {});
          return { text, revoked: event.error.message };
        }
        text = event.error.message;
      }
      this.#handlers.event(event);
    }
  }

  async #reconnect(reason: string): Promise<ChatSession | undefined> {
    this.#session = undefined;
    for (let attempt = 1; !this.#stopped; attempt++) {
      const delayMs = backoffDelay(attempt, this.#backoff);
      this.#handlers.state({ kind: "reconnecting", attempt, delayMs, reason });
      await this.#sleep(delayMs);
      if (this.#stopped) return undefined;
      let session: ChatSession;
      try {
        session = await withTimeout(
          this.#factory(this.#credentials),
          this.#backoff.attemptTimeoutMs,
        );
      } catch (error) {
        const code = errorCode(error);
        if (
          code === "AUTH_FAILED" && "resume" in this.#credentials &&
          this.#password !== undefined
        ) {
          this.#credentials = { user: this.user, password: this.#password };
          reason = messageOf(error);
          continue;
        }
        if (code !== undefined && FINAL_LOGIN_CODES.has(code)) {
          this.#handlers.state({ kind: "refused", message: messageOf(error) });
          return undefined;
        }
        reason = messageOf(error);
        continue;
      }
      this.#tookToken(session);
      if (this.#stopped) {
        await session.close().catch(() => {});
        return undefined;
      }
      this.#session = session;
      this.#handlers.state({ kind: "online" });
      try {
        await this.#handlers.ready(session, false);
      } catch (error) {
        // Lost again while restoring: the pump sees the end and retries.
        reason = messageOf(error);
      }
      return session;
    }
    return undefined;
  }

  /**
   * Keeps the welcome's resume token and logs in with it next time, which
   * spends it: the tab has one live token, which `logout` makes the server
   * forget.
   */
  #tookToken(session: ChatSession): void {
    const token = session.welcome.resume;
    if (token === undefined) return;
    const { user } = this.#credentials;
    this.#credentials = { user, resume: token };
    this.#handlers.token?.(user, token);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Rejects after `ms` if `promise` has not settled; a session that arrives
 * later is closed, so that no orphan connection stays logged in.
 */
function withTimeout(
  promise: Promise<ChatSession>,
  ms: number,
): Promise<ChatSession> {
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new Error(`no answer from the server within ${ms / 1000} s`));
    }, ms);
    promise.then(
      (session) => {
        clearTimeout(timer);
        if (late) void session.close().catch(() => {});
        else resolve(session);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
