// Copyright 2026 the framewire authors. MIT license.
// The help texts of cli/client.ts: a short overview for `--help`, and one
// page per command for `COMMAND --help`, so that nobody scrolls through
// sixty lines to find one flag.
import { CHAT_HELP } from "./_chat_terminal.ts";
import { RECONNECT_MS } from "./_chat_cli.ts";

const RUN = "deno run -A cli/client.ts";

const CONNECT_FLAGS = `Where to connect:
      --unix PATH      a Unix socket instead of HOST:PORT
      --tls            connect with TLS
      --ca FILE        extra trusted CA certificate (PEM); implies --tls
      --retry          retry connecting until the server is up (about 10 s)`;

/** `cli/client.ts --help`. */
export const CLIENT_HELP = `Usage: ${RUN} COMMAND [options]

Commands:
  ping HOST:PORT             send Pings and print round-trip times
  get HOST:PORT PATH         download a file from the server (--files)
  put HOST:PORT FILE [NAME]  upload a file to the server (--uploads)
  chat HOST:PORT --user NAME chat in the terminal

${CONNECT_FLAGS}

"${RUN} COMMAND --help" shows a command's options and output.
  -h, --help           show this help
  -V, --version        show the version`;

/** Per command: `cli/client.ts COMMAND --help`. */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  ping: `Usage: ${RUN} ping HOST:PORT [options]
       ${RUN} ping --unix PATH [options]

Sends Ping frames to a framewire server and prints each round-trip time,
then the loss and min/median/p99. Exits 0 if every Ping got its Pong.

Options:
  -c, --count N        Pings to send (default 4)
  -s, --size BYTES     payload bytes per Ping (default 16)
  -i, --interval MS    pause between Pings (default 1000)
  -W, --timeout MS     how long to wait for each Pong (default 2000)

${CONNECT_FLAGS}

Output on a terminal reads like ping(8); otherwise one line per Ping,
"pong seq=N bytes=B rtt_ms=T" or "timeout seq=N", then
"summary sent=N received=N loss_pct=P min_ms=T median_ms=T p99_ms=T".`,

  get: `Usage: ${RUN} get HOST:PORT PATH [-o OUT] [--resume] [--overwrite]

Downloads PATH (relative to the server's --files directory) into OUT
(default: PATH's last segment) through OUT.part, renamed to OUT only once
the size and SHA-256 verify. An existing OUT is kept unless --overwrite is
given. Ctrl-C stops the download and keeps OUT.part for --resume. Exits 0
on success, 1 with the error code on stderr.

Options:
  -o, --output OUT     where to write (default: PATH's last segment)
      --resume         continue from OUT.part left by an interrupted get
      --overwrite      replace an existing OUT (also --force)
      --window N       chunks in flight before an acknowledgement (default 8)
      --chunk-bytes N  bytes per chunk (default 262144)

${CONNECT_FLAGS}

Output: a progress bar (bytes, rate, ETA) on a terminal; otherwise one line
"get path=P out=O bytes=N resumed_from=N sha256=H ms=T".`,

  put: `Usage: ${RUN} put HOST:PORT FILE [NAME] [--overwrite]

Uploads FILE into the server's --uploads directory as NAME (default:
FILE's name), renamed into place by the server once verified. An existing
file on the server is kept unless --overwrite is given. Exits 0 on success,
1 with the error code on stderr.

Options:
      --overwrite      replace an existing file on the server (also --force)
      --window N       chunks in flight before an acknowledgement (default 8)
      --chunk-bytes N  bytes per chunk (default 262144)

${CONNECT_FLAGS}

Output: a progress bar on a terminal; otherwise one line
"put path=P bytes=N sha256=H ms=T".`,

  chat: `Usage: ${RUN} chat HOST:PORT[,HOST:PORT...] --user NAME [options]
       ${RUN} chat ws://HOST:PORT/ws --user NAME [options]

Logs in as NAME (the first login registers the name with the password;
the password comes from --password, FRAMEWIRE_PASSWORD, or a prompt on a
terminal, asked twice for a new name), then reads commands and messages
from stdin while printing incoming messages as they arrive. Exits 0 after
/quit or end of input. Several addresses (the nodes of a cluster) are
tried in order; a lost connection is replaced with backoff, the open chat
reopened and unacknowledged messages resent (stored once). A ws:// or wss://
URL reaches a server's /ws endpoint (cli/server.ts --http-port), also
through an HTTP proxy; wss: trusts the system's certificates.

Options:
  -u, --user NAME      user name: a-z 0-9 _ . -, up to 32 characters
      --password PW    password (at least 8 characters for a new name)
      --open CHAT      open a chat right after login (bob, @bob or #room)
      --reconnect-ms MS  give up reconnecting after MS without a server
                       (default ${RECONNECT_MS}; 0: never reconnect)

${CONNECT_FLAGS}

${CHAT_HELP}

Output: human lines on a terminal (your own messages marked "✓" once
stored); otherwise one record per line, in the order of the commands:
"welcome user=U registered=B", "unread chat=C count=N",
"message chat=C seq=N from=U text=JSON", "sent chat=C seq=N",
"opened chat=C delivered=N", "error code=X message=JSON",
"reconnecting attempt=N address=A code=X", "reconnected address=A", "bye"
(and joined, left, members, chat, list_end, history, history_end, online,
closed_chat, closed).`,
};
