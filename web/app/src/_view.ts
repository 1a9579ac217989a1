// Copyright 2026 the framewire authors. MIT license.
// Pure builders of the app's repeated pieces (chat list rows, messages,
// banner text): state in, elements out, every user-given string as text.
import { clockTime, el, fullTime } from "./_dom.ts";
import type { LinkState } from "./_link.ts";
import type { ChatAddress, ChatMemberInfo, ChatMessage } from "./_session.ts";

/** One chat in the list. */
export interface ChatRow {
  readonly chat: ChatAddress;
  unread: number;
  lastAt: number | null;
  /** The newest message seen on this page, as a one-line preview. */
  preview?: { seq: number; text: string };
}

/** A message sent from this page and not acknowledged yet. */
export interface Outgoing {
  readonly id: string;
  readonly chat: ChatAddress;
  readonly text: string;
  readonly createdAt: number;
  /** Why the server refused it (then it is not sent again by itself). */
  failed?: string;
}

/** How a chat is shown: `bob` for `@bob`, `#general` for a room. */
export function chatTitle(chat: ChatAddress): string {
  return chat.startsWith("@") ? chat.slice(1) : chat;
}

/** Whether `chat` is a room. */
export function isRoom(chat: ChatAddress): boolean {
  return chat.startsWith("#");
}

/** A row of the chat list. */
export function chatRow(
  row: ChatRow,
  active: boolean,
  online: boolean,
  onOpen: (chat: ChatAddress) => void,
): HTMLLIElement {
  const children: Node[] = [
    el("span", {
      class: `avatar${isRoom(row.chat) ? " room" : ""}`,
      text: chatTitle(row.chat).replace(/^#/, "").slice(0, 1).toUpperCase(),
      attrs: { "aria-hidden": "true" },
    }),
    el("span", { class: "name", text: chatTitle(row.chat) }),
  ];
  if (!isRoom(row.chat)) {
    children.push(el("span", {
      class: `presence${online ? " online" : ""}`,
      attrs: { title: online ? "online" : "offline" },
    }));
  }
  children.push(el("span", {
    class: "preview",
    text: row.preview?.text.replace(/\s+/g, " ").slice(0, 120) ?? "",
  }));
  children.push(el("span", {
    class: "when",
    text: row.lastAt === null ? "" : clockTime(row.lastAt),
  }));
  if (row.unread > 0) {
    children.push(el("span", {
      class: "badge",
      text: String(row.unread),
      attrs: { "aria-label": `${row.unread} unread` },
    }));
  }
  return el("li", {}, [
    el("button", {
      class: `chat-item${active ? " active" : ""}${
        row.unread > 0 ? " has-unread" : ""
      }`,
      attrs: {
        type: "button",
        "data-chat": row.chat,
        "data-unread": String(row.unread),
        ...(active ? { "aria-current": "true" } : {}),
      },
      on: { click: () => onOpen(row.chat) },
    }, children),
  ]);
}

/** The line above a day's first message: "Today", "Yesterday" or the date. */
export function daySeparator(ts: number, now = Date.now()): HTMLLIElement {
  const day = new Date(ts).toDateString();
  const text = day === new Date(now).toDateString()
    ? "Today"
    : day === new Date(now - 86_400_000).toDateString()
    ? "Yesterday"
    : new Date(ts).toLocaleDateString([], {
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
    });
  return el("li", { class: "day", text, attrs: { role: "separator" } });
}

/** A stored message (the user's own ones carry the stored mark). */
export function storedMessage(
  message: ChatMessage,
  me: string,
  room: boolean,
): HTMLLIElement {
  const mine = message.from === me;
  const children: Node[] = [];
  if (room && !mine) {
    children.push(el("span", { class: "from", text: message.from }));
  }
  children.push(el("p", { class: "text", text: message.text }));
  const meta = el("span", { class: "meta" }, [
    el("time", {
      text: clockTime(message.ts),
      attrs: {
        datetime: new Date(message.ts).toISOString(),
        title: fullTime(message.ts),
      },
    }),
  ]);
  if (mine) {
    meta.append(el("span", {
      class: "mark stored",
      text: "✓",
      attrs: { title: "stored on the server", "aria-label": "stored" },
    }));
  }
  children.push(meta);
  return el("li", {
    class: `msg ${mine ? "mine" : "theirs"}`,
    attrs: {
      "data-seq": String(message.seq),
      "data-from": message.from,
      "data-status": "stored",
    },
  }, children);
}

/** A message of this page still waiting for its ack, or refused. */
export function outgoingMessage(
  message: Outgoing,
  onRetry: (id: string) => void,
): HTMLLIElement {
  const failed = message.failed !== undefined;
  const mark = failed
    ? el("button", {
      class: "mark failed",
      text: "!",
      attrs: {
        type: "button",
        title: `not sent: ${message.failed} (click to try again)`,
        "aria-label": "not sent, try again",
      },
      on: { click: () => onRetry(message.id) },
    })
    : el("span", {
      class: "mark sending",
      text: "◷",
      attrs: { title: "sending", "aria-label": "sending" },
    });
  const children: Node[] = [
    el("p", { class: "text", text: message.text }),
    el("span", { class: "meta" }, [
      el("time", { text: clockTime(message.createdAt) }),
      mark,
    ]),
  ];
  if (failed) {
    children.push(el("span", { class: "reason", text: message.failed }));
  }
  return el("li", {
    class: "msg mine",
    attrs: {
      "data-id": message.id,
      "data-status": failed ? "failed" : "sending",
    },
  }, children);
}

/** The subtitle of an open chat: presence, or a room's members. */
export function subtitle(
  chat: ChatAddress,
  online: ReadonlySet<string>,
  members: readonly ChatMemberInfo[] | undefined,
): string {
  if (!isRoom(chat)) return online.has(chat.slice(1)) ? "online" : "offline";
  if (members === undefined) return "";
  const here = members.filter((member) => member.online).length;
  return `${members.length} members, ${here} online: ` +
    members.map((member) => member.user + (member.online ? " ●" : ""))
      .join(", ");
}

/** The banner's text for a link state (empty: hide it). */
export function bannerText(state: LinkState): string {
  switch (state.kind) {
    case "online":
    case "ended":
      return "";
    case "reconnecting":
      return "Offline: reconnecting" +
        (state.attempt > 1 ? ` (attempt ${state.attempt})` : "") +
        "… Messages you send now go out once it is back.";
    case "replaced":
      return "SESSION_REPLACED: this account was opened in another window.";
    case "refused":
      return `Logged out: ${state.message}`;
  }
}
