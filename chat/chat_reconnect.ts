// Copyright 2026 the framewire authors. MIT license.
/**
 * Client failover: the options that give `ChatClient` and
 * `ChatAdminClient` several servers (the nodes of a cluster) and
 * a reconnect policy, the events they report while failing over, and the
 * error they give up with.
 *
 * @module
 */
import type {
  ConnectBaseOptions,
  ConnectTlsSettings,
} from "../transport/connect.ts";
import { ChatError } from "./errors.ts";

/**
 * Where a chat client connects when it has several servers: the nodes of
 * one cluster (every node serves every user), tried in order. The other
 * settings (TLS, frame limits) apply to each of them.
 */
export interface ChatAddressesOptions extends ConnectBaseOptions {
  /**
   * The servers, as `"HOST:PORT"` (`"[::1]:9000"` for IPv6), at least one.
   * The first login tries them in order; after a lost connection the client
   * starts with the one after the node it lost.
   */
  addresses: readonly string[];
  /**
   * Use TLS for every address: `true`, or settings such as extra roots.
   *
   * @default {undefined} (plain TCP)
   */
  tls?: true | ConnectTlsSettings;
  /**
   * Disable Nagle's algorithm (plain TCP).
   *
   * @default {true}
   */
  noDelay?: boolean;
  /** Not set with `addresses`. */
  hostname?: undefined;
  /** Not set with `addresses`. */
  port?: undefined;
  /** Not set with `addresses`. */
  path?: undefined;
}

/**
 * How a client reconnects after losing its connection (the node died, was
 * restarted, or shut down) and how long it waits at each step. The delay
 * before the n-th attempt of one outage is `initialDelayMs · 2^(n-1)`,
 * capped at `maxDelayMs`, less a random part of up to half of it (the
 * first attempt waits a random 0 to `initialDelayMs`), so the clients of a
 * dead node do not all reconnect in the same millisecond.
 */
export interface ChatReconnectOptions {
  /**
   * Delay scale of the first attempts, in milliseconds.
   *
   * @default {100}
   */
  initialDelayMs?: number;
  /**
   * Longest delay between two attempts, in milliseconds.
   *
   * @default {5000}
   */
  maxDelayMs?: number;
  /**
   * Give up when no server took the login this many milliseconds after the
   * connection was lost: the client ends with a
   * {@linkcode ChatUnreachableError} (`UNREACHABLE`). `Infinity` never gives
   * up.
   *
   * @default {60000}
   */
  maxReconnectMs?: number;
  /**
   * Longest wait for one TCP (or TLS) connection, in milliseconds.
   *
   * @default {5000}
   */
  connectTimeoutMs?: number;
  /**
   * Longest wait for the answer to one login, in milliseconds (a login
   * hashes the password and may queue behind others on a busy node).
   *
   * @default {10000}
   */
  loginTimeoutMs?: number;
}

/**
 * Options for failover, shared by `ChatClient.connect` and
 * `ChatAdminClient.connect`.
 */
export interface ChatFailoverOptions {
  /**
   * Reconnect after a lost connection: `true` for the defaults of
   * {@linkcode ChatReconnectOptions}, or the policy. A deliberate `close()`
   * never reconnects, nor does `SESSION_REPLACED` (the same user logged in
   * elsewhere: the error reaches the program and the client ends) or a
   * refused login (`AUTH_FAILED`, `INVALID_NAME`, …).
   *
   * @default {true with `addresses`, false with one server}
   */
  reconnect?: boolean | ChatReconnectOptions;
}

/**
 * Bounds on a client's waits, shared by `ChatClient.connect` and
 * `ChatAdminClient.connect`: a client never waits forever on a server that
 * does not answer. Each bound fails the wait with a `ChatError` of code
 * `TIMED_OUT` (or, for the connect, `Deno.errors.TimedOut`), and
 * `Infinity` turns it off.
 */
export interface ChatTimeoutOptions {
  /**
   * Longest wait for the TCP (or TLS, Unix) connection, in milliseconds.
   * With `reconnect`, the default of the policy's `connectTimeoutMs`. With
   * `retry`, the retry's own `totalTimeoutMs` bounds the connect instead.
   *
   * @default {5000}
   */
  connectTimeoutMs?: number;
  /**
   * Longest wait for the answer to the login, in milliseconds (a login
   * hashes the password and may queue behind others on a busy node). With
   * `reconnect`, the default of the policy's `loginTimeoutMs`. The
   * connection is closed when it passes.
   *
   * @default {10000}
   */
  loginTimeoutMs?: number;
  /**
   * Longest wait for the answer to one command (`send`, `open`, `history`,
   * the admin's queries…), in milliseconds, counted on the connection it was
   * sent on. The connection stays open and a late answer is dropped. With
   * `reconnect`, a command that waits for a new connection is bounded by
   * `maxReconnectMs` instead, and its clock starts again when it is re-sent.
   *
   * @default {30000}
   */
  requestTimeoutMs?: number;
}

/** What a client reports while it fails over (as events or callbacks). */
export type ChatReconnectEvent =
  | {
    /** A connection attempt is about to start. */
    readonly type: "reconnecting";
    /** Its number in this outage, from 1. */
    readonly attempt: number;
    /** The server it will try (`"HOST:PORT"` or a socket path). */
    readonly address: string;
    /**
     * Why the previous connection or attempt failed: a `ChatError`
     * (`CONNECTION_CLOSED`, `SHUTTING_DOWN`, `LOGIN_BUSY`, `TIMED_OUT`…) or
     * the connect error.
     */
    readonly error: Error;
  }
  | {
    /** Logged in again; open chats (or watches) are being restored. */
    readonly type: "reconnected";
    /** The server that took the login. */
    readonly address: string;
  };

/**
 * No server took the login within the reconnect policy's `maxReconnectMs`
 * (or, on the first connect with `addresses`, none of them answered). Code
 * `UNREACHABLE`; `cause` is the last attempt's error. The client has ended;
 * commands that waited for the reconnect fail with this error.
 *
 * @example
 * ```ts
 * import { ChatError, ChatUnreachableError } from "@framewire/framewire/chat";
 * import assert from "node:assert/strict";
 *
 * const error = new ChatUnreachableError(["a:1", "b:2"], 4, 1500, new Error("refused"));
 * assert.ok(error instanceof ChatError);
 * assert.equal(error.code, "UNREACHABLE");
 * assert.equal(error.attempts, 4);
 * ```
 */
export class ChatUnreachableError extends ChatError {
  /** The servers that were tried. */
  readonly addresses: readonly string[];
  /** Connection attempts made. */
  readonly attempts: number;
  /** Milliseconds spent trying. */
  readonly elapsedMs: number;

  /**
   * Constructs a new instance.
   *
   * @param addresses The servers tried.
   * @param attempts Attempts made.
   * @param elapsedMs Time spent, in milliseconds.
   * @param cause The last attempt's error.
   */
  constructor(
    addresses: readonly string[],
    attempts: number,
    elapsedMs: number,
    cause?: unknown,
  ) {
    const last = cause instanceof Error ? `: ${cause.message}` : "";
    super(
      "UNREACHABLE",
      `Cannot reach a chat server at ${
        addresses.join(", ")
      } (${attempts} attempts in ${Math.round(elapsedMs)} ms)${last}`,
    );
    this.name = "ChatUnreachableError";
    this.addresses = addresses;
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
    if (cause !== undefined) this.cause = cause;
  }
}
