// Copyright 2026 the framewire authors. MIT license.
// The operator's operations, once: the `admin_*` command table of an admin
// connection and the local ChatAdmin of ChatServer.admin() both call them,
// so watching and sending as admin behave the same either way.
import type { ChatAdmin } from "./chat_admin.ts";
import type { ChatRecord } from "./chat_store.ts";
import {
  ADMIN_NAME,
  type ChatAck,
  type ChatAddress,
  type ChatAdminChatInfo,
  type ChatAdminConnectionInfo,
  type ChatMessage,
} from "./messages.ts";
import { adminAddress, resolveAdminChat, userAddress } from "./_addresses.ts";
import type { ChatContext, CommandTable } from "./_context.ts";
import type { StartedWatch, WatchListener } from "./_delivery.ts";
import { ackOf, historyReply, ok, toMessage } from "./_replies.ts";
import { emit, type Session } from "./_session.ts";
import { checkName, encodeChatFrame } from "./_wire.ts";
import { ChatError, ChatErrorCode } from "./errors.ts";

/** Every chat, most recently active first, with who is online. */
export async function adminChats(
  context: ChatContext,
): Promise<ChatAdminChatInfo[]> {
  const [chats, online] = await Promise.all([
    context.store.allChats(),
    context.bus.online(),
  ]);
  const onlineSet = new Set(online);
  return await Promise.all(chats.map(async (summary) => {
    const members = await context.store.members(summary.chat.id);
    const present = members.filter((member) => onlineSet.has(member));
    return {
      chat: adminAddress(summary.chat),
      kind: summary.chat.kind,
      members,
      online: present,
      active: present.length > 0,
      messages: summary.messages,
      lastAt: summary.lastAtMs ?? null,
    };
  }));
}

/** This server's connections, oldest first (what it reports to the bus). */
export function adminConnections(
  context: ChatContext,
): ChatAdminConnectionInfo[] {
  const list: ChatAdminConnectionInfo[] = [];
  for (const session of context.delivery.sessions.values()) {
    const info = session.conn.info();
    const open = session.admin
      ? [...session.watching.values()].map(adminAddress)
      : [...session.open.values()].map(({ chat }) =>
        session.user === undefined
          ? adminAddress(chat)
          : userAddress(chat, session.user)
      );
    list.push({
      id: info.id,
      remoteAddress: info.remoteAddress,
      clientType: info.clientType ?? null,
      user: session.admin ? ADMIN_NAME : session.user ?? null,
      admin: session.admin,
      open,
      connectedAt: info.connectedAt.getTime(),
      bytesIn: info.bytesIn,
      bytesOut: info.bytesOut,
      ...(context.options.nodeId === undefined
        ? {}
        : { node: context.options.nodeId }),
    });
  }
  return list.sort((a, b) => a.id - b.id);
}

/** Starts a watch of `address` for `owner`: resolves once its backlog is read. */
export async function adminWatch(
  context: ChatContext,
  owner: object,
  address: ChatAddress,
  onMessage: (message: ChatMessage) => void,
): Promise<{ chat: ChatRecord; watch: StartedWatch }> {
  const chat = await resolveAdminChat(context.store, address, "watch");
  const name = adminAddress(chat);
  const listener: WatchListener = (message) =>
    onMessage(toMessage(message, name));
  const watch = await context.delivery.watch(owner, chat, listener);
  return { chat, watch };
}

/** Ends `owner`'s watch of `address`. */
export async function adminUnwatch(
  context: ChatContext,
  owner: object,
  address: ChatAddress,
): Promise<ChatRecord> {
  const chat = await resolveAdminChat(context.store, address, "unwatch");
  context.delivery.unwatch(owner, chat.id);
  return chat;
}

/**
 * Revokes `user`: drops every resume token (they live in the store, so on
 * every node) and closes the user's session here and, through the bus, on
 * the other nodes; logs it.
 *
 * @returns How many tokens were dropped.
 * @throws {ChatError} `UNKNOWN_USER` for a name without an account.
 */
