// Copyright 2026 the framewire authors. MIT license.
// What cli/server.ts does before it serves: its help text, a trial bind of
// the address (so that a taken port is reported as such, before any store
// is opened or created), the admin token from a file, and removing the
// database files a failed start created.
import { resolveServeOptions, type ServeOptions } from "../mod.ts";

export const SERVER_HELP = `Usage: deno run -A cli/server.ts [options]

Starts a framewire server. Ping frames get a Pong with the same payload and
Debug frames are logged; other frame types belong to protocol modules.
Ctrl-C or SIGTERM stops it gracefully (a second one stops it at once).

Options:
      --host HOST               address to bind (default 127.0.0.1)
  -p, --port PORT               TCP port; 0 picks a free one (default 9000)
      --unix PATH               listen on a Unix socket instead of TCP
      --tls-cert FILE           PEM certificate chain; serves TLS (needs --tls-key)
      --tls-key FILE            PEM private key for --tls-cert
      --http-port PORT          serve /healthz, /livez and /metrics over HTTP
                                on PORT (0 picks a free one) at --host
                                (127.0.0.1 with --unix); default: off. Also
                                /ws: the same protocol over WebSocket (one
                                frame per binary message). HTTPS and wss:
                                with --tls-cert
      --allow-origin ORIGIN     let pages of ORIGIN (https://chat.example, or
                                *) open /ws; repeatable (default: the page's
                                own origin only)
      --max-connections N       most clients served at once (default 10000)
      --max-frame-length BYTES  largest payload accepted (default 1048576)
      --max-queued-bytes BYTES  outbound queue limit per client (default 1048576)
      --idle-timeout-ms MS      close clients silent this long (default: never)
      --send-timeout-ms MS      close clients whose replies stay unread this
                                long (default 30000)
      --max-lingering-refusals N
                                SERVER_FULL refusals kept open for the client
                                to read them; more are closed at once (default 64)
      --shutdown-timeout-ms MS  grace for in-flight requests on stop (default 10000)
      --heartbeat-ms MS         Ping a client silent this long (default 30000)
      --heartbeat-timeout-ms MS close a client that answers no Ping within
                                this long (HEARTBEAT_TIMEOUT; default 15000)
      --frame-stall-ms MS       close a client silent this long inside a frame
                                (FRAME_STALLED; default 20000)
      --first-frame-timeout-ms MS
                                close a client with no complete frame this long
                                after connecting (FIRST_FRAME_TIMEOUT; default 10000)
      --max-connections-per-host N
                                most clients from one address (IPv6: one /64);
                                HOST_LIMIT beyond (default: off, since clients
                                behind a NAT or load balancer share one address)
      --max-connections-per-host-per-second N
                                most new connections per second from one
                                address; CONNECTION_RATE_LIMITED beyond (default: off)
                                The six flags above take "off" to turn them off.
      --files DIR               serve the files under DIR for download (get)
      --uploads DIR             accept uploads (put) into DIR
      --db PATH|URL             serve chat, with this database (created if
                                missing): a SQLite file or
                                postgres://USER@HOST:PORT/DB (default
                                $FRAMEWIRE_CHAT_DB; neither: chat is off)
      --cluster nats://HOST:PORT
                                run as one node of a cluster: live delivery
                                between nodes through NATS (needs a postgres:// --db)
      --node-id NAME            this node's name in admin lists and metrics
      --db-sync FULL|NORMAL     FULL: an acknowledged message survives power
                                loss; NORMAL: only a crash of the server (default FULL)
      --admin-token-file FILE   lets cli/admin.ts log in with the token in
                                FILE (default $FRAMEWIRE_ADMIN_TOKEN; none:
                                remote admin off)
      --admin-token TOKEN       the same, from the command line (visible in
                                ps and the shell history: prefer the above)
      --admin                   run the chat admin console on this terminal
                                (info log lines stay off the terminal while
                                it is open; redirect stderr to keep them)
      --max-message-bytes N     longest chat message, UTF-8 bytes (default 4096)
      --password-iterations N   PBKDF2 iterations for new accounts (default
                                210000; lower only for tests)
      --max-accounts N          most chat accounts (default 10000)
      --max-rooms-per-user N    most rooms one account may create (default 20)
      --max-room-members N      most members of a room (default 1000)
      --resume-token-hours N    how long the token that keeps a web page logged
                                in across reloads lasts (default 168, 0: off)
      --max-concurrent-hashes N password hashes at once (default 4)
      --message-rate-limit N    chat messages per second per user, after the
                                burst; more get RATE_LIMITED (default 50, 0: off)
      --message-burst N         chat messages a user may send at once (default 1000)
  -q, --quiet                   log warnings and errors only
  -h, --help                    show this help
  -V, --version                 show the version

Output: the listen address on stdout ("listening tcp://HOST:PORT" when not a
terminal, then "listening http://HOST:PORT" with --http-port), one log line
per event on stderr.`;

