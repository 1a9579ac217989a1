// Copyright 2026 the framewire authors. MIT license.
// Every default of the chat server in one object, and the one function that
// checks a ChatServerOptions against them (store and bus are the facade's).
import {
  functionOption,
  numberOption,
  optionsObject,
  stringOption,
} from "../internal/options.ts";
import { type Logger, resolveLogger } from "../transport/log.ts";
import type { ChatServerOptions } from "./chat_server_options.ts";
import { DEFAULT_PASSWORD_ITERATIONS } from "./_passwords.ts";

/** The chat server's defaults; see ChatServerOptions for each one's meaning. */
export const CHAT_DEFAULTS = {
  passwordIterations: DEFAULT_PASSWORD_ITERATIONS,
  maxMessageBytes: 4096,
  sendWindow: 256,
  maxLoginFailures: 3,
  maxReplyBytes: 512 * 1024,
  loginThrottleFailures: 5,
  loginThrottleMs: 1000,
  loginThrottleMaxMs: 300_000,
  loginThrottleMaxNames: 10_000,
  maxConcurrentHashes: 4,
  maxQueuedHashes: 64,
  maxAccounts: 10_000,
  maxRoomsPerUser: 20,
  resumeTokenTtlMs: 7 * 24 * 60 * 60 * 1000,
  maxResumeTokens: 8,
  maxRoomMembers: 1000,
  messageRateLimit: 50,
  messageBurst: 1000,
} as const;

/** Messages an `admin_watch` (or a local watch) starts with. */
export const WATCH_BACKLOG = 20;
// The stored backlog of an opened chat goes out in pages, each awaited, so
// a long backlog never overflows the connection's outbound queue.
export const PAGE_MESSAGES = 100;
export const PAGE_BYTES = 256 * 1024;

/** ChatServerOptions checked, with every default filled in. */
export interface ResolvedChatOptions {
  readonly passwordIterations: number;
  readonly adminToken: string | undefined;
  readonly nodeId: string | undefined;
  readonly maxMessageBytes: number;
  readonly sendWindow: number;
  readonly maxLoginFailures: number;
  /** Set by the user (bounded by onServe) or the default (sized by onServe). */
  maxReplyBytes: number;
  readonly maxReplyBytesSet: boolean;
  readonly loginThrottleFailures: number;
  readonly loginThrottleMs: number;
  readonly loginThrottleMaxMs: number;
  readonly loginThrottleMaxNames: number;
  readonly maxConcurrentHashes: number;
  readonly maxQueuedHashes: number;
  readonly maxAccounts: number;
  readonly maxRoomsPerUser: number;
  /** How long a resume token lasts; 0: no tokens are given or taken. */
  readonly resumeTokenTtlMs: number;
  readonly maxResumeTokens: number;
  readonly maxRoomMembers: number;
  /** Messages per second per user; 0 is no limit. */
  readonly messageRateLimit: number;
  readonly messageBurst: number;
  readonly clock: () => number;
  readonly log: Logger;
}

/**
 * Checks the chat server's own options.
 *
 * @throws {TypeError} If the options or one of them has the wrong type.
 * @throws {RangeError} If a number is out of range.
 */
export function resolveChatServerOptions(
  value: ChatServerOptions,
): ResolvedChatOptions {
  const options = optionsObject(value, "Cannot create chat server");
  const d = CHAT_DEFAULTS;
  const positive = (
    name: keyof typeof CHAT_DEFAULTS & keyof ChatServerOptions,
  ) => numberOption(name, options[name], d[name], { min: 1 });
  return {
    passwordIterations: positive("passwordIterations"),
    adminToken: stringOption("adminToken", options.adminToken, {
      nonEmpty: true,
    }),
    nodeId: stringOption("nodeId", options.nodeId, { nonEmpty: true }),
    maxMessageBytes: positive("maxMessageBytes"),
    sendWindow: positive("sendWindow"),
    maxLoginFailures: positive("maxLoginFailures"),
    maxReplyBytes: positive("maxReplyBytes"),
    maxReplyBytesSet: options.maxReplyBytes !== undefined,
    loginThrottleFailures: positive("loginThrottleFailures"),
    loginThrottleMs: positive("loginThrottleMs"),
    loginThrottleMaxMs: positive("loginThrottleMaxMs"),
    loginThrottleMaxNames: positive("loginThrottleMaxNames"),
    maxConcurrentHashes: positive("maxConcurrentHashes"),
    maxQueuedHashes: numberOption(
      "maxQueuedHashes",
      options.maxQueuedHashes,
      d.maxQueuedHashes,
    ),
    maxAccounts: positive("maxAccounts"),
    maxRoomsPerUser: positive("maxRoomsPerUser"),
    resumeTokenTtlMs: numberOption(
      "resumeTokenTtlMs",
      options.resumeTokenTtlMs,
      d.resumeTokenTtlMs,
    ),
    maxResumeTokens: positive("maxResumeTokens"),
    maxRoomMembers: positive("maxRoomMembers"),
    messageRateLimit: numberOption(
      "messageRateLimit",
      options.messageRateLimit,
      d.messageRateLimit,
      { fractional: true },
    ),
    messageBurst: positive("messageBurst"),
    clock: functionOption("clock", options.clock, Date.now),
    log: resolveLogger(options.logger),
  };
}
