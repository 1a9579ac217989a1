// Copyright 2026 the framewire authors. MIT license.
/**
 * The chat operator's console over the network: logs in with the server's
 * admin token, lists every chat and connection, watches a chat live and
 * sends into it as `admin`.
 *
 * ```sh
 * FRAMEWIRE_ADMIN_TOKEN=… deno run -A cli/admin.ts 127.0.0.1:9000
 * FRAMEWIRE_ADMIN_TOKEN=… deno run -A cli/admin.ts 10.0.0.1:9000,10.0.0.2:9000
 * deno run -A cli/admin.ts 127.0.0.1:9000 --token … chats   # one command, then exit
 * ```
 *
 * @module
 */
import { ChatAdminClient } from "../chat/mod.ts";
import {
  chatConnectFlags,
  formatError,
  formatReconnect,
  loginFailure,
  readLines,
  readSecret,
  RECONNECT_MS,
  reconnectFlag,
} from "./_chat_cli.ts";
import {
  connectHint,
  HELP_VERSION_FLAGS,
  helpOrVersion,
  parseFlags,
} from "./_flags.ts";
import { readTokenFile } from "./_server_start.ts";
import { ADMIN_HELP, adminConsole } from "./_admin_console.ts";

const HELP =
  `Usage: deno run -A cli/admin.ts HOST:PORT[,HOST:PORT...] [options] [COMMAND]
       deno run -A cli/admin.ts ws://HOST:PORT/ws [options] [COMMAND]
       deno run -A cli/admin.ts --unix PATH [options] [COMMAND]

Connects to a framewire chat server as its operator. The admin token comes
from --token-file, --token, FRAMEWIRE_ADMIN_TOKEN, or a prompt on a
terminal; the server must have been started with the same token
(--admin-token-file or FRAMEWIRE_ADMIN_TOKEN). Without COMMAND,
reads commands from stdin until /quit or end of input; with COMMAND (chats,
connections), runs it and exits. Several addresses (the nodes of a cluster)
are tried in order; a lost connection is replaced with backoff (to the next
address), the watched chat is watched again, and "reconnecting ..." and
"reconnected ..." lines are printed. A ws:// or wss:// URL reaches the
server's /ws endpoint (cli/server.ts --http-port).

Options:
      --token-file FILE  read the server's admin token from FILE
      --token TOKEN    the token itself (visible in ps: prefer the above)
      --unix PATH      connect to a Unix socket instead of HOST:PORT
      --tls            connect with TLS
      --ca FILE        extra trusted CA certificate (PEM) for --tls
      --retry          retry connecting until the server is up (about 10 s)
      --reconnect-ms MS  give up reconnecting after MS without a server
                       (default ${RECONNECT_MS}; 0: never reconnect)
  -h, --help           show this help
  -V, --version        show the version

${ADMIN_HELP}

Output: human lines on a terminal; otherwise one record per line, such as
"chat chat=#general kind=room active=true messages=N members=a,b online=a",
"connection id=N peer=ADDR type=chat user=U admin=false open=@bob ...",
"message chat=C seq=N from=U text=JSON", "sent chat=C seq=N",
"error code=X message=JSON", "reconnecting attempt=N address=A code=X",
"reconnected address=A". Exits 1 if the login fails.`;

/**
 * Runs the console.
 *
 * @param args Command-line arguments.
 * @returns The exit code: 0 after /quit or end of input, 1 on bad usage or
 * a refused login.
 */
export async function main(args: string[]): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseFlags(
      args,
      {
        token: { type: "string" },
        "token-file": { type: "string" },
        unix: { type: "string" },
        tls: { type: "boolean", default: false },
        ca: { type: "string" },
        retry: { type: "boolean", default: false },
        "reconnect-ms": { type: "string" },
        ...HELP_VERSION_FLAGS,
      } as const,
      true,
    ));
  } catch (error) {
    console.error(`admin: ${(error as Error).message}`);
    return 1;
  }
  const shown = helpOrVersion(values, HELP);
  if (shown !== undefined) return shown;
  let connect;
  let reconnect;
  let command: string | undefined;
  try {
    const target = values.unix === undefined ? positionals.shift() : undefined;
    command = positionals.shift();
    if (positionals.length > 0) {
      throw new Error(`unexpected argument "${positionals[0]}"`);
    }
    if (
      command !== undefined && command !== "chats" && command !== "connections"
    ) {
      throw new Error(
        `unknown command "${command}": expected chats or connections`,
      );
    }
    connect = chatConnectFlags(target, values);
    reconnect = reconnectFlag(values["reconnect-ms"]);
    if (values.token !== undefined && values["token-file"] !== undefined) {
      throw new Error("give --token or --token-file, not both");
    }
    if (values["token-file"] !== undefined) {
      values.token = readTokenFile("--token-file", values["token-file"]);
    }
  } catch (error) {
    console.error(`admin: ${(error as Error).message}`);
    return 1;
  }
  let token = values.token ?? Deno.env.get("FRAMEWIRE_ADMIN_TOKEN");
  if (token === undefined) {
    if (!Deno.stdin.isTerminal()) {
      console.error(
        "admin: needs --token-file, --token or FRAMEWIRE_ADMIN_TOKEN when stdin is not a terminal",
      );
      return 1;
    }
    token = await readSecret("Admin token: ");
    if (token === undefined) return 1;
  }
  const human = Deno.stdout.isTerminal();
  const print = (line: string) => console.log(line);
  let admin: ChatAdminClient;
  try {
    admin = await ChatAdminClient.connect({
      ...connect,
      token,
      reconnect,
      onReconnect: (event) => print(formatReconnect(event, human)),
      onError: (error) => print(formatError(error.code, error.message, human)),
    });
  } catch (error) {
    console.error(
      `admin: ${loginFailure("admin", error, connectHint(error))}`,
    );
    return 1;
  }
  try {
    if (human && command === undefined) {
      print("Logged in as admin. /help lists the commands.");
    }
    const lines = command === undefined
      ? readLines(Deno.stdin.readable)
      : (async function* () {
        yield `/${command}`;
      })();
    // Stop when the server goes away, even while stdin waits for a line.
    await Promise.race([
      adminConsole(admin, lines, print, human),
      admin.finished,
    ]);
  } finally {
    await admin.close();
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
