// Copyright 2026 the framewire authors. MIT license.
/**
 * The options of {@linkcode ChatClient}: where and how it logs in, and what
 * its send and history calls take.
 *
 * @module
 */
import type { ConnectOptions } from "../transport/connect.ts";
import type { WebSocketConnectOptions } from "../transport/connect_websocket.ts";
import type {
  ChatAddressesOptions,
  ChatFailoverOptions,
  ChatTimeoutOptions,
} from "./chat_reconnect.ts";
import type { ChatAddress, ChatMessage } from "./messages.ts";

/** Options for {@linkcode ChatClient.connect}, besides where to connect. */
export interface ChatLoginOptions {
  /** User name; see `NAME_PATTERN`. The first login registers it. */
  user: string;
  /**
   * Password (at least 8 characters for a new account). Needed unless
   * `resume` is given.
   */
  password?: string;
  /**
   * A resume token from an earlier login
   * ({@linkcode ChatClient.prototype.resume}), sent instead of the
   * password. A token logs in once: each login by token gets the next one,
   * and a reconnect sends the newest.
   */
  resume?: string;
  /**
   * Asks the server for a resume token ({@linkcode ChatClient.prototype.resume}),
   * to log in later without the password.
   *
   * @default {false}
   */
  remember?: boolean;
  /**
   * `false`: log in to an existing account only; a name without one is
   * refused with `UNKNOWN_USER` and not registered (a terminal client asks
   * for a new password twice before it registers).
   *
   * @default {true}
   */
  register?: boolean;
  /**
   * The last `seq` already shown per chat, from an earlier session of this
   * program ({@linkcode ChatClient.prototype.seen}). Messages up to it are
   * dropped if the server sends them again (it may, for messages delivered
   * just before a crash whose `read` never reached it).
   *
   * @default {{}}
   */
  seen?: Readonly<Record<ChatAddress, number>>;
  /**
   * How long {@linkcode ChatClient.prototype.close} waits for the server to
   * confirm the last `read`s, in milliseconds.
   *
   * @default {2000}
   */
  closeTimeoutMs?: number;
}

/**
 * Options for {@linkcode ChatClient.connect}: where (one server, several
 * `addresses`, or a WebSocket `url` such as `ws://HOST:PORT/ws`, which is
 * what a browser can open), who, and whether to reconnect.
 */
export type ChatClientOptions =
  & (ConnectOptions | ChatAddressesOptions | WebSocketConnectOptions)
  & ChatLoginOptions
  & ChatFailoverOptions
  & ChatTimeoutOptions;

/** Options for {@linkcode ChatClient.prototype.send}. */
export interface ChatSendOptions {
  /**
   * The message's id, unique among all of this user's messages. Sending
   * again with the same id after a lost ack stores nothing new: the ack
   * says `duplicate: true` and carries the first message's `seq`.
   *
   * @default {a random UUID per client, then a counter: "<uuid>-00000001"}
   */
  id?: string;
}

/** Options for {@linkcode ChatClient.prototype.history}. */
export interface ChatHistoryOptions {
  /**
   * Most messages, 1 to 100.
   *
   * @default {20}
   */
  limit?: number;
  /**
   * Only messages with a smaller `seq` (to page backwards).
   *
   * @default {undefined} (up to the newest)
   */
  before?: number;
}

/** The answer to {@linkcode ChatClient.prototype.history}. */
export interface ChatHistoryPage {
  /** The messages, oldest first. */
  readonly messages: ChatMessage[];
  /** Whether older messages were left out to keep the answer small. */
  readonly truncated: boolean;
}
