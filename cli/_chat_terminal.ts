// Copyright 2026 the framewire authors. MIT license.
// The `chat` subcommand of cli/client.ts: a terminal chat client. Two loops
// run side by side on the event loop, one reading the keyboard (stdin) and
// one printing what the server pushes, so neither ever waits for the other;
// commands are sent without waiting for their answers, which are printed
// when they come.
import type { ConnectOptions, WebSocketConnectOptions } from "../mod.ts";
import {
  type ChatAddress,
  type ChatAddressesOptions,
  ChatClient,
  ChatError,
  type ChatEvent,
  type ChatReconnectOptions,
} from "../chat/mod.ts";
import {
  formatError,
  formatMessage,
  formatReconnect,
  loginFailure,
  plural,
  type Print,
  readLines,
  readSecret,
  record,
} from "./_chat_cli.ts";
import { connectHint } from "./_flags.ts";
import { LineEditor } from "./_line_editor.ts";

/** What the `chat` subcommand needs, parsed by cli/client.ts. */
export interface ChatTerminalSettings {
  /** One server, or the nodes of a cluster. */
  connect: ConnectOptions | ChatAddressesOptions | WebSocketConnectOptions;
  /** Reconnect after a lost connection (`--reconnect-ms`). */
  reconnect: false | ChatReconnectOptions;
  user: string | undefined;
  password: string | undefined;
  /** A chat to open right after login. */
  open: string | undefined;
}

export const CHAT_HELP =
  `Chat commands (a line without "/" is sent to the open chat; your own
lines show with their time and a ✓ once the server has stored them):
  /open NAME        open the chat with user NAME, or room #NAME (its unread
                    messages are shown, then new ones as they come)
  /join ROOM        join (or create) a room and open it
  /leave [ROOM]     leave a room (default: the open one)
  /members [ROOM]   list a room's members
  /list             your chats and their unread counts
  /who              users online now
  /history [N]      the last N messages of the open chat (default 20)
  /close            close the open chat (new messages only counted)
  /help             this list
  /quit             leave (also Ctrl-D / end of input)`;

/**
 * Runs the terminal client until /quit, end of input, or the server closing
 * the connection. Returns the exit code.
 */
export async function chatTerminal(
  settings: ChatTerminalSettings,
  signal: AbortSignal | undefined,
): Promise<number> {
  const human = Deno.stdout.isTerminal();
  const user = settings.user;
  if (user === undefined) {
    console.error("client: chat needs --user NAME (see --help)");
    return 1;
  }
  let password = settings.password ?? Deno.env.get("FRAMEWIRE_PASSWORD");
  // A password typed at the prompt registers a new name only once it has
  // been typed twice: the first login asks for an existing account only.
  let typed = false;
  if (password === undefined) {
    typed = true;
    if (!Deno.stdin.isTerminal()) {
      console.error(
        "client: chat needs --password or FRAMEWIRE_PASSWORD when stdin is not a terminal",
      );
      return 1;
    }
    password = await readSecret(`Password for ${user}: `);
    if (password === undefined) return 1;
  }
  let client: ChatClient;
  try {
    const login = {
      ...settings.connect,
      user,
      password,
      reconnect: settings.reconnect,
    };
    try {
      client = await ChatClient.connect({
        ...login,
        register: typed ? false : undefined,
      });
    } catch (error) {
      if (!(error instanceof ChatError && error.code === "UNKNOWN_USER")) {
        throw error;
      }
      const again = await readSecret(
        `${user} is a new name. Type the password again to register it: `,
      );
      if (again === undefined) return 1;
      if (again !== password) {
        console.error(
          `client: the passwords differ; "${user}" was not registered`,
        );
        return 1;
      }
      client = await ChatClient.connect(login);
    }
  } catch (error) {
    console.error(`client: ${loginFailure(user, error, connectHint(error))}`);
    return 1;
  }
  const interactive = Deno.stdin.isTerminal();
  // Both ends a terminal: the input line is ours to redraw (see
  // _line_editor.ts); otherwise lines are read and printed as they come.
  const editor: LineEditor | undefined = interactive && human
    ? new LineEditor({
      input: Deno.stdin.readable,
      write: (text) => Deno.stdout.writeSync(new TextEncoder().encode(text)),
      setRaw: (raw) => Deno.stdin.setRaw(raw),
      // A message leaves the screen until it is stored; a command, or text
      // that has no chat to go to, stays.
      keepEntered: (line): boolean =>
        line.trim().startsWith("/") || line.trim() === "" ||
        !session.chatOpen,
    })
    : undefined;
  const print: Print = editor === undefined
    ? (line) => console.log(line)
    : (line) => editor.print(line);
  const session = new TerminalSession(client, print, human, editor);
  session.welcome();
  if (settings.open !== undefined) session.handle(`/open ${settings.open}`);
  const onAbort = () => session.quit();
  signal?.addEventListener("abort", onAbort, { once: true });
  if (interactive) Deno.addSignalListener("SIGINT", onAbort);
  try {
    return await session.run(
      editor?.lines() ?? readLines(Deno.stdin.readable),
    );
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (interactive) Deno.removeSignalListener("SIGINT", onAbort);
  }
}