/**
 * Binds the address `options` give and lets it go at once, so that a start
 * that cannot listen fails before it opens (or creates) anything. TLS is
 * bound with its certificate and key, which checks them too.
 *
 * @throws {Error} `cannot listen on WHERE: REASON`.
 * @throws {TypeError | RangeError} For an option out of range.
 */
export function probeListen(options: ServeOptions): void {
  // Every option (a port above 65535 among them) is checked first, with
  // the library's own message.
  resolveServeOptions(options);
  const where = options.path ?? `${options.hostname}:${options.port}`;
  try {
    if (options.path !== undefined) {
      // A socket file left there is the real server's business (it refuses
      // to bind over it): only a missing one is tried, then removed.
      if (exists(options.path)) return;
      Deno.listen({ transport: "unix", path: options.path }).close();
      // Closing removes the file on some systems, not on others.
      removeFiles([options.path]);
      return;
    }
    const address = { hostname: options.hostname, port: options.port ?? 0 };
    const tls = options.tls as { cert?: string; key?: string } | undefined;
    const listener = tls?.cert !== undefined && tls.key !== undefined
      ? Deno.listenTls({ ...address, cert: tls.cert, key: tls.key })
      : Deno.listen({ ...address, transport: "tcp" });
    listener.close();
  } catch (error) {
    throw new Error(`cannot listen on ${where}: ${listenReason(error)}`);
  }
}

/** The OS's reason, with the cases a user meets most put in plain words. */
export function listenReason(error: unknown): string {
  if (error instanceof Deno.errors.AddrInUse) {
    return "address already in use (is another server running there?)";
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return "permission denied (ports below 1024 need privileges)";
  }
  return (error as Error).message;
}

/**
 * The files a SQLite database at `path` is made of that do not exist yet,
 * so that a failed start can remove what it created and nothing else.
 */
export function missingDatabaseFiles(path: string | undefined): string[] {
  if (path === undefined) return [];
  return [path, `${path}-wal`, `${path}-shm`, `${path}-journal`].filter(
    (file) => !exists(file),
  );
}

/** Removes the files (quietly: some may never have been created). */
export function removeFiles(files: readonly string[]): void {
  for (const file of files) {
    try {
      Deno.removeSync(file);
    } catch {
      // Not created after all.
    }
  }
}

/**
 * The admin token: `--admin-token`, else the first line of
 * `--admin-token-file`, else `FRAMEWIRE_ADMIN_TOKEN`. An empty token means
 * none (remote admin off).
 *
 * @throws {Error} For both flags at once, or a file that cannot be read or
 * holds no token.
 */
export function adminToken(
  flag: string | undefined,
  file: string | undefined,
  env: string | undefined,
): string | undefined {
  if (flag !== undefined && file !== undefined) {
    throw new Error("give --admin-token or --admin-token-file, not both");
  }
  let token = flag ?? env;
  if (file !== undefined) token = readTokenFile("--admin-token-file", file);
  return token === "" ? undefined : token;
}

/**
 * A token kept in a file: its first line, without surrounding blanks.
 *
 * @throws {Error} If the file cannot be read or holds no token.
 */
export function readTokenFile(flag: string, path: string): string {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    throw new Error(
      `cannot read ${flag} "${path}": ${(error as Error).message}`,
    );
  }
  const token = text.split("\n")[0].trim();
  if (token === "") throw new Error(`${flag} "${path}" holds no token`);
  return token;
}

/**
 * What a started server serves, for the line under its address on a
 * terminal: `ping, chat (data/chat.db), files (data/files), uploads (...)`.
 */
export function servedList(
  db: string | undefined,
  files: string | undefined,
  uploads: string | undefined,
): string {
  const parts = ["ping"];
  parts.push(db === undefined ? "chat off (no --db)" : `chat (${redact(db)})`);
  if (files !== undefined) parts.push(`files (${files})`);
  if (uploads !== undefined) parts.push(`uploads (${uploads})`);
  return parts.join(", ");
}

/** A database URL without its password. */
function redact(db: string): string {
  return db.replace(/^(\w+:\/\/[^:@/]*):[^@/]*@/, "$1:***@");
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
