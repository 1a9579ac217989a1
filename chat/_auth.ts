// Copyright 2026 the framewire authors. MIT license.
// Chat logins: a user's password (registering the name on its first login),
// a resume token from an earlier login, or the admin token, behind the
// per-name throttle and the cap on password hashes running at once.
import type { Frame } from "../codec/frame.ts";
import type { HandlerResult } from "../transport/frame_router.ts";
import type { ChatBus, ChatLoginEvent } from "./chat_bus.ts";
import type { ChatStore } from "./chat_store.ts";
import { ChatErrorCode } from "./errors.ts";
import { ADMIN_NAME } from "./messages.ts";
import { userAddress } from "./_addresses.ts";
import type { ResolvedChatOptions } from "./_chat_options.ts";
import type { ChatDelivery } from "./_delivery.ts";
import { HashLimiter, type HashStats } from "./_hash_limiter.ts";
import { LoginThrottle } from "./_login_throttle.ts";
import {
  constantTimeEqual,
  hashPassword,
  MIN_PASSWORD_CHARS,
  verifyPassword,
} from "./_passwords.ts";
import { emit, type Session } from "./_session.ts";
import { chatErrorFrame, encodeChatFrame } from "./_wire.ts";
import type { ChatLogin } from "./_login_wire.ts";

/** The login side of a chat server. */
export class ChatAuth {
  #store: ChatStore;
  #bus: ChatBus;
  #delivery: ChatDelivery;
  #options: ResolvedChatOptions;
  #throttle: LoginThrottle;
  // Tells this node's login events from the other nodes' on the bus.
  #node = crypto.randomUUID();
  #hashes: HashLimiter;
  #adminTokenDigest: Promise<Uint8Array> | undefined;

