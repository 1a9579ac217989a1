// Copyright 2026 the framewire authors. MIT license.
// Chat addresses: from a `@peer` / `#room` (or the admin's `@a,b`) to a
// chat of the store, and back to an address from a reader's side. Every
// lookup is an awaited store call: another node may have created the room
// or the account a moment ago.
import { ChatError, ChatErrorCode } from "./errors.ts";
import type { ChatRecord, ChatStore } from "./chat_store.ts";
import type { ChatAddress } from "./messages.ts";
import { parseChatAddress } from "./_wire.ts";

/** The chat from a member's side: `#room`, or `@` and the other user. */
export function userAddress(chat: ChatRecord, user: string): ChatAddress {
  if (chat.kind === "room") return `#${chat.name}`;
  const [a, b] = chat.name.split(",");
  return `@${a === user ? b : a}`;
}

/** The chat from the admin's side: `#room` or `@alice,bob`. */
export function adminAddress(chat: ChatRecord): ChatAddress {
  return chat.kind === "room" ? `#${chat.name}` : `@${chat.name}`;
}

/** A direct chat's name: the two users, sorted, joined by a comma. */
export function directName(a: string, b: string): string {
  return a < b ? `${a},${b}` : `${b},${a}`;
}

/** The two members of a direct chat, from its name: no store call needed. */
export function directMembers(chat: ChatRecord): string[] {
  return chat.name.split(",");
}

/**
 * The chat a user addresses: `@peer` (a registered user; the direct chat
 * is created on first use) or `#room` (must exist; with `member`, the user
 * must have joined it).
 */
export async function resolveUserChat(
  store: ChatStore,
  user: string,
  address: ChatAddress,
  action: string,
  member: boolean,
): Promise<ChatRecord> {
  const parsed = parseChatAddress(address);
  if (parsed.kind === "room") {
    const chat = await existingRoom(store, parsed.room, action);
    if (member && !(await store.isMember(chat.id, user))) {
      throw new ChatError(
        ChatErrorCode.NotAMember,
        `Cannot ${action} "${address}": join the room first`,
      );
    }
    return chat;
  }
  const peer = parsed.user;
  if (peer === user) {
    throw new ChatError(
      ChatErrorCode.InvalidField,
      `Cannot ${action} "${address}": that is you`,
    );
  }
  // An existing direct chat proves both users exist: no account lookup.
  const existing = await store.findDirectChat(user, peer);
  if (existing !== undefined) return existing;
  if (await store.user(peer) === undefined) {
    throw new ChatError(
      ChatErrorCode.UnknownUser,
      `Cannot ${action} "${address}": no user "${peer}"`,
    );
  }
  return await store.directChat(user, peer);
}

/** `#room`, or `@a,b` whose two users exist. */
export async function resolveAdminChat(
  store: ChatStore,
  address: ChatAddress,
  action: string,
): Promise<ChatRecord> {
  const parsed = parseChatAddress(address, true);
  if (parsed.kind === "room") {
    return await existingRoom(store, parsed.room, action);
  }
  if (parsed.otherUser === undefined) {
    throw new ChatError(
      ChatErrorCode.InvalidField,
      `Cannot ${action} "${address}": the admin names a direct chat "@user1,user2"`,
    );
  }
  for (const name of [parsed.user, parsed.otherUser]) {
    if (await store.user(name) === undefined) {
      throw new ChatError(
        ChatErrorCode.UnknownUser,
        `Cannot ${action} "${address}": no user "${name}"`,
      );
    }
  }
  if (parsed.user === parsed.otherUser) {
    throw new ChatError(
      ChatErrorCode.InvalidField,
      `Cannot ${action} "${address}": two different users are needed`,
    );
  }
  return await store.directChat(parsed.user, parsed.otherUser);
}

/** The room name of a `#room` address. */
export function roomName(address: ChatAddress, action: string): string {
  const parsed = parseChatAddress(address);
  if (parsed.kind !== "room") {
    throw new ChatError(
      ChatErrorCode.InvalidField,
      `Cannot ${action} "${address}": expected a room ("#name")`,
    );
  }
  return parsed.room;
}

/** A room that must exist. */
export async function existingRoom(
  store: ChatStore,
  room: string,
  action: string,
): Promise<ChatRecord> {
  const chat = await store.room(room);
  if (chat === undefined) {
    throw new ChatError(
      ChatErrorCode.UnknownRoom,
      `Cannot ${action} "#${room}": no such room`,
    );
  }
  return chat;
}