export async function revokeUser(
  context: ChatContext,
  user: string,
  session?: Session,
): Promise<number> {
  if (await context.store.user(user) === undefined) {
    throw new ChatError(
      ChatErrorCode.UnknownUser,
      `Cannot revoke the resume tokens of "${user}": no such account`,
    );
  }
  const tokens = await context.store.dropResumeTokens(user);
  // Here at once, whatever the bus does; the other nodes when it delivers.
  context.delivery.onEvent({ type: "revoke", user });
  await context.bus.publish({ type: "revoke", user }).catch((error) =>
    emit(
      context.options.log,
      "warn",
      "chat_revoke_unsent",
      `The other nodes were not told to close the session of "${user}": ${
        (error as Error).message
      }`,
      session,
    )
  );
  emit(
    context.options.log,
    "info",
    "chat_revoked",
    `Sessions and resume tokens of "${user}" revoked by the operator (${tokens} tokens)`,
    session,
  );
  return tokens;
}

/** The `admin_*` commands of an admin connection. */
export const ADMIN_COMMANDS: CommandTable<
  | "admin_chats"
  | "admin_connections"
  | "admin_watch"
  | "admin_unwatch"
  | "admin_send"
  | "admin_revoke"
> = {
  admin_chats: async (context, _session, command) =>
    encodeChatFrame({
      op: "admin_chats",
      id: command.id,
      chats: await adminChats(context),
    }),
  admin_connections: async (context, _session, command) =>
    encodeChatFrame({
      op: "admin_connections",
      id: command.id,
      connections: await context.bus.connections(),
    }),
  admin_watch: async (context, session, command) => {
    const { conn } = session;
    const { chat, watch } = await adminWatch(
      context,
      session,
      command.chat,
      (message) =>
        conn.send(encodeChatFrame({ op: "message", ...message })).catch(
          () => {},
        ),
    );
    const address = adminAddress(chat);
    // Pushed, not returned: queued now, so that no live message of the
    // chat can overtake the backlog.
    conn.send(historyReply(
      "watching",
      command.id,
      address,
      watch.backlog.map((message) => toMessage(message, address)),
      context.options.maxReplyBytes,
    )).catch(() => {});
    session.watching.set(chat.id, chat);
    watch.start();
    return undefined;
  },
  admin_unwatch: async (context, session, command) => {
    const chat = await adminUnwatch(context, session, command.chat);
    session.watching.delete(chat.id);
    return ok(command.id);
  },
  admin_revoke: async (context, session, command) =>
    encodeChatFrame({
      op: "revoked",
      id: command.id,
      user: command.user,
      tokens: await revokeUser(context, command.user, session),
    }),
  admin_send: async (context, session, command) => {
    const chat = await resolveAdminChat(context.store, command.chat, "send");
    return context.delivery.acceptSend(
      session,
      chat,
      ADMIN_NAME,
      command.id,
      command.text,
      adminAddress(chat),
    );
  },
};

/**
 * The operator's console on the server's own terminal: the same
 * operations as an admin connection, without a token.
 */
export function localChatAdmin(context: ChatContext): ChatAdmin {
  // The owner of this console's watches: a new admin() is a new console.
  const owner = {};
  return {
    chats: () => adminChats(context),
    connections: () => context.bus.connections(),
    watch: async (chat, onMessage) => {
      const { chat: record, watch } = await adminWatch(
        context,
        owner,
        chat,
        onMessage,
      );
      const address = adminAddress(record);
      // Live messages go to onMessage only after the caller has the
      // backlog: a macrotask, after this promise's reactions.
      setTimeout(() => watch.start(), 0);
      return watch.backlog.map((message) => toMessage(message, address));
    },
    unwatch: async (chat) => {
      await adminUnwatch(context, owner, chat);
    },
    revoke: async (user) => {
      checkName(user, "user");
      return await revokeUser(context, user);
    },
    send: async (chat, text): Promise<ChatAck> => {
      const record = await resolveAdminChat(context.store, chat, "send");
      const stored = await context.delivery.append(
        record,
        ADMIN_NAME,
        crypto.randomUUID(),
        text,
      );
      return ackOf(stored, adminAddress(record));
    },
  };
}