/** One logged-in terminal session: the current chat and the two loops. */
class TerminalSession {
  #client: ChatClient;
  #print: Print;
  #human: boolean;
  #editor: LineEditor | undefined;
  #currentChat: ChatAddress | undefined;
  /** Chats whose open the server confirmed (and that were not closed since). */
  #open = new Set<ChatAddress>();
  #inflight = new Set<Promise<void>>();
  /**
   * Printed when the command before has printed: answers come in the order
   * of the commands (a /history after a send follows its `sent`), whatever
   * order the server answers in.
   */
  #outputTail: Promise<void> = Promise.resolve();
  #quit = Promise.withResolvers<void>();
  #quitting = false;

  constructor(
    client: ChatClient,
    print: Print,
    human: boolean,
    editor?: LineEditor,
  ) {
    this.#client = client;
    this.#print = print;
    this.#human = human;
    this.#editor = editor;
  }

  /** Whether typed text has a chat to go to. */
  get chatOpen(): boolean {
    return this.#currentChat !== undefined;
  }

  /** The chat typed lines go to; the prompt shows it. */
  get #current(): ChatAddress | undefined {
    return this.#currentChat;
  }

  set #current(chat: ChatAddress | undefined) {
    this.#currentChat = chat;
    this.#editor?.setPrompt(chat === undefined ? "> " : `${chat}> `);
  }

  welcome(): void {
    this.#editor?.setPrompt("> ");
    const { user, registered, unread } = this.#client.welcome;
    if (this.#human) {
      this.#print(
        `Logged in as ${user}${
          registered ? " (new account)" : ""
        }. /help lists the commands, /open NAME starts a chat.`,
      );
      const waiting = Object.entries(unread);
      if (waiting.length > 0) {
        this.#print(
          `Unread: ${waiting.map(([chat, n]) => `${chat} (${n})`).join(", ")}`,
        );
      }
      return;
    }
    this.#print(record("welcome", { user, registered }));
    for (const [chat, count] of Object.entries(unread)) {
      this.#print(record("unread", { chat, count }));
    }
  }

  /** Runs both loops; resolves to the exit code. */
  async run(lines: AsyncIterable<string>): Promise<number> {
    const events = this.#showEvents();
    const input = (async () => {
      for await (const line of lines) {
        if (this.#quitting) break;
        this.handle(line);
      }
      this.quit();
    })();
    // Whichever ends first: /quit or end of input, or the server going away.
    const lost = await Promise.race([
      this.#quit.promise.then(() => false),
      events.then(() => true),
    ]);
    this.#editor?.close();
    if (lost) {
      this.#print(
        this.#human ? "Connection closed by the server." : record("closed", {}),
      );
      await this.#client.close();
      return 1;
    }
    // Let the answers to what was typed arrive, then close cleanly (the
    // client confirms every message shown as read).
    await Promise.allSettled([...this.#inflight]);
    await this.#client.close();
    await events;
    this.#print(this.#human ? "Bye." : record("bye", {}));
    void input; // stdin may stay blocked in a read; the program exits anyway.
    return 0;
  }

  quit(): void {
    this.#quitting = true;
    this.#quit.resolve();
  }

  /** Handles one typed line; never waits for the server. */
  handle(line: string): void {
    const text = line.trim();
    if (text === "") return;
    if (!text.startsWith("/")) {
      this.#send(line);
      return;
    }
    const [command, ...rest] = text.split(/\s+/);
    const argument = rest.join(" ");
    switch (command) {
      case "/open":
        this.#openChat(argument);
        return;
      case "/join":
        this.#join(argument);
        return;
      case "/leave":
        this.#leave(argument);
        return;
      case "/members":
        this.#members(argument);
        return;
      case "/list":
        this.#list();
        return;
      case "/who":
        this.#track((out) =>
          this.#client.who().then((users) =>
            out(
              this.#human
                ? `Online: ${users.join(", ")}`
                : record("online", { users: users.join(",") }),
            )
          )
        );
        return;
      case "/history":
        this.#history(argument);
        return;
      case "/close":
        this.#close();
        return;
      case "/help":
        this.#track((out) => Promise.resolve(out(CHAT_HELP)));
        return;
      case "/quit":
      case "/exit":
        this.quit();
        return;
      default:
        this.#track(() =>
          Promise.reject(
            new ChatError(
              "UNKNOWN_COMMAND",
              `Unknown command ${command}; try /help`,
            ),
          )
        );
    }
  }

  async #showEvents(): Promise<void> {
    let event: ChatEvent | undefined;
    while ((event = await this.#client.nextEvent()) !== undefined) {
      switch (event.type) {
        case "message":
          this.#print(formatMessage(event.message, this.#human));
          break;
        case "unread":
          this.#print(
            this.#human
              ? `(${event.count} unread in ${event.chat}: /open ${event.chat})`
              : record("unread", { chat: event.chat, count: event.count }),
          );
          break;
        case "error":
          this.#error(event.error.code, event.error.message);
          break;
        case "reconnecting":
        case "reconnected":
          // The library opens the open chats again: nothing to do here.
          this.#print(formatReconnect(event, this.#human));
          break;
      }
    }
  }

  #send(text: string): void {
    const chat = this.#current;
    if (chat === undefined) {
      this.#fail("NO_CHAT", "No chat is open: /open NAME or /join ROOM first");
      return;
    }
    this.#track((out) =>
      this.#client.send(chat, text).then((ack) => {
        // On a terminal the line is shown once stored, as others see it,
        // with a mark for "stored".
        out(
          this.#human
            ? `${
              formatMessage({
                chat: ack.chat,
                mid: ack.mid,
                seq: ack.seq,
                from: this.#client.welcome.user,
                text,
                ts: ack.ts,
              }, true)
            } ✓`
            : record("sent", { chat: ack.chat, seq: ack.seq }),
        );
      }, (error) => {
        // The editor took the line off the screen: give the text back.
        if (this.#editor !== undefined && error instanceof ChatError) {
          throw new ChatError(
            error.code,
            `${error.message} (not sent: ${text})`,
          );
        }
        throw error;
      })
    );
  }

  #openChat(name: string): void {
    const chat = this.#address(name, "@");
    if (chat === undefined) return;
    // Typed lines go to the new chat from now on; one chat is open at a
    // time, so the others' messages show up as unread counts. The previous
    // one is closed only once the new one opened: a failed /open (no such
    // user) goes back to it.
    const previous = this.#current;
    this.#current = chat;
    this.#track((out) =>
      this.#client.openChat(chat).then(
        async (delivered) => {
          this.#open.add(chat);
          out(
            this.#human
              ? `-- ${chat} (${delivered} new) --`
              : record("opened", { chat, delivered }),
          );
          if (
            previous !== undefined && previous !== chat &&
            this.#current === chat && this.#open.delete(previous)
          ) await this.#client.closeChat(previous);
        },
        (error) => {
          if (this.#current === chat) {
            this.#current = previous;
            if (this.#human && previous !== undefined) {
              out(`-- still in ${previous} --`);
            }
          }
          throw error;
        },
      )
    );
  }

  #join(name: string): void {
    const room = this.#address(name, "#");
    if (room === undefined) return;
    if (!room.startsWith("#")) {
      this.#fail("INVALID_FIELD", `Cannot join ${room}: rooms start with #`);
      return;
    }
    this.#track((out) =>
      this.#client.join(room).then(({ created, members }) => {
        out(
          this.#human
            ? `Joined ${room}${created ? " (new room)" : ""}: ${
              members.join(", ")
            }`
            : record("joined", {
              chat: room,
              created,
              members: members.join(","),
            }),
        );
      })
    );
    this.#openChat(room);
  }

  #leave(name: string): void {
    const room = name === "" ? this.#current : this.#address(name, "#");
    if (room === undefined) {
      this.#fail("NO_CHAT", "Which room? /leave ROOM");
      return;
    }
    if (this.#current === room) this.#current = undefined;
    this.#open.delete(room);
    this.#track((out) =>
      this.#client.leave(room).then(() =>
        out(this.#human ? `Left ${room}` : record("left", { chat: room }))
      )
    );
  }

  #members(name: string): void {
    const room = name === "" ? this.#current : this.#address(name, "#");
    if (room === undefined) {
      this.#fail("NO_CHAT", "Which room? /members ROOM");
      return;
    }
    this.#track((out) =>
      this.#client.members(room).then((members) => {
        const list = members.map((m) => `${m.user}${m.online ? "*" : ""}`);
        out(
          this.#human
            ? `${room}: ${list.join(", ")} (* online)`
            : record("members", {
              chat: room,
              members: members.map((m) => m.user).join(","),
              online: members.filter((m) => m.online).map((m) => m.user).join(
                ",",
              ),
            }),
        );
      })
    );
  }

  #list(): void {
    this.#track((out) =>
      this.#client.chats().then((chats) => {
        if (this.#human && chats.length === 0) out("No chats yet.");
        for (const entry of chats) {
          out(
            this.#human
              ? `${entry.chat}${
                entry.chat === this.#current ? " (open)" : ""
              }: ${entry.unread} unread, ${plural(entry.lastSeq, "message")}`
              : record("chat", {
                chat: entry.chat,
                unread: entry.unread,
                last_seq: entry.lastSeq,
                open: entry.chat === this.#current,
              }),
          );
        }
        if (!this.#human) out(record("list_end", { count: chats.length }));
      })
    );
  }

  #history(argument: string): void {
    const chat = this.#current;
    if (chat === undefined) {
      this.#fail("NO_CHAT", "No chat is open: /open NAME first");
      return;
    }
    const limit = argument === "" ? 20 : Number(argument);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      this.#fail(
        "INVALID_FIELD",
        `Cannot show ${argument} messages: give 1 to 100`,
      );
      return;
    }
    this.#track((out) =>
      this.#client.history(chat, { limit }).then(({ messages }) => {
        if (this.#human) {
          out(`-- last ${plural(messages.length, "message")} of ${chat} --`);
        }
        for (const message of messages) {
          out(formatMessage(message, this.#human, "history"));
        }
        if (!this.#human) {
          out(record("history_end", { chat, count: messages.length }));
        }
      })
    );
  }

  #close(): void {
    const chat = this.#current;
    if (chat === undefined) return;
    this.#current = undefined;
    this.#open.delete(chat);
    this.#track((out) =>
      this.#client.closeChat(chat).then(() =>
        out(
          this.#human
            ? `-- closed ${chat} --`
            : record("closed_chat", { chat }),
        )
      )
    );
  }

  /** `bob` → `@bob` (or `#bob` for rooms); `@bob` and `#room` as given. */
  #address(name: string, sigil: "@" | "#"): ChatAddress | undefined {
    if (name === "") {
      this.#fail("MISSING_FIELD", "Give a name: /open bob, /open #room");
      return undefined;
    }
    return name.startsWith("@") || name.startsWith("#") ? name : sigil + name;
  }

  /**
   * Runs a command: what it prints (through `out`), and its failure, come
   * out after everything the commands before it printed.
   */
  #track(work: (out: Print) => Promise<unknown>): void {
    const lines: string[] = [];
    const out: Print = (line) => lines.push(line);
    const settled = work(out).then(
      () => {},
      (error) => {
        if (error instanceof ChatError) {
          if (error.code !== "CONNECTION_CLOSED") {
            out(formatError(error.code, error.message, this.#human));
          }
        } else out(formatError("ERROR", (error as Error).message, this.#human));
      },
    );
    const tracked = this.#outputTail = Promise.all([
      this.#outputTail,
      settled,
    ]).then(() => {
      for (const line of lines) this.#print(line);
    });
    this.#inflight.add(tracked);
    tracked.finally(() => this.#inflight.delete(tracked));
  }

  /** A command refused before it was sent, in its turn. */
  #fail(code: string, message: string): void {
    this.#track(() => Promise.reject(new ChatError(code, message)));
  }

  #error(code: string, message: string): void {
    this.#print(formatError(code, message, this.#human));
  }
}
