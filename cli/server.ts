// Copyright 2026 the framewire authors. MIT license.
/**
 * The framewire server program: serves TCP, TLS or a Unix socket, answers
 * Pings, logs Debug frames, serves chat (SQLite database `--db`) and files,
 * and shuts down gracefully on Ctrl-C / SIGTERM.
 *
 * ```sh
 * deno run -A cli/server.ts --port 9000
 * deno task start
 * ```
 *
 * Protocol modules plug in through {@linkcode PROTOCOLS}: each registers its
 * frame types with the router, so adding one is one line here.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  formatLogEvent,
  FrameRouter,
  FrameType,
  type LogEvent,
  MetricsRegistry,
  resolveServeOptions,
  serve,
  type ServeOptions,
  type Server,
  type ServerProtocol,
} from "../mod.ts";
import denoJson from "../deno.json" with { type: "json" };
import { FileServer } from "../files/mod.ts";
import { ChatServer, SqliteChatStore } from "../chat/mod.ts";
import { adminConsole } from "./_admin_console.ts";
import { type HttpEndpoint, operationsRoutes, serveHttp } from "./_http.ts";
import { readLines } from "./_chat_cli.ts";
import { openFileLimitWarning, readOpenFileLimit } from "./_open_files.ts";
import {
  type ChatBackendFlags,
  type ChatBackends,
  checkChatBackendFlags,
  isPostgresUrl,
  openChatBackends,
} from "./_chat_backends.ts";
import {
  HELP_VERSION_FLAGS,
  helpOrVersion,
  optionalWholeNumberFlag,
  positiveFlag,
  wholeNumberFlag,
} from "./_flags.ts";

const HELP = `Usage: deno run -A cli/server.ts [options]

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
                                (127.0.0.1 with --unix); default: off
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
      --db PATH|URL             chat database, created if missing: a SQLite
                                file (default $FRAMEWIRE_CHAT_DB or
                                ./framewire-chat.db) or postgres://USER@HOST:PORT/DB
      --cluster nats://HOST:PORT
                                run as one node of a cluster: live delivery
                                between nodes through NATS (needs a postgres:// --db)
      --node-id NAME            this node's name in admin lists and metrics
      --db-sync FULL|NORMAL     FULL: an acknowledged message survives power
                                loss; NORMAL: only a crash of the server (default FULL)
      --admin-token TOKEN       lets cli/admin.ts log in with TOKEN (default
                                $FRAMEWIRE_ADMIN_TOKEN; none: remote admin off)
      --admin                   run the chat admin console on this terminal
      --max-message-bytes N     longest chat message, UTF-8 bytes (default 4096)
      --password-iterations N   PBKDF2 iterations for new accounts (default
                                210000; lower only for tests)
      --max-accounts N          most chat accounts (default 10000)
      --max-rooms-per-user N    most rooms one account may create (default 20)
      --max-room-members N      most members of a room (default 1000)
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
 * Protocol modules served by the program, in registration order. Each one
 * owns its frame types; the router refuses a type claimed twice.
 */
export const PROTOCOLS: readonly ServerProtocol[] = [];

/**
 * The program's handler: Debug frames are logged, and every protocol in
 * {@linkcode PROTOCOLS} is registered.
 *
 * @param log Where Debug frames are reported.
 * @param protocols The protocol modules to register: {@linkcode PROTOCOLS}
 * plus those that flags enable (`--files`, `--uploads`).
 * @returns The router.
 *
 * @example
 * ```ts
 * import { createServerHandler } from "./server.ts";
 * import assert from "node:assert/strict";
 *
 * const router = createServerHandler(() => {});
 * assert.ok(router.frameTypes.has(1)); // Debug
 * ```
 */
export function createServerHandler(
  log: (event: LogEvent) => void,
  protocols: readonly ServerProtocol[] = PROTOCOLS,
): FrameRouter {
  const decoder = new TextDecoder();
  const router = new FrameRouter().route(FrameType.Debug, (frame, conn) => {
    log({
      level: "info",
      event: "debug_frame",
      message: JSON.stringify(decoder.decode(frame.payload)),
      connectionId: conn.id,
      remoteAddress: conn.remoteAddress,
    });
  }, "debug");
  for (const protocol of protocols) router.use(protocol);
  return router;
}

