// Copyright 2026 the framewire authors. MIT license.
// The chat page's controller: what is shown (chats, messages, outbox,
// presence) and what the user does (log in, open, send, join, leave).
// Messages are kept per chat by `seq`, so a message pushed twice (after a
// reconnect, or both pushed and acknowledged) is shown once; messages of
// this page live in the outbox under their id until acknowledged, and are
// sent again with that id after a reconnect, so none is lost or stored twice.
import { byId, clear } from "./_dom.ts";
import { Link, type LinkState } from "./_link.ts";
import {
  type ChatAddress,
  type ChatMemberInfo,
  type ChatMessage,
  type ChatSession,
  type Credentials,
  errorCode,
  type SessionEvent,
  type SessionFactory,
} from "./_session.ts";
import {
  bannerText,
  type ChatRow,
  chatRow,
  chatTitle,
  daySeparator,
  isRoom,
  type Outgoing,
  outgoingMessage,
  storedMessage,
  subtitle,
} from "./_view.ts";

/** Messages asked per history page. */
const HISTORY_PAGE = 50;
/** How often presence (who is online, a room's members) is refreshed. */
const PRESENCE_POLL_MS = 10_000;
/**
 * Where the tab keeps its resume token, as `{"user", "token"}`: session
 * storage, so a reload logs in again, and closing the tab forgets it.
 */
const TOKEN_KEY = "framewire.resume";
/** The chat open in the tab, opened again after a reload. */
const OPEN_KEY = "framewire.open";
/** Codes of a send that failed with its connection: sent again later. */
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "SHUTTING_DOWN",
  "UNREACHABLE",
  "TIMED_OUT",
]);

/** Readable text for a chat error. */
export function describeError(error: unknown): string {
  const code = errorCode(error);
  const known: Record<string, string> = {
    AUTH_FAILED: "Wrong password for this name.",
    WEAK_PASSWORD: "A new account needs a password of at least 8 characters.",
    INVALID_NAME:
      "Names are 1 to 32 lowercase letters, digits, _ . or -, starting with a letter or digit.",
    LOGIN_THROTTLED: "Too many failed logins for this name: wait a little.",
    LOGIN_BUSY: "The server is busy: try again in a moment.",
    UNKNOWN_USER: "Nobody has this name.",
    UNKNOWN_ROOM: "No room has this name.",
    NOT_A_MEMBER: "You are not a member of this room.",
    ROOM_FULL: "This room is full.",
    MESSAGE_TOO_LONG: "This message is too long.",
    RATE_LIMITED: "Too many messages at once.",
  };
  const text = code !== undefined && known[code] !== undefined
    ? known[code]
    : error instanceof Error
    ? error.message
    : String(error);
  return code === undefined ? text : `${text} (${code})`;
}

/** The page. */
export class ChatApp {
  #factory: SessionFactory;
  #link: Link | undefined;
  #credentials: Credentials | undefined;
  #me = "";
  #rows = new Map<ChatAddress, ChatRow>();
  #messages = new Map<ChatAddress, Map<number, ChatMessage>>();
  #hasOlder = new Map<ChatAddress, boolean>();
  /** In send order; each remembers the session it was last sent on. */
  #outbox = new Map<string, Outgoing & { sentOn?: ChatSession }>();
  #open: ChatAddress | undefined;
  #members: ChatMemberInfo[] | undefined;
  #online = new Set<string>();
  #poll: ReturnType<typeof setInterval> | undefined;
  /** Opens and closes run one after another, in the order clicked. */
  #chain: Promise<unknown> = Promise.resolve();
  #toastTimer: ReturnType<typeof setTimeout> | undefined;
  /** Messages of the open chat that came while the tab was hidden. */
  #unseen = 0;
  /** The chat the message list shows (a new one starts at the bottom). */
  #shown: ChatAddress | undefined;

