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
  webSocketGateway,
} from "../mod.ts";
import denoJson from "../deno.json" with { type: "json" };
import { FileServer } from "../files/mod.ts";
import { ChatServer, SqliteChatStore } from "../chat/mod.ts";
import { adminConsole } from "./_admin_console.ts";
import { type HttpEndpoint, operationsRoutes, serveHttp } from "./_http.ts";
import { webAppRoutes } from "./_web_app.ts"; // web app (issue 15)
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
  parseFlags,
  positiveFlag,
  wholeNumberFlag,
} from "./_flags.ts";
import {
  adminToken as readAdminToken,
  listenReason,
  missingDatabaseFiles,
  probeListen,
  removeFiles,
  servedList,
  SERVER_HELP,
} from "./_server_start.ts";

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
  // undefined: chat is off (no --db and no $FRAMEWIRE_CHAT_DB).
  let backendFlags: ChatBackendFlags | undefined;
  let httpPort: number | undefined;
  let httpHost: string;
  let allowOrigins: string[];
  try {
    const { values } = parseFlags(
      args,
      {
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", short: "p", default: "9000" },
        unix: { type: "string" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        "http-port": { type: "string" },
        "allow-origin": { type: "string", multiple: true },
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
        "admin-token-file": { type: "string" },
        admin: { type: "boolean", default: false },
        "max-message-bytes": { type: "string" },
        "password-iterations": { type: "string" },
        "max-accounts": { type: "string" },
        "max-rooms-per-user": { type: "string" },
        "resume-token-hours": { type: "string" },
        "max-room-members": { type: "string" },
        "max-concurrent-hashes": { type: "string" },
        "message-rate-limit": { type: "string" },
        "message-burst": { type: "string" },
        quiet: { type: "boolean", short: "q", default: false },
        ...HELP_VERSION_FLAGS,
      } as const,
    );
    const shown = helpOrVersion(values, SERVER_HELP);
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
    allowOrigins = values["allow-origin"] ?? [];
    const sync = values["db-sync"].toUpperCase();
    if (sync !== "FULL" && sync !== "NORMAL") {
      throw new Error(
        `invalid --db-sync "${values["db-sync"]}": expected FULL or NORMAL`,
      );
    }
    // Chat only with a database the user named: two servers started without
    // one (the TCP, Unix and TLS examples side by side) must not fight over
    // a default file, nor leave one in the working directory.
    const db = values.db ?? (Deno.env.get("FRAMEWIRE_CHAT_DB") || undefined);
    if (db === undefined) {
      const needs = values.cluster !== undefined
        ? "--cluster"
        : values.admin
        ? "--admin"
        : values["admin-token"] !== undefined ||
            values["admin-token-file"] !== undefined
        ? "--admin-token"
        : undefined;
      if (needs !== undefined) {
        throw new Error(`${needs} needs the chat: give --db PATH`);
      }
    }
    backendFlags = db === undefined ? undefined : {
      db,
      cluster: values.cluster,
      nodeId: values["node-id"],
    };
    if (backendFlags !== undefined) checkChatBackendFlags(backendFlags);
    const adminToken = readAdminToken(
      values["admin-token"],
      values["admin-token-file"],
      Deno.env.get("FRAMEWIRE_ADMIN_TOKEN"),
    );
    if (values["admin-token"] !== undefined && adminToken !== undefined) {
      console.error(
        "server: warning: --admin-token shows in ps and the shell history; prefer --admin-token-file FILE or FRAMEWIRE_ADMIN_TOKEN",
      );
    }
    chatOptions = {
      path: db === undefined || isPostgresUrl(db) ? undefined : db,
      nodeId: values["node-id"],
      synchronous: sync,
      adminToken,
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
      resumeTokenTtlMs: hoursInMs(optionalWholeNumberFlag(
        "--resume-token-hours",
        values["resume-token-hours"],
      )),
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
    // Before anything is opened or created: a port that is taken or out of
    // range is the error the user sees, not a locked database.
    probeListen(options);
  } catch (error) {
    console.error(`server: ${(error as Error).message}`);
    return 1;
  }

  // Each client is a descriptor: warn before the limit turns them away.
  const resolved = resolveServeOptions(options);
  const warning = openFileLimitWarning(
    resolved.maxConnections + resolved.maxLingeringRefusals,
    readOpenFileLimit(),
  );
  if (warning !== undefined) console.error(`server: ${warning}`);

  // While the admin console owns this terminal, info lines would land in
  // the middle of what the operator types: they go only where stderr was
  // redirected. From the start, since the console is about to open.
  let consoleOpen = adminHere && Deno.stderr.isTerminal();
  const log = (event: LogEvent) => {
    if (event.level === "info" && (quiet || consoleOpen)) return;
    console.error(formatLogEvent(event));
  };
  // What a failed start removes: the database files it would create.
  const created = missingDatabaseFiles(chatOptions.path);
  const failed = (what: string, error: unknown) => {
    removeFiles(created);
    console.error(`server: ${what}: ${(error as Error).message}`);
    return 1;
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
      return failed("cannot serve files", error);
    }
  }
  let backends: ChatBackends | undefined;
  let chat: ChatServer | undefined;
  if (backendFlags !== undefined) {
    try {
      backends = await openChatBackends(backendFlags);
    } catch (error) {
      await files?.close();
      return failed("cannot serve chat", error);
    }
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
      return failed("cannot serve chat", error);
    }
  }
  // --- tests (issue 14): say the durability in force, read back from SQLite ---
  if (chat?.store instanceof SqliteChatStore) {
    log({
      level: "info",
      event: "chat_database",
      message:
        `Chat database ${chat.store.path} (synchronous=${chat.store.synchronous})`,
    });
  }
  // --- end tests (issue 14) ---
  const protocols = [
    ...PROTOCOLS,
    ...(files === undefined ? [] : [files]),
    ...(chat === undefined ? [] : [chat]),
  ];
  const metrics = httpPort === undefined ? undefined : new MetricsRegistry();
  // The chat server, then the store and bus it was given (it does not own
  // them).
  const closeChat = async () => {
    await chat?.close();
    await backends?.close();
  };
  let server: Server;
  try {
    server = serve(
      { ...options, logger: log, metrics },
      createServerHandler(log, protocols),
    );
  } catch (error) {
    // Taken since the trial bind: rare, and cleaned up all the same.
    await closeChat();
    await files?.close();
    const where = options.path ?? `${options.hostname}:${options.port}`;
    return failed(`cannot listen on ${where}`, new Error(listenReason(error)));
  }
  if (Deno.stdout.isTerminal()) {
    // The pid, because a server started in the background (`&`) is not
    // stopped by Ctrl-C.
    console.log(
      `framewire ${denoJson.version} listening on ${server.address} (pid ${Deno.pid}: Ctrl-C stops it, or kill ${Deno.pid})`,
    );
    console.log(
      `serving: ${
        servedList(chatOptions.path ?? backendFlags?.db, filesDir, uploadsDir)
      }`,
    );
  } else {
    console.log(`listening ${server.address}`);
  }

  const forced = Promise.withResolvers<number>();
  let stopping = false;
  let http: HttpEndpoint | undefined;
  if (httpPort !== undefined) {
    chat?.registerMetrics(metrics!);
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
        tls: options.tls as { cert: string; key: string } | undefined,
        routes: {
          ...operationsRoutes(metrics!, () =>
            stopping
              ? Promise.resolve({
                ready: false,
                checks: { server: "shutting down" },
              })
              : chat?.health() ??
                Promise.resolve({ ready: true, checks: { server: "ok" } })),
          "/ws": webSocketGateway(server, {
            allowOrigins,
            secure: options.tls !== undefined,
          }),
          // web app (issue 15): the chat page at /, /app.js, /app.css.
          ...await webAppRoutes(),
        },
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
      removeFiles(created);
      console.error(
        `server: cannot listen for HTTP on ${httpHost}:${httpPort}: ${
          (error as Error).message
        }`,
      );
      return 1;
    }
    console.log(
      Deno.stdout.isTerminal()
        // web app (issue 15): the page is what a person opens first.
        ? `chat page on ${http.url}/ (health and metrics on ${http.url}/healthz and ${http.url}/metrics)`
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
    consoleOpen = Deno.stderr.isTerminal();
    if (consoleOpen && Deno.stdout.isTerminal()) {
      console.log(
        "Admin console: /help lists the commands. Info log lines are off while it is open (warnings still show; redirect stderr to keep them).",
      );
    }
    void adminConsole(
      chat!.admin(),
      readLines(Deno.stdin.readable),
      (line) => console.log(line),
      Deno.stdout.isTerminal(),
    ).catch((error) => console.error(`server: admin console: ${error}`))
      .finally(() => consoleOpen = false);
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

function hoursInMs(hours: number | undefined): number | undefined {
  return hours === undefined ? undefined : hours * 3_600_000;
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
