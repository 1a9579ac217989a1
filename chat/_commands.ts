// Copyright 2026 the framewire authors. MIT license.
// The commands of a logged-in user, one handler per op, and the dispatch
// that checks who may run what before it looks an op up.
import type { HandlerResult } from "../transport/frame_router.ts";
import { ChatError, ChatErrorCode } from "./errors.ts";
import {
  existingRoom,
  resolveUserChat,
  roomName,
  userAddress,
} from "./_addresses.ts";
import { ADMIN_COMMANDS } from "./_admin.ts";
import type { ChatContext, CommandHandler, CommandTable } from "./_context.ts";
import { historyReply, ok, toMessage } from "./_replies.ts";
import {
  DIRECT_CHATS_KEPT,
  logInternal,
  type OpenChat,
  pauseSession,
  type Session,
} from "./_session.ts";
import type { ChatRecord } from "./chat_store.ts";
import type { ChatAddress } from "./messages.ts";
import type { ChatCommand, ChatCommandOp } from "./_wire.ts";
import { chatErrorFrame, encodeChatFrame } from "./_wire.ts";

/** Longest pause of a connection's reading after a RATE_LIMITED, in ms. */
export const MAX_RATE_PAUSE_MS = 1000;

type UserOp = Exclude<ChatCommandOp, `admin_${string}`>;

/**
 * The chat a command names, when the session has it open: its record
 * needs no store lookup, since `open` checked the membership and `leave`
 * closes it. Another spelling of the address simply takes the store path.
 */
function openChat(
  session: Session,
  address: ChatAddress,
): OpenChat | undefined {
  for (const state of session.open.values()) {
    if (state.address === address) return state;
  }
  return undefined;
}

/** The commands of a user session (`who` also answers the admin). */
export const USER_COMMANDS: CommandTable<UserOp> = {
  send: (context, session, command) => {
    const user = session.user!;
    // Before any store access: a refused send costs nothing but its parse,
    // and the connection is not read again until the retry time (at most
    // MAX_RATE_PAUSE_MS), so ignoring the answer does not help a flooder.
    const retryAfterMs = context.messageRate.take(user);
    if (retryAfterMs > 0) {
      session.conn.send(chatErrorFrame(
        ChatErrorCode.RateLimited,
        `Cannot send: more than ${context.options.messageRateLimit} messages per second, retry in ${retryAfterMs} ms`,
        command.id,
        retryAfterMs,
      )).catch(() => {});
      return pauseSession(session, Math.min(retryAfterMs, MAX_RATE_PAUSE_MS))
        .then(() => undefined);
    }
    const accept = (chat: ChatRecord) =>
      context.delivery.acceptSend(
        session,
        chat,
        user,
        command.id,
        command.text,
        command.chat,
      );
    // A send to an open chat (the common case) is accepted without a
    // promise of its own: the connection's next frame is read at once.
    const open = openChat(session, command.chat);
    if (open !== undefined) return accept(open.chat);
    // So is a send to a direct chat sent to before (see directChats).
    const direct = session.directChats.get(command.chat);
    if (direct !== undefined) return accept(direct);
    return resolveUserChat(context.store, user, command.chat, "send", true)
      .then((chat) => {
        if (chat.kind === "direct") {
          const known = session.directChats;
          if (known.size >= DIRECT_CHATS_KEPT) known.clear();
          known.set(command.chat, chat);
        }
        return accept(chat);
      });
  },
  open: async (context, session, command) => {
    const user = session.user!;
    const chat = await resolveUserChat(
      context.store,
      user,
      command.chat,
      "open",
      true,
    );
    const delivered = await context.delivery.open(
      session,
      user,
      chat,
      command.chat,
    );
    if (delivered === undefined) return undefined;
    return encodeChatFrame({
      op: "opened",
      id: command.id,
      chat: command.chat,
      delivered,
    });
  },
  close: async (context, session, command) => {
    const chat = await resolveUserChat(
      context.store,
      session.user!,
      command.chat,
      "close",
      false,
    );
    session.open.delete(chat.id);
    return ok(command.id);
  },
  read: async (context, session, command) => {
    const user = session.user!;
    const { store } = context;
    // Clamped now to the last committed message (as the store does), so
    // a read beyond the end never covers messages stored after it. An open
    // chat that is caught up knows a tighter bound without asking the
    // store: nothing past its last pushed seq reached this session.
    const open = openChat(session, command.chat);
    const caughtUp = open !== undefined && open.pending === undefined;
    const chat = open?.chat ??
      await resolveUserChat(store, user, command.chat, "read", true);
    const last = caughtUp ? open.lastSeq : await store.lastSeq(chat.id);
    const seq = Math.min(command.seq, last);
    let moved = store.moveCursor(chat.id, user, seq);
    moved = trackCursorMove(session, chat.id, moved);
    const unread = session.unread.get(chat.id);
    if (unread !== undefined) {
      const left = last - seq;
      if (left <= 0) session.unread.delete(chat.id);
      else session.unread.set(chat.id, Math.min(unread, left));
    }
    if (command.id === undefined) {
      moved.catch((error) => logInternal(context.options.log, error, session));
      return undefined;
    }
    const id = command.id;
    return moved.then(() => ok(id));
  },
  join: async (context, session, command) => {
    const user = session.user!;
    const { store, options } = context;
    const room = roomName(command.chat, "join");
    let chat = await store.room(room);
    const created = chat === undefined;
    if (chat === undefined) {
      const count = await store.roomsCreatedBy(user);
      if (count >= options.maxRoomsPerUser) {
        throw new ChatError(
          ChatErrorCode.RoomLimit,
          `Cannot create "${command.chat}": you have created ${count} rooms, the most allowed`,
        );
      }
      chat = await store.createRoom(room, user);
    } else {
      const members = await store.members(chat.id);
      if (
        !members.includes(user) && members.length >= options.maxRoomMembers
      ) {
        throw new ChatError(
          ChatErrorCode.RoomFull,
          `Cannot join "${command.chat}": it has its ${options.maxRoomMembers} members`,
        );
      }
    }
    await store.addMember(chat.id, user);
    return encodeChatFrame({
      op: "joined",
      id: command.id,
      chat: command.chat,
      created,
      members: await store.members(chat.id),
    });
  },
  leave: async (context, session, command) => {
    const room = roomName(command.chat, "leave");
    const chat = await existingRoom(context.store, room, "leave");
    if (!(await context.store.removeMember(chat.id, session.user!))) {
      throw new ChatError(
        ChatErrorCode.NotAMember,
        `Cannot leave "${command.chat}": not a member`,
      );
    }
    session.open.delete(chat.id);
    session.unread.delete(chat.id);
    return ok(command.id);
  },
  members: async (context, _session, command) => {
    const room = roomName(command.chat, "list members of");
    const chat = await existingRoom(context.store, room, "list members of");
    const [members, online] = await Promise.all([
      context.store.members(chat.id),
      context.bus.online(),
    ]);
    const onlineSet = new Set(online);
    return encodeChatFrame({
      op: "members",
      id: command.id,
      chat: command.chat,
      members: members.map((name) => ({
        user: name,
        online: onlineSet.has(name),
      })),
    });
  },
  chats: async (context, session, command) => {
    const user = session.user!;
    const chats = await context.store.userChats(user);
    return encodeChatFrame({
      op: "chats",
      id: command.id,
      chats: chats.map((summary) => ({
        chat: userAddress(summary.chat, user),
        unread: summary.unread,
        lastSeq: summary.lastSeq,
        lastAt: summary.lastAtMs ?? null,
      })),
    });
  },
  logout: async (context, session, command) => {
    const digest = session.resumeDigest;
    session.resumeDigest = undefined;
    // Spent whatever its expiry: a copy of the tab's token logs in no more.
    if (digest !== undefined) {
      await context.store.takeResumeToken(session.user!, digest, 0);
    }
    return ok(command.id);
  },
  who: async (context, _session, command) =>
    encodeChatFrame({
      op: "who",
      id: command.id,
      users: await context.bus.online(),
    }),
  history: async (context, session, command) => {
    // The session's own sends before this command are in the answer.
    await context.delivery.sendsStored(session);
    const chat = await resolveUserChat(
      context.store,
      session.user!,
      command.chat,
      "read history of",
      true,
    );
    const messages = await context.store.lastMessages(
      chat.id,
      command.limit,
      command.before,
    );
    return historyReply(
      "history",
      command.id,
      command.chat,
      messages.map((message) => toMessage(message, command.chat)),
      context.options.maxReplyBytes,
    );
  },
};