  constructor(factory: SessionFactory) {
    this.#factory = factory;
    byId("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const user = byId<HTMLInputElement>("login-user").value.trim()
        .toLowerCase();
      const password = byId<HTMLInputElement>("login-password").value;
      void this.#login({ user, password });
    });
    byId("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      this.#sendComposed();
    });
    byId("composer-text").addEventListener("keydown", (event) => {
      const key = event as KeyboardEvent;
      // Enter sends; Shift+Enter is a new line; no send mid-composition
      // (an input method editor is still building the word).
      if (key.key === "Enter" && !key.shiftKey && !key.isComposing) {
        event.preventDefault();
        this.#sendComposed();
      }
    });
    byId("new-chat").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = byId<HTMLInputElement>("new-chat-input");
      void this.#startChat(input.value).then((ok) => {
        if (ok) input.value = "";
      });
    });
    byId("logout").addEventListener("click", () => void this.#logout());
    byId("replaced-logout").addEventListener(
      "click",
      () => void this.#logout(),
    );
    byId("use-here").addEventListener("click", () => {
      if (this.#credentials !== undefined) void this.#login(this.#credentials);
    });
    byId("back").addEventListener("click", () => this.#showList());
    byId("leave-room").addEventListener("click", () => void this.#leave());
    byId("load-older").addEventListener("click", () => void this.#loadOlder());
    globalThis.addEventListener("online", () => this.#link?.retryNow());
    // Messages of the open chat that arrive while the tab is in the
    // background are delivered (the chat is open) but not seen yet: the
    // tab's title counts them until it is looked at again.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.#unseen > 0) {
        this.#unseen = 0;
        this.#renderList();
      }
    });
    const saved = savedToken();
    if (saved !== undefined) {
      // A reload: log in with the tab's token, the form only if it fails.
      byId<HTMLInputElement>("login-user").value = saved.user;
      byId("login-view").hidden = true;
      void this.#login(
        { user: saved.user, resume: saved.token },
        tabItem(OPEN_KEY),
      );
    }
  }

  /** Logs in; then opens `reopen`, the chat open before a reload. */
  async #login(credentials: Credentials, reopen?: ChatAddress) {
    const button = byId<HTMLButtonElement>("login-submit");
    const error = byId("login-error");
    button.disabled = true;
    byId("use-here").setAttribute("disabled", "");
    error.textContent = "";
    try {
      this.#link = await Link.login(this.#factory, credentials, {
        state: (state) => this.#linkState(state),
        event: (event) => this.#event(event),
        ready: (session, first) => this.#ready(session, first),
        token: (user, token) => {
          setTabItem(TOKEN_KEY, JSON.stringify({ user, token }));
          if (this.#link !== undefined) {
            this.#credentials = this.#link.credentials;
          }
        },
      });
      // Not `credentials`: a token it held is spent now.
      this.#credentials = this.#link.credentials;
      byId<HTMLInputElement>("login-password").value = "";
      byId("login-view").hidden = true;
      byId("replaced").hidden = true;
      byId("chat-view").hidden = false;
      byId("me-name").textContent = this.#me;
      if (this.#link.session?.welcome.registered) {
        this.#toast(`Welcome, ${this.#me}: your account is created.`);
      }
      this.#poll ??= setInterval(
        () => void this.#refreshPresence(),
        PRESENCE_POLL_MS,
      );
      if (reopen !== undefined) void this.#openChat(reopen);
    } catch (caught) {
      if ("resume" in credentials) {
        // The token is spent or expired (or the server unreachable): the
        // form, with the name filled in.
        if (errorCode(caught) === "AUTH_FAILED") forgetTabLogin();
        byId("login-view").hidden = false;
        error.textContent = errorCode(caught) === "AUTH_FAILED"
          ? "Please log in again."
          : describeError(caught);
      } else if (byId("replaced").hidden) {
        error.textContent = describeError(caught);
      } else this.#toast(describeError(caught));
    } finally {
      button.disabled = false;
      byId("use-here").removeAttribute("disabled");
    }
  }

  async #logout() {
    const link = this.#link;
    this.#link = undefined;
    this.#credentials = undefined;
    forgetTabLogin();
    clearInterval(this.#poll);
    this.#poll = undefined;
    await link?.logout();
    this.#rows.clear();
    this.#messages.clear();
    this.#outbox.clear();
    this.#open = undefined;
    this.#members = undefined;
    this.#online.clear();
    this.#unseen = 0;
    byId("chat-view").hidden = true;
    byId("replaced").hidden = true;
    byId("banner").hidden = true;
    byId("login-view").hidden = false;
    document.body.classList.remove("show-conversation");
    this.#renderAll();
  }

  #linkState(state: LinkState) {
    const banner = byId("banner");
    const text = bannerText(state);
    banner.textContent = text;
    banner.title = state.kind === "reconnecting" ? state.reason : "";
    banner.hidden = text === "";
    banner.dataset.state = state.kind;
    byId("me-status").className = `presence${
      state.kind === "online" ? " online" : ""
    }`;
    if (state.kind === "replaced") {
      byId("replaced-reason").textContent = state.message;
      byId("replaced").hidden = false;
    }
    if (state.kind === "refused") {
      byId("login-error").textContent = state.message;
      void this.#logout();
    }
  }

  /** A (new) session: reload the list, reopen the chat, resend the outbox. */
  async #ready(session: ChatSession, _first: boolean) {
    this.#me = session.welcome.user;
    const [list, online] = await Promise.all([session.chats(), session.who()]);
    for (const entry of list) {
      const row = this.#rows.get(entry.chat);
      if (row === undefined) {
        this.#rows.set(entry.chat, {
          chat: entry.chat,
          unread: entry.unread,
          lastAt: entry.lastAt,
        });
      } else {
        row.unread = entry.chat === this.#open ? 0 : entry.unread;
        row.lastAt = entry.lastAt;
      }
    }
    this.#online = new Set(online);
    this.#renderList();
    const open = this.#open;
    if (open !== undefined) await this.#enter(session, open);
    for (const message of this.#outbox.values()) {
      if (message.failed === undefined && message.sentOn !== session) {
        // This session, not the link's: on a first login ("Use here") the
        // link is not handed to the app yet.
        this.#trySend(message.id, session);
      }
    }
  }

  #event(event: SessionEvent) {
    switch (event.type) {
      case "message":
        this.#store(event.message);
        break;
      case "unread": {
        const row = this.#row(event.chat);
        row.unread = event.chat === this.#open ? 0 : event.count;
        row.lastAt = Date.now();
        this.#renderList();
        break;
      }
      case "error":
        this.#toast(describeError(event.error));
        break;
      case "reconnecting":
        this.#linkState({
          kind: "reconnecting",
          attempt: event.attempt,
          delayMs: 0,
          reason: event.error.message,
        });
        break;
      case "reconnected":
        this.#linkState({ kind: "online" });
        break;
    }
  }

  #row(chat: ChatAddress): ChatRow {
    let row = this.#rows.get(chat);
    if (row === undefined) {
      row = { chat, unread: 0, lastAt: null };
      this.#rows.set(chat, row);
    }
    return row;
  }

  /** Keeps a stored message (once per chat and seq) and shows it. */
  #store(message: ChatMessage) {
    let messages = this.#messages.get(message.chat);
    if (messages === undefined) {
      messages = new Map();
      this.#messages.set(message.chat, messages);
    }
    const fresh = !messages.has(message.seq);
    messages.set(message.seq, message);
    const row = this.#row(message.chat);
    if (row.lastAt === null || message.ts > row.lastAt) row.lastAt = message.ts;
    if (message.seq >= (row.preview?.seq ?? 0)) {
      const from = message.from === this.#me ? "You" : message.from;
      row.preview = {
        seq: message.seq,
        text: isRoom(message.chat) ? `${from}: ${message.text}` : message.text,
      };
    }
    if (fresh && message.chat === this.#open) {
      if (document.visibilityState === "hidden" && message.from !== this.#me) {
        this.#unseen++;
      }
      this.#renderMessages();
    }
    this.#renderList();
  }

  async #startChat(input: string): Promise<boolean> {
    const session = this.#link?.session;
    const text = input.trim().toLowerCase();
    if (session === undefined || text === "") return false;
    try {
      if (text.startsWith("#")) {
        const { created } = await session.join(text);
        this.#row(text);
        this.#toast(created ? `Created ${text}.` : `Joined ${text}.`);
        await this.#openChat(text);
        return true;
      }
      const name = text.replace(/^@/, "");
      if (name === this.#me) {
        this.#toast("That is you: pick someone else.");
        return false;
      }
      return await this.#openChat(`@${name}`);
    } catch (error) {
      this.#toast(describeError(error));
      return false;
    }
  }

  /** Shows a chat and opens it on the server (delivering what waits). */
  #openChat(chat: ChatAddress): Promise<boolean> {
    const run = this.#chain.then(async () => {
      const session = this.#link?.session;
      if (session === undefined) return false;
      const previous = this.#open;
      if (previous !== undefined && previous !== chat) {
        this.#open = undefined;
        await session.closeChat(previous).catch(() => {});
      }
      try {
        await this.#enter(session, chat);
      } catch (error) {
        this.#open = undefined;
        if (!this.#rows.get(chat)?.lastAt) this.#rows.delete(chat);
        this.#toast(describeError(error));
        // Back to the chat shown before (closed on the server above).
        if (previous !== undefined && previous !== chat) {
          await this.#enter(session, previous).catch(() => {});
        }
        // A chat that cannot be opened (left since) is not tried again.
        setTabItem(OPEN_KEY, this.#open);
        this.#renderAll();
        return false;
      }
      setTabItem(OPEN_KEY, chat);
      document.body.classList.add("show-conversation");
      byId("composer-text").focus();
      return true;
    });
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Opens `chat` on `session`: history, then the waiting messages. */
  async #enter(session: ChatSession, chat: ChatAddress) {
    const opening = this.#open !== chat;
    this.#open = chat;
    if (opening) this.#members = undefined;
    // The open delivers the waiting messages as events; the history shows
    // what came before. Both are kept by seq, so overlap shows once.
    await session.openChat(chat);
    const row = this.#row(chat);
    row.unread = 0;
    const page = await session.history(chat, { limit: HISTORY_PAGE });
    if (!this.#hasOlder.has(chat)) this.#hasOlder.set(chat, page.truncated);
    for (const message of page.messages) this.#store(message);
    if (isRoom(chat)) {
      this.#members = await session.members(chat).catch(() => undefined);
    }
    this.#renderAll();
  }

  #showList() {
    document.body.classList.remove("show-conversation");
  }

  async #leave() {
    const session = this.#link?.session;
    const room = this.#open;
    if (session === undefined || room === undefined || !isRoom(room)) return;
    try {
      await session.leave(room);
    } catch (error) {
      this.#toast(describeError(error));
      return;
    }
    this.#open = undefined;
    setTabItem(OPEN_KEY, undefined);
    this.#rows.delete(room);
    this.#messages.delete(room);
    this.#showList();
    this.#toast(`Left ${room}.`);
    this.#renderAll();
  }

  async #loadOlder() {
    const session = this.#link?.session;
    const chat = this.#open;
    const messages = chat === undefined ? undefined : this.#messages.get(chat);
    if (session === undefined || chat === undefined) return;
    const oldest = Math.min(...(messages?.keys() ?? []));
    if (!Number.isFinite(oldest) || oldest <= 1) return;
    try {
      const page = await session.history(chat, {
        limit: HISTORY_PAGE,
        before: oldest,
      });
      this.#hasOlder.set(chat, page.truncated);
      for (const message of page.messages) this.#store(message);
      this.#renderMessages(false);
    } catch (error) {
      this.#toast(describeError(error));
    }
  }

  #sendComposed() {
    const input = byId<HTMLTextAreaElement>("composer-text");
    const chat = this.#open;
    const text = input.value;
    if (chat === undefined || text.trim() === "") return;
    input.value = "";
    const id = crypto.randomUUID();
    this.#outbox.set(id, { id, chat, text, createdAt: Date.now() });
    this.#renderMessages();
    this.#trySend(id);
  }

  /** Sends an outbox message (with its first id), on the current session. */
  #trySend(id: string, session = this.#link?.session) {
    const message = this.#outbox.get(id);
    if (message === undefined || session === undefined) return;
    message.failed = undefined;
    message.sentOn = session;
    session.send(message.chat, message.text, { id }).then((ack) => {
      if (!this.#outbox.delete(id)) return;
      this.#store({
        chat: message.chat,
        mid: ack.mid,
        seq: ack.seq,
        from: this.#me,
        text: message.text,
        ts: ack.ts,
      });
      this.#renderMessages();
    }, (error) => {
      const code = errorCode(error);
      if (session.closed || code === undefined || CONNECTION_CODES.has(code)) {
        // Sent again, with this id, once logged in again.
        message.sentOn = undefined;
        return;
      }
      message.failed = describeError(error);
      this.#renderMessages();
    });
  }

  async #refreshPresence() {
    const session = this.#link?.session;
    if (session === undefined) return;
    try {
      this.#online = new Set(await session.who());
      const room = this.#open;
      if (room !== undefined && isRoom(room)) {
        this.#members = await session.members(room);
      }
      this.#renderList();
      this.#renderHeader();
    } catch {
      // Offline: the next poll or reconnect refreshes.
    }
  }

  #renderAll() {
    this.#renderList();
    this.#renderHeader();
    this.#renderMessages();
  }

  #renderList() {
    const list = byId("chat-list");
    clear(list);
    const rows = [...this.#rows.values()].sort((a, b) =>
      (b.lastAt ?? 0) - (a.lastAt ?? 0) || a.chat.localeCompare(b.chat)
    );
    for (const row of rows) {
      list.append(chatRow(
        row,
        row.chat === this.#open,
        this.#online.has(row.chat.slice(1)),
        (chat) => void this.#openChat(chat),
      ));
    }
    const onlineList = byId("online-list");
    clear(onlineList);
    for (const user of [...this.#online].sort()) {
      if (user === this.#me) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "online-user";
      button.textContent = user;
      button.dataset.user = user;
      button.addEventListener("click", () => void this.#openChat(`@${user}`));
      const item = document.createElement("li");
      item.append(button);
      onlineList.append(item);
    }
    const unread = rows.reduce((sum, row) => sum + row.unread, 0) +
      this.#unseen;
    document.title = unread > 0
      ? `(${unread}) framewire chat`
      : "framewire chat";
  }

  #renderHeader() {
    const chat = this.#open;
    byId("conv-title").textContent = chat === undefined ? "" : chatTitle(chat);
    byId("conv-subtitle").textContent = chat === undefined
      ? ""
      : subtitle(chat, this.#online, this.#members);
    byId("leave-room").hidden = chat === undefined || !isRoom(chat);
    byId("composer").hidden = chat === undefined;
    byId("empty-state").hidden = chat !== undefined;
    byId("conversation").dataset.chat = chat ?? "";
  }

  #renderMessages(follow = true) {
    const list = byId("messages");
    const chat = this.#open;
    const atBottom =
      list.scrollTop + list.clientHeight >= list.scrollHeight - 48;
    const fromBottom = list.scrollHeight - list.scrollTop;
    clear(list);
    byId("load-older").hidden = chat === undefined ||
      this.#hasOlder.get(chat) !== true;
    if (chat === undefined) return;
    const stored = [...(this.#messages.get(chat)?.values() ?? [])]
      .sort((a, b) => a.seq - b.seq);
    // A line with the day before the first message of each day.
    let day = "";
    const dayLine = (ts: number) => {
      const key = new Date(ts).toDateString();
      if (key !== day) list.append(daySeparator(ts));
      day = key;
    };
    for (const message of stored) {
      dayLine(message.ts);
      list.append(storedMessage(message, this.#me, isRoom(chat)));
    }
    for (const message of this.#outbox.values()) {
      if (message.chat !== chat) continue;
      dayLine(message.createdAt);
      list.append(outgoingMessage(message, (id) => this.#trySend(id)));
    }
    const switched = this.#shown !== chat;
    this.#shown = chat;
    if (switched || (follow && atBottom)) list.scrollTop = list.scrollHeight;
    else list.scrollTop = list.scrollHeight - fromBottom;
  }

  #toast(text: string) {
    const toast = byId("toast");
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(this.#toastTimer);
    this.#toastTimer = setTimeout(() => toast.hidden = true, 4000);
  }
}

/** The tab's resume token, if a login left one. */
function savedToken(): { user: string; token: string } | undefined {
  try {
    const saved = JSON.parse(tabItem(TOKEN_KEY) ?? "null");
    return typeof saved?.user === "string" && typeof saved?.token === "string"
      ? saved
      : undefined;
  } catch {
    return undefined;
  }
}

/** Forgets the tab's token and its open chat: a reload shows the form. */
function forgetTabLogin(): void {
  setTabItem(TOKEN_KEY, undefined);
  setTabItem(OPEN_KEY, undefined);
}

/** What the tab keeps under `key` (session storage: gone with the tab). */
function tabItem(key: string): string | undefined {
  try {
    return sessionStorage.getItem(key) ?? undefined;
  } catch {
    // Storage refused (private mode, a sandbox): as after a fresh start.
    return undefined;
  }
}

/** Keeps `value` under `key` for the tab, or forgets it (`undefined`). */
function setTabItem(key: string, value: string | undefined): void {
  try {
    if (value === undefined) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // As above: a reload shows the form.
  }
}