/**
 * Runs the server until SIGINT/SIGTERM or `signal` aborts.
 *
 * @param args Command-line arguments.
 * @param signal Stops the server gracefully when aborted (used by tests).
 * @returns The exit code: 0 after a clean stop, 1 on bad usage or when the
 * server cannot start, 130 after a forced stop.
 */
export async function main(
  args: string[],
  signal?: AbortSignal,
): Promise<number> {
  let options: ServeOptions;
  let quiet: boolean;
  let filesDir: string | undefined;
  let uploadsDir: string | undefined;
  let chatOptions: ConstructorParameters<typeof ChatServer>[0];
  let adminHere: boolean;
  let backendFlags: ChatBackendFlags;
  let httpPort: number | undefined;
  let httpHost: string;
  try {
    const { values } = parseArgs({
      args,
      options: {
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", short: "p", default: "9000" },
        unix: { type: "string" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        "http-port": { type: "string" },
        "max-connections": { type: "string" },
        "max-frame-length": { type: "string" },
        "max-queued-bytes": { type: "string" },
        "idle-timeout-ms": { type: "string" },
        "send-timeout-ms": { type: "string" },
        "max-lingering-refusals": { type: "string" },
        "shutdown-timeout-ms": { type: "string" },
        "heartbeat-ms": { type: "string" },
        "heartbeat-timeout-ms": { type: "string" },
        "frame-stall-ms": { type: "string" },
        "first-frame-timeout-ms": { type: "string" },
        "max-connections-per-host": { type: "string" },
        "max-connections-per-host-per-second": { type: "string" },
        files: { type: "string" },
        uploads: { type: "string" },
        db: { type: "string" },
        cluster: { type: "string" },
        "node-id": { type: "string" },
        "db-sync": { type: "string", default: "FULL" },
        "admin-token": { type: "string" },
        admin: { type: "boolean", default: false },
        "max-message-bytes": { type: "string" },
        "password-iterations": { type: "string" },
        "max-accounts": { type: "string" },
        "max-rooms-per-user": { type: "string" },
        "max-room-members": { type: "string" },
        "max-concurrent-hashes": { type: "string" },
        "message-rate-limit": { type: "string" },
        "message-burst": { type: "string" },
        quiet: { type: "boolean", short: "q", default: false },
        ...HELP_VERSION_FLAGS,
      },
    });
    const shown = helpOrVersion(values, HELP);
    if (shown !== undefined) return shown;
    quiet = values.quiet;
    filesDir = values.files;
    uploadsDir = values.uploads;
    adminHere = values.admin;
    httpPort = values["http-port"] === undefined
      ? undefined
      : wholeNumberFlag("--http-port", values["http-port"]);
    if (httpPort !== undefined && httpPort > 65535) {
      throw new Error(
        `invalid --http-port "${httpPort}": expected at most 65535`,
      );
    }
    httpHost = values.unix !== undefined ? "127.0.0.1" : values.host;
    const sync = values["db-sync"].toUpperCase();
    if (sync !== "FULL" && sync !== "NORMAL") {
      throw new Error(
        `invalid --db-sync "${values["db-sync"]}": expected FULL or NORMAL`,
      );
    }
    const adminToken = values["admin-token"] ??
      Deno.env.get("FRAMEWIRE_ADMIN_TOKEN");
    backendFlags = {
      db: values.db ?? Deno.env.get("FRAMEWIRE_CHAT_DB") ??
        "framewire-chat.db",
      cluster: values.cluster,
      nodeId: values["node-id"],
    };
    checkChatBackendFlags(backendFlags);
    chatOptions = {
      path: isPostgresUrl(backendFlags.db) ? undefined : backendFlags.db,
      nodeId: values["node-id"],
      synchronous: sync,
      adminToken: adminToken === "" ? undefined : adminToken,
      maxMessageBytes: positiveFlag(
        "--max-message-bytes",
        values["max-message-bytes"],
      ),
      passwordIterations: positiveFlag(
        "--password-iterations",
        values["password-iterations"],
      ),
      maxAccounts: positiveFlag("--max-accounts", values["max-accounts"]),
      maxRoomsPerUser: positiveFlag(
        "--max-rooms-per-user",
        values["max-rooms-per-user"],
      ),
      maxRoomMembers: positiveFlag(
        "--max-room-members",
        values["max-room-members"],
      ),
      maxConcurrentHashes: positiveFlag(
        "--max-concurrent-hashes",
        values["max-concurrent-hashes"],
      ),
      messageRateLimit: optionalWholeNumberFlag(
        "--message-rate-limit",
        values["message-rate-limit"],
      ),
      messageBurst: positiveFlag("--message-burst", values["message-burst"]),
    };
    const certFile = values["tls-cert"];
    const keyFile = values["tls-key"];
    if ((certFile === undefined) !== (keyFile === undefined)) {
      throw new Error("--tls-cert and --tls-key go together");
    }
    if (values.unix !== undefined && certFile !== undefined) {
      throw new Error("--unix cannot be combined with --tls-cert");
    }
    options = {
      ...(values.unix !== undefined ? { path: values.unix } : {
        hostname: values.host,
        port: wholeNumberFlag("--port", values.port),
      }),
      tls: certFile !== undefined
        ? {
          cert: readFile("--tls-cert", certFile),
          key: readFile("--tls-key", keyFile!),
        }
        : undefined,
      maxConnections: optionalWholeNumberFlag(
        "--max-connections",
        values["max-connections"],
      ),
      maxFrameLength: optionalWholeNumberFlag(
        "--max-frame-length",
        values["max-frame-length"],
      ),
      maxQueuedBytes: optionalWholeNumberFlag(
        "--max-queued-bytes",
        values["max-queued-bytes"],
      ),
      idleTimeoutMs: optionalWholeNumberFlag(
        "--idle-timeout-ms",
        values["idle-timeout-ms"],
      ),
      sendTimeoutMs: positiveFlag(
        "--send-timeout-ms",
        values["send-timeout-ms"],
      ),
      maxLingeringRefusals: optionalWholeNumberFlag(
        "--max-lingering-refusals",
        values["max-lingering-refusals"],
      ),
      shutdownTimeoutMs: optionalWholeNumberFlag(
        "--shutdown-timeout-ms",
        values["shutdown-timeout-ms"],
      ),
      heartbeatMs: limitFlag("--heartbeat-ms", values["heartbeat-ms"]),
      heartbeatTimeoutMs: limitFlag(
        "--heartbeat-timeout-ms",
        values["heartbeat-timeout-ms"],
      ),
      frameStallMs: limitFlag("--frame-stall-ms", values["frame-stall-ms"]),
      firstFrameTimeoutMs: limitFlag(
        "--first-frame-timeout-ms",
        values["first-frame-timeout-ms"],
      ),
      maxConnectionsPerHost: limitFlag(
        "--max-connections-per-host",
        values["max-connections-per-host"],
      ),
      maxConnectionsPerHostPerSecond: limitFlag(
        "--max-connections-per-host-per-second",
        values["max-connections-per-host-per-second"],
      ),
    };
  } catch (error) {
    console.error(`server: ${(error as Error).message}`);
    return 1;
  }

  // Each client is a descriptor: warn before the limit turns them away.
  try {
    const resolved = resolveServeOptions(options);
    const warning = openFileLimitWarning(
      resolved.maxConnections + resolved.maxLingeringRefusals,
      readOpenFileLimit(),
    );
    if (warning !== undefined) console.error(`server: ${warning}`);
  } catch {
    // A bad option: serve() below reports it.
  }

  const log = (event: LogEvent) => {
    if (quiet && event.level === "info") return;
    console.error(formatLogEvent(event));
  };
  let files: FileServer | undefined;
  if (filesDir !== undefined || uploadsDir !== undefined) {
    try {
      files = new FileServer({
        root: filesDir,
        uploadDir: uploadsDir,
        logger: log,
      });
    } catch (error) {
      console.error(`server: cannot serve files: ${(error as Error).message}`);
      return 1;
    }
  }
  let backends: ChatBackends;
  try {
    backends = await openChatBackends(backendFlags);
  } catch (error) {
    await files?.close();
    console.error(`server: cannot serve chat: ${(error as Error).message}`);
    return 1;
  }
  let chat: ChatServer;
  try {
    chat = new ChatServer({
      ...chatOptions,
      store: backends.store,
      bus: backends.bus,
      nodeId: chatOptions.nodeId ?? backends.nodeId,
      logger: log,
    });
  } catch (error) {
    await backends.close();
    await files?.close();
    console.error(`server: cannot serve chat: ${(error as Error).message}`);
    return 1;
  }
  // --- tests (issue 14): say the durability in force, read back from SQLite ---
  if (chat.store instanceof SqliteChatStore) {
    log({
      level: "info",
      event: "chat_database",
      message:
        `Chat database ${chat.store.path} (synchronous=${chat.store.synchronous})`,
    });
  }
  // --- end tests (issue 14) ---
  const protocols = files === undefined
    ? [...PROTOCOLS, chat]
    : [...PROTOCOLS, files, chat];
  const metrics = httpPort === undefined ? undefined : new MetricsRegistry();
  // The chat server, then the store and bus it was given (it does not own
  // them).
  const closeChat = async () => {
    await chat.close();
    await backends.close();
  };
  let server: Server;
  try {
    server = serve(
      { ...options, logger: log, metrics },
      createServerHandler(log, protocols),
    );
  } catch (error) {
    await closeChat();
    await files?.close();
    const where = options.path ?? `${options.hostname}:${options.port}`;
    console.error(
      `server: cannot listen on ${where}: ${(error as Error).message}`,
    );
    return 1;
  }
  if (Deno.stdout.isTerminal()) {
    console.log(
      `framewire ${denoJson.version} listening on ${server.address} (Ctrl-C to stop)`,
    );
  } else {
    console.log(`listening ${server.address}`);
  }

  const forced = Promise.withResolvers<number>();
  let stopping = false;
  let http: HttpEndpoint | undefined;
  if (httpPort !== undefined) {
    chat.registerMetrics(metrics!);
    metrics!.gauge({
      name: "process_resident_memory_bytes",
      help: "Resident set size of the server process, in bytes.",
      collect: () => Deno.memoryUsage().rss,
    });
    const startedS = Date.now() / 1000;
    metrics!.gauge({
      name: "process_start_time_seconds",
      help: "When the server process started, in seconds since the Unix epoch.",
      collect: () => startedS,
    });
    try {
      http = await serveHttp({
        hostname: httpHost,
        port: httpPort,
        // Not ready while stopping, so a load balancer drains this node.
        routes: operationsRoutes(metrics!, () =>
          stopping
            ? Promise.resolve({
              ready: false,
              checks: { server: "shutting down" },
            })
            : chat.health()),
        onError: (error) =>
          log({
            level: "error",
            event: "http_error",
            message: `Cannot answer HTTP request: ${
              error instanceof Error ? error.message : String(error)
            }`,
          }),
      });
    } catch (error) {
      await server.shutdown({ timeoutMs: 0 });
      await closeChat();
      await files?.close();
      console.error(
        `server: cannot listen for HTTP on ${httpHost}:${httpPort}: ${
          (error as Error).message
        }`,
      );
      return 1;
    }
    console.log(
      Deno.stdout.isTerminal()
        ? `health and metrics on ${http.url}/healthz and ${http.url}/metrics`
        : `listening ${http.url}`,
    );
  }
  const stop = () => {
    if (stopping) {
      forced.resolve(130);
      return;
    }
    stopping = true;
    server.shutdown();
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  for (const name of signals) Deno.addSignalListener(name, stop);
  signal?.addEventListener("abort", stop, { once: true });
  if (signal?.aborted) stop();
  if (adminHere) {
    // The operator at this terminal needs no token. The console ends with
    // stdin; the server goes on until it is stopped.
    void adminConsole(
      chat.admin(),
      readLines(Deno.stdin.readable),
      (line) => console.log(line),
      Deno.stdout.isTerminal(),
    ).catch((error) => console.error(`server: admin console: ${error}`));
  }
  try {
    return await Promise.race([
      // Then wait for file transfers to close their files and remove
      // unfinished uploads.
      server.finished.then(async () => (await files?.close(), 0)),
      forced.promise,
    ]);
  } finally {
    for (const name of signals) Deno.removeSignalListener(name, stop);
    signal?.removeEventListener("abort", stop);
    await http?.shutdown();
    // Commits the writes still pending (not acknowledged yet) and releases
    // the database lock.
    await closeChat();
  }
}

/**
 * A timeout or limit flag: a whole number of at least 1, or `off`
 * (`Infinity` for the library, which refuses 0).
 */
function limitFlag(flag: string, text: string | undefined): number | undefined {
  if (text?.trim().toLowerCase() === "off") return Infinity;
  return positiveFlag(flag, text);
}

function readFile(flag: string, path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    throw new Error(
      `cannot read ${flag} "${path}": ${(error as Error).message}`,
    );
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
