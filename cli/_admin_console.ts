// Copyright 2026 the framewire authors. MIT license.
// The operator's console, shared by cli/admin.ts (remote, with the admin
// token) and `cli/server.ts --admin` (the server's own terminal). It works
// on the ChatAdmin interface, so both run the same code. Like the chat
// client, it reads commands and prints watched messages at the same time.
import type { ChatAddress, ChatAdmin, ChatMessage } from "../chat/mod.ts";
import { ChatError } from "../chat/mod.ts";
import {
  formatError,
  formatMessage,
  plural,
  type Print,
  record,
} from "./_chat_cli.ts";

export const ADMIN_HELP =
  `Admin commands (every line is a command: text goes out only with /send):
  /chats            every chat: members, who is online, message count
  /connections      every connection: id, peer, user, open chats, bytes
  /watch CHAT       watch #room or @alice,bob live (shows its last messages)
  /unwatch          stop watching
  /send TEXT        send TEXT as "admin" into the watched chat
  /revoke USER      a lost device: drop USER's resume tokens (no page of
                    theirs logs in again by reload) and close their session
  /help             this list
  /quit             leave (also Ctrl-D / end of input)`;

/**
 * Runs the console over `lines` until /quit or their end. Every command is
 * awaited before the next is read (answers print in order), but watched
 * messages print as soon as they arrive, whatever the input is doing.
 */
export async function adminConsole(
  admin: ChatAdmin,
  lines: AsyncIterable<string>,
  print: Print,
  human: boolean,
): Promise<void> {
  let watched: ChatAddress | undefined;
  const show = (message: ChatMessage) => print(formatMessage(message, human));
  for await (const line of lines) {
    const text = line.trim();
    if (text === "") continue;
    if (!text.startsWith("/")) {
      // Never posted by itself: a command typed without its "/" (clear,
      // quit) must not land in a user's chat as the admin's message.
      print(formatError(
        "UNKNOWN_COMMAND",
        watched === undefined
          ? `"${text}" is not a command; try /help`
          : `"${text}" was not sent; to post it into ${watched}, type /send ${text}`,
        human,
      ));
      continue;
    }
    const [command, ...rest] = text.split(/\s+/);
    const argument = rest.join(" ");
    try {
      switch (command) {
        case "/chats": {
          const chats = await admin.chats();
          if (human && chats.length === 0) print("No chats yet.");
          for (const chat of chats) {
            print(
              human
                ? `${chat.active ? "*" : " "} ${chat.chat} ${
                  plural(chat.messages, "message")
                }; members ${chat.members.join(", ")}; online ${
                  chat.online.join(", ") || "-"
                }`
                : record("chat", {
                  chat: chat.chat,
                  kind: chat.kind,
                  active: chat.active,
                  messages: chat.messages,
                  members: chat.members.join(","),
                  online: chat.online.join(","),
                  last_at: chat.lastAt,
                }),
            );
          }
          if (!human) print(record("chats_end", { count: chats.length }));
          break;
        }
        case "/connections":
        case "/conns": {
          const connections = await admin.connections();
          for (const c of connections) {
            print(
              human
                ? `#${c.id} ${c.remoteAddress} ${c.user ?? "(not logged in)"}${
                  c.admin ? " [admin]" : ""
                } open ${
                  c.open.join(", ") || "-"
                }; ${c.bytesIn} B in, ${c.bytesOut} B out`
                : record("connection", {
                  id: c.id,
                  peer: c.remoteAddress,
                  type: c.clientType ?? "-",
                  user: c.user ?? "-",
                  admin: c.admin,
                  open: c.open.join(",") || "-",
                  bytes_in: c.bytesIn,
                  bytes_out: c.bytesOut,
                }),
            );
          }
          if (!human) {
            print(record("connections_end", { count: connections.length }));
          }
          break;
        }
        case "/watch":
        case "/open": {
          if (argument === "") {
            throw new ChatError(
              "MISSING_FIELD",
              "Give a chat: /watch #room or /watch @alice,bob",
            );
          }
          if (watched !== undefined) await admin.unwatch(watched);
          watched = undefined;
          const backlog = await admin.watch(argument, show);
          watched = backlog[0]?.chat ?? argument;
          if (human) {
            print(`-- watching ${watched} (last ${backlog.length}) --`);
          }
          for (const message of backlog) {
            print(formatMessage(message, human, "history"));
          }
          if (!human) {
            print(
              record("watching", { chat: watched, backlog: backlog.length }),
            );
          }
          break;
        }
        case "/unwatch": {
          if (watched !== undefined) await admin.unwatch(watched);
          if (human) print(`-- stopped watching ${watched ?? "nothing"} --`);
          else print(record("unwatched", { chat: watched ?? "-" }));
          watched = undefined;
          break;
        }
        case "/send": {
          if (watched === undefined) {
            throw new ChatError("NO_CHAT", "Watch a chat first: /watch #room");
          }
          const ack = await admin.send(watched, argument);
          if (!human) print(record("sent", { chat: ack.chat, seq: ack.seq }));
          break;
        }
        case "/revoke": {
          const user = argument.replace(/^@/, "");
          const tokens = await admin.revoke(user);
          if (human) {
            print(`-- ${plural(tokens, "resume token")} of ${user} dropped --`);
          } else print(record("revoked", { user, tokens }));
          break;
        }
        case "/help":
          print(ADMIN_HELP);
          break;
        case "/quit":
        case "/exit":
          return;
        default:
          throw new ChatError(
            "UNKNOWN_COMMAND",
            `Unknown command ${command}; try /help`,
          );
      }
    } catch (error) {
      if (error instanceof ChatError) {
        if (error.code === "CONNECTION_CLOSED") return;
        print(formatError(error.code, error.message, human));
      } else {
        print(formatError("ERROR", (error as Error).message, human));
      }
    }
  }
}
