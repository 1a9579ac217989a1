// Copyright 2026 the framewire authors. MIT license.
// What the app needs from a chat client: the API of `ChatClient`
// (chat/chat_client.ts), which the browser client of web/mod.ts has too.
// The app depends on this shape only, so that its own logic (reconnect,
// outbox, rendering) can be reasoned about apart from the transport.
import type {
  ChatAck,
  ChatAddress,
  ChatListEntry,
  ChatMemberInfo,
  ChatMessage,
  ChatWelcome,
} from "../../../chat/messages.ts";

export type {
  ChatAck,
  ChatAddress,
  ChatListEntry,
  ChatMemberInfo,
  ChatMessage,
  ChatWelcome,
};

/** An error with a chat protocol code (`ChatError`), or any other error. */
export interface CodedError extends Error {
  readonly code?: string;
}

/** An event of a chat session, as `ChatClient.nextEvent` returns them. */
export type SessionEvent =
  | { readonly type: "message"; readonly message: ChatMessage }
  | {
    readonly type: "unread";
    readonly chat: ChatAddress;
    readonly count: number;
  }
  | { readonly type: "error"; readonly error: CodedError }
  | {
    readonly type: "reconnecting";
    readonly attempt: number;
    readonly error: Error;
  }
  | { readonly type: "reconnected" };

/** A logged-in chat session (the methods of `ChatClient` the app uses). */
export interface ChatSession {
  readonly welcome: ChatWelcome;
  readonly closed: boolean;
  send(
    chat: ChatAddress,
    text: string,
    options?: { id?: string },
  ): Promise<ChatAck>;
  openChat(chat: ChatAddress): Promise<number>;
  closeChat(chat: ChatAddress): Promise<void>;
  join(room: ChatAddress): Promise<{ created: boolean; members: string[] }>;
  leave(room: ChatAddress): Promise<void>;
  members(room: ChatAddress): Promise<ChatMemberInfo[]>;
  chats(): Promise<ChatListEntry[]>;
  who(): Promise<string[]>;
  history(
    chat: ChatAddress,
    options?: { limit?: number; before?: number },
  ): Promise<{ messages: ChatMessage[]; truncated: boolean }>;
  nextEvent(): Promise<SessionEvent | undefined>;
  logout(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Who logs in: with the password typed in the form, or with the tab's
 * resume token after a reload.
 */
export type Credentials =
  | { readonly user: string; readonly password: string }
  | { readonly user: string; readonly resume: string };

/**
 * Logs in over the page's WebSocket endpoint, asking for a resume token
 * (`welcome.resume`).
 */
export type SessionFactory = (
  credentials: Credentials,
) => Promise<ChatSession>;

/** The error code of `error`, if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as CodedError | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}