/**
 * Runs a parsed command: refuses it when the session may not run it, else
 * calls the op's handler.
 *
 * @throws {ChatError} `NOT_LOGGED_IN`, `FORBIDDEN` or `UNKNOWN_OP`, or
 * whatever the handler throws.
 */
export function dispatch(
  context: ChatContext,
  session: Session,
  command: ChatCommand,
): HandlerResult | Promise<HandlerResult> {
  const { op } = command;
  const isAdminOp = op.startsWith("admin_");
  // Not logged in comes first: FORBIDDEN is for who the connection is,
  // and an anonymous one is no one yet.
  if (session.user === undefined && !session.admin) {
    throw new ChatError(
      ChatErrorCode.NotLoggedIn,
      `Cannot ${op}: log in first (ClientType frame)`,
    );
  }
  if (session.admin && !isAdminOp && op !== "who") {
    throw new ChatError(
      ChatErrorCode.Forbidden,
      `Cannot ${op} as admin: use admin_watch and admin_send`,
    );
  }
  if (!session.admin && isAdminOp) {
    throw new ChatError(
      ChatErrorCode.Forbidden,
      `Cannot ${op}: log in with the admin token first`,
    );
  }
  const table: Partial<Record<ChatCommandOp, CommandHandler<never>>> = isAdminOp
    ? ADMIN_COMMANDS
    : USER_COMMANDS;
  const handler = table[op];
  if (handler === undefined) {
    throw new ChatError(
      ChatErrorCode.UnknownOp,
      `Cannot handle message: unknown op "${op}"`,
    );
  }
  return handler(context, session, command as never);
}

/**
 * Counts a cursor move as in flight until it settles, and tells an unread
 * repair reading meanwhile that this chat's count may not be in its read.
 */
function trackCursorMove(
  session: Session,
  chatId: number,
  moved: Promise<void>,
): Promise<void> {
  const moving = session.movingCursors;
  moving.set(chatId, (moving.get(chatId) ?? 0) + 1);
  session.unreadRepair?.read.add(chatId);
  const settled = () => {
    const left = moving.get(chatId)! - 1;
    if (left === 0) moving.delete(chatId);
    else moving.set(chatId, left);
  };
  return moved.finally(settled);
}