  constructor(
    store: ChatStore,
    bus: ChatBus,
    delivery: ChatDelivery,
    options: ResolvedChatOptions,
  ) {
    this.#store = store;
    this.#bus = bus;
    this.#delivery = delivery;
    this.#options = options;
    this.#throttle = new LoginThrottle({
      failures: options.loginThrottleFailures,
      baseMs: options.loginThrottleMs,
      maxMs: options.loginThrottleMaxMs,
      maxNames: options.loginThrottleMaxNames,
      clock: options.clock,
    });
    this.#hashes = new HashLimiter(
      options.maxConcurrentHashes,
      options.maxQueuedHashes,
    );
    if (options.adminToken !== undefined) {
      this.#adminTokenDigest = sha256(options.adminToken);
    }
  }

  /**
   * Counts another node's login failure (or success) in this node's
   * throttle; this node's own events, coming back from the bus, are counted
   * already.
   */
  onLoginEvent(event: ChatLoginEvent): void {
    if (event.node === this.#node) return;
    if (event.failed) this.#throttle.fail(event.user);
    else this.#throttle.succeed(event.user);
  }

  /** Counters of the password hashing. */
  get stats(): HashStats {
    return this.#hashes.stats;
  }

  /** Handles a login of an anonymous session. */
  login(session: Session, login: ChatLogin): Promise<HandlerResult> {
    if (login.type === "chat-admin") {
      return this.#adminLogin(session, login.token, login.id);
    }
    if (login.user === ADMIN_NAME) {
      return Promise.resolve(chatErrorFrame(
        ChatErrorCode.InvalidName,
        `Cannot log in: the name "${ADMIN_NAME}" is reserved`,
        login.id,
      ));
    }
    // Refused before any hashing or store access: a locked name costs the
    // server nothing, whatever proof the login carries.
    if (this.#throttle.retryAfterMs(login.user) > 0) {
      return Promise.resolve(this.#throttled(session, login.user, login.id));
    }
    return "resume" in login.proof
      ? this.#resumeLogin(session, login.user, login.proof.resume, login.id)
      : this.#userLogin(
        session,
        login.user,
        login.proof.password,
        login.id,
        login.register,
        login.remember,
      );
  }

  async #userLogin(
    session: Session,
    user: string,
    password: string,
    id: string | undefined,
    register?: boolean,
    remember?: boolean,
  ): Promise<HandlerResult> {
    if (await this.#store.user(user) === undefined) {
      // A client that asks first (to have a new password typed twice).
      if (register === false) {
        return chatErrorFrame(
          ChatErrorCode.UnknownUser,
          `Cannot log in as "${user}": no such account`,
          id,
        );
      }
      if (password.length < MIN_PASSWORD_CHARS) {
        return chatErrorFrame(
          ChatErrorCode.WeakPassword,
          `Cannot register "${user}": the password needs at least ${MIN_PASSWORD_CHARS} characters`,
          id,
        );
      }
      if (await this.#store.userCount() >= this.#options.maxAccounts) {
        return this.#accountLimit(user, id);
      }
    }
    const slot = this.#hashes.acquire();
    if (slot === undefined) {
      emit(
        this.#options.log,
        "warn",
        "chat_login_busy",
        `Login of "${user}" refused: ${this.#hashes.stats.hashing} password hashes running and the queue is full`,
        session,
        ChatErrorCode.LoginBusy,
      );
      return chatErrorFrame(
        ChatErrorCode.LoginBusy,
        `Cannot log in as "${user}": the server is busy with other logins, try again later`,
        id,
      );
    }
    const release = await slot;
    let registered = false;
    try {
      if (session.conn.closed) return undefined;
      // Failures of other attempts may have locked the name while this
      // one waited for its slot.
      if (this.#throttle.retryAfterMs(user) > 0) {
        return this.#throttled(session, user, id);
      }
      let stored = await this.#store.user(user);
      if (stored === undefined) {
        const hash = await hashPassword(password, {
          iterations: this.#options.passwordIterations,
        });
        // Checked again after the hash: other registrations ran meanwhile.
        if (await this.#store.userCount() >= this.#options.maxAccounts) {
          return this.#accountLimit(user, id);
        }
        if (await this.#store.createUser(user, hash)) {
          registered = true;
        } else {
          // Someone registered the name while we hashed: check against theirs.
          stored = await this.#store.user(user);
        }
      }
      if (!registered && !(await verifyPassword(password, stored!))) {
        this.#failed(user);
        return this.#loginFailed(session, user, id);
      }
    } finally {
      release();
    }
    this.#succeeded(user);
    if (session.conn.closed) return undefined;
    const resume = remember === true && this.#options.resumeTokenTtlMs > 0
      ? await this.#newResumeToken(session, user)
      : undefined;
    return await this.#welcome(session, user, id, {
      registered,
      resume,
      how: registered ? " (new account)" : "",
    });
  }

  /**
   * A login with a resume token instead of the password: no hashing, and
   * the token is spent. The welcome carries the next one.
   */
  async #resumeLogin(
    session: Session,
    user: string,
    token: string,
    id: string | undefined,
  ): Promise<HandlerResult> {
    const valid = this.#options.resumeTokenTtlMs > 0 &&
      await this.#store.takeResumeToken(
        user,
        await sha256(token),
        this.#options.clock(),
      );
    if (!valid) {
      this.#failed(user);
      return this.#loginFailed(
        session,
        user,
        id,
        "the resume token is unknown, expired or already used",
      );
    }
    this.#succeeded(user);
    if (session.conn.closed) return undefined;
    return await this.#welcome(session, user, id, {
      registered: false,
      resume: await this.#newResumeToken(session, user),
      how: " (resume token)",
    });
  }

  /**
   * Makes a resume token for `user` and stores its digest: 32 random bytes,
   * so a digest without salt is enough, and a stolen database holds no
   * token that logs in. The session remembers the digest for `logout`.
   */
  async #newResumeToken(session: Session, user: string): Promise<string> {
    const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const digest = await sha256(token);
    const now = this.#options.clock();
    await this.#store.addResumeToken(
      user,
      digest,
      now + this.#options.resumeTokenTtlMs,
      now,
      this.#options.maxResumeTokens,
    );
    session.resumeDigest = digest;
    return token;
  }

  /** Takes `user` online and answers the login with its unread counts. */
  async #welcome(
    session: Session,
    user: string,
    id: string | undefined,
    login: { registered: boolean; resume: string | undefined; how: string },
  ): Promise<HandlerResult> {
    await this.#delivery.goOnline(session, user);
    emit(
      this.#options.log,
      "info",
      "chat_login",
      `User "${user}" logged in${login.how}`,
      session,
    );
    const unread: Record<string, number> = {};
    for (const summary of await this.#store.userChats(user)) {
      if (summary.lastSeq > 0) {
        session.countedUpTo.set(summary.chat.id, summary.lastSeq);
      }
      if (summary.unread === 0) continue;
      unread[userAddress(summary.chat, user)] = summary.unread;
      session.unread.set(summary.chat.id, summary.unread);
    }
    return encodeChatFrame({
      op: "welcome",
      ...(id === undefined ? {} : { id }),
      user,
      registered: login.registered,
      admin: false,
      unread,
      ...(login.resume === undefined ? {} : { resume: login.resume }),
    });
  }

  async #adminLogin(
    session: Session,
    token: string,
    id: string | undefined,
  ): Promise<HandlerResult> {
    if (this.#adminTokenDigest === undefined) {
      emit(
        this.#options.log,
        "warn",
        "chat_login_failed",
        "Admin login refused: no admin token is configured",
        session,
        ChatErrorCode.AuthFailed,
      );
      return this.#loginFailed(
        session,
        ADMIN_NAME,
        id,
        "admin logins are disabled on this server",
      );
    }
    if (this.#throttle.retryAfterMs(ADMIN_NAME) > 0) {
      return this.#throttled(session, ADMIN_NAME, id);
    }
    // Compare digests: equal length, and no early exit on the first
    // differing byte of the token itself.
    const [expected, offered] = await Promise.all([
      this.#adminTokenDigest,
      sha256(token),
    ]);
    if (!constantTimeEqual(expected, offered)) {
      this.#failed(ADMIN_NAME);
      return this.#loginFailed(session, ADMIN_NAME, id);
    }
    this.#succeeded(ADMIN_NAME);
    session.admin = true;
    emit(
      this.#options.log,
      "info",
      "chat_admin_login",
      "Admin logged in",
      session,
    );
    return encodeChatFrame({
      op: "welcome",
      ...(id === undefined ? {} : { id }),
      user: ADMIN_NAME,
      registered: false,
      admin: true,
      unread: {},
    });
  }

  /** Counts a failed login here and, through the bus, on every node. */
  #failed(user: string): void {
    this.#throttle.fail(user);
    this.#tell(user, true);
  }

  /** Clears a name's failures here and on every node (if it had any). */
  #succeeded(user: string): void {
    if (this.#throttle.succeed(user)) this.#tell(user, false);
  }

  #tell(user: string, failed: boolean): void {
    // With the bus down the event is lost: this node has counted it, and
    // the others count what they see themselves meanwhile.
    this.#bus.publish({ type: "login", user, failed, node: this.#node })
      .catch(() => {});
  }

  /** A login of a locked name: a failure of the connection too. */
  #throttled(
    session: Session,
    user: string,
    id: string | undefined,
  ): HandlerResult {
    const seconds = Math.ceil(this.#throttle.retryAfterMs(user) / 1000);
    return this.#loginFailed(
      session,
      user,
      id,
      `too many failed logins, retry in ${seconds} s`,
      ChatErrorCode.LoginThrottled,
    );
  }

  #accountLimit(user: string, id: string | undefined): Frame {
    return chatErrorFrame(
      ChatErrorCode.AccountLimit,
      `Cannot register "${user}": the server has its ${this.#options.maxAccounts} accounts`,
      id,
    );
  }

  #loginFailed(
    session: Session,
    user: string,
    id: string | undefined,
    reason = "wrong credentials",
    code: string = ChatErrorCode.AuthFailed,
  ): HandlerResult {
    session.failures++;
    const last = session.failures >= this.#options.maxLoginFailures;
    const message = `Cannot log in as "${user}": ${reason}${
      last ? ` (${session.failures} failures, closing)` : ""
    }`;
    emit(
      this.#options.log,
      "warn",
      "chat_login_failed",
      message,
      session,
      code,
    );
    const frame = chatErrorFrame(code, message, id);
    if (!last) return frame;
    // Queue the Error frame first: closing drops replies not yet queued,
    // but the write side is shut only after the queue has drained.
    session.conn.send(frame).catch(() => {});
    void session.conn.close();
    return undefined;
  }
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-")
    .replaceAll("/", "_").replace(/=+$/, "");
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
}
