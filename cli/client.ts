// Copyright 2026 the framewire authors. MIT license.
/**
 * The framewire client program. `ping` sends Ping frames and prints
 * round-trip times, like the `ping` you know; `get` and `put` download and
 * upload files (see `files/`); `chat` is a terminal chat client (see
 * `chat/`).
 *
 * ```sh
 * deno run -A cli/client.ts ping 127.0.0.1:9000 --count 10 --size 64
 * deno run -A cli/client.ts get 127.0.0.1:9000 docs/big.iso -o big.iso --resume
 * deno run -A cli/client.ts put 127.0.0.1:9000 photo.jpg
 * deno run -A cli/client.ts chat 127.0.0.1:9000 --user alice
 * ```
 *
 * @module
 */
import {
  connect,
  type ConnectOptions,
  type Frame,
  type FramedConn,
  FrameType,
  RequestTimeoutError,
} from "../mod.ts";
import { get as getFile, put as putFile } from "./_files.ts";
import {
  connectFlags,
  connectHint,
  HELP_VERSION_FLAGS,
  helpOrVersion,
  optionalWholeNumberFlag,
  parseFlags,
  suggestFlag,
  wholeNumberFlag,
} from "./_flags.ts";
import { chatTerminal } from "./_chat_terminal.ts";
import { chatConnectFlags, reconnectFlag } from "./_chat_cli.ts";
import { CLIENT_HELP, COMMAND_HELP } from "./_client_help.ts";
import { sleep } from "../internal/sleep.ts";

/** Summary of round-trip times, in milliseconds. */
export interface RttSummary {
  /** Fastest round trip. */
  min: number;
  /** Middle value (mean of the two middle values for an even count). */
  median: number;
  /** 99th percentile, nearest-rank method. */
  p99: number;
}

/**
 * Computes min, median and p99 of round-trip times.
 *
 * @param rtts Round-trip times in milliseconds, at least one.
 * @returns The summary.
 *
 * @example
 * ```ts
 * import { summarizeRtts } from "./client.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(summarizeRtts([4, 1, 3, 2]), { min: 1, median: 2.5, p99: 4 });
 * ```
 */
export function summarizeRtts(rtts: readonly number[]): RttSummary {
  const sorted = [...rtts].sort((a, b) => a - b);
  const n = sorted.length;
  const middle = Math.floor(n / 2);
  return {
    min: sorted[0],
    median: n % 2 === 1
      ? sorted[middle]
      : (sorted[middle - 1] + sorted[middle]) / 2,
    p99: sorted[Math.max(0, Math.ceil(0.99 * n) - 1)],
  };
}

/**
 * Runs the client.
 *
 * @param args Command-line arguments.
 * @param signal Stops sending Pings when aborted (SIGINT does the same).
 * @returns The exit code: 0 if every Ping got its Pong, else 1.
 */
export async function main(
  args: string[],
  signal?: AbortSignal,
): Promise<number> {
  let parsed;
  try {
    parsed = parseFlags(
      args,
      {
        count: { type: "string", short: "c", default: "4" },
        size: { type: "string", short: "s", default: "16" },
        interval: { type: "string", short: "i", default: "1000" },
        timeout: { type: "string", short: "W", default: "2000" },
        unix: { type: "string" },
        tls: { type: "boolean", default: false },
        ca: { type: "string" },
        retry: { type: "boolean", default: false },
        output: { type: "string", short: "o" },
        resume: { type: "boolean", default: false },
        overwrite: { type: "boolean", default: false },
        force: { type: "boolean", default: false },
        window: { type: "string" },
        "chunk-bytes": { type: "string" },
        user: { type: "string", short: "u" },
        password: { type: "string" },
        open: { type: "string" },
        "reconnect-ms": { type: "string" },
        ...HELP_VERSION_FLAGS,
      } as const,
      true,
    );
  } catch (error) {
    console.error(`client: ${(error as Error).message}`);
    return 1;
  }
  const { values, positionals } = parsed;
  // `COMMAND --help` shows that command's page; `--help` alone the overview.
  const shown = helpOrVersion(
    values,
    COMMAND_HELP[positionals[0] ?? ""] ?? CLIENT_HELP,
  );
  if (shown !== undefined) return shown;
  values.overwrite ||= values.force;
  if (positionals[0] === "get" || positionals[0] === "put") {
    return await files(positionals, values, signal);
  }
  if (positionals[0] === "chat") {
    const [, target, ...rest] = positionals;
    let connect;
    let reconnect;
    try {
      if (rest.length > 0) throw new Error(`unexpected argument "${rest[0]}"`);
      connect = chatConnectFlags(target, values);
      reconnect = reconnectFlag(values["reconnect-ms"]);
    } catch (error) {
      console.error(`client: ${(error as Error).message}`);
      return 1;
    }
    return await chatTerminal({
      connect,
      reconnect,
      user: values.user,
      password: values.password,
      open: values.open,
    }, signal);
  }
  let settings: PingSettings;
  try {
    const [command, target, ...rest] = positionals;
    if (command !== "ping") {
      throw new Error(
        command === undefined
          ? "missing command: expected ping, get, put or chat (see --help)"
          : `unknown command "${command}": expected ping, get, put or chat${
            suggestCommand(command)
          }`,
      );
    }
    if (rest.length > 0) throw new Error(`unexpected argument "${rest[0]}"`);
    settings = {
      count: wholeNumberFlag("--count", values.count, 1),
      size: wholeNumberFlag("--size", values.size, 0),
      intervalMs: wholeNumberFlag("--interval", values.interval, 0),
      timeoutMs: wholeNumberFlag("--timeout", values.timeout, 1),
      connect: connectFlags(target, values),
    };
  } catch (error) {
    console.error(`client: ${(error as Error).message}`);
    return 1;
  }
  return await ping(settings, signal);
}

/** The get and put subcommands: parse their arguments, then run them. */
async function files(
  positionals: string[],
  values: {
    unix?: string;
    tls: boolean;
    ca?: string;
    retry: boolean;
    output?: string;
    resume: boolean;
    overwrite: boolean;
    window?: string;
    "chunk-bytes"?: string;
  },
  signal: AbortSignal | undefined,
): Promise<number> {
  const [command, ...rest] = positionals;
  // With --unix there is no HOST:PORT positional.
  const target = values.unix === undefined ? rest.shift() : undefined;
  try {
    const connect = connectFlags(target, values);
    const window = optionalWholeNumberFlag("--window", values.window, 1);
    const chunkBytes = optionalWholeNumberFlag(
      "--chunk-bytes",
      values["chunk-bytes"],
      1,
    );
    if (command === "get") {
      const [path, ...extra] = rest;
      if (path === undefined) {
        throw new Error("missing PATH to get (see --help)");
      }
      if (extra.length > 0) {
        throw new Error(`unexpected argument "${extra[0]}"`);
      }
      return await getFile({
        connect,
        path,
        out: values.output,
        resume: values.resume,
        overwrite: values.overwrite,
        window,
        chunkBytes,
      }, signal);
    }
    const [local, remote, ...extra] = rest;
    if (local === undefined) {
      throw new Error("missing FILE to put (see --help)");
    }
    if (extra.length > 0) throw new Error(`unexpected argument "${extra[0]}"`);
    return await putFile({
      connect,
      local,
      remote,
      overwrite: values.overwrite,
      window,
      chunkBytes,
    }, signal);
  } catch (error) {
    console.error(`client: ${(error as Error).message}`);
    return 1;
  }
}

interface PingSettings {
  count: number;
  size: number;
  intervalMs: number;
  timeoutMs: number;
  connect: ConnectOptions;
}

async function ping(
  settings: PingSettings,
  signal: AbortSignal | undefined,
): Promise<number> {
  const human = Deno.stdout.isTerminal();
  const where = settings.connect.path ??
    `${settings.connect.hostname}:${settings.connect.port}`;
  let conn: FramedConn<Deno.Conn>;
  try {
    conn = await connect(settings.connect);
  } catch (error) {
    console.error(
      `client: cannot connect to ${where}: ${(error as Error).message}`,
    );
    return 1;
  }
  const stopped = new AbortController();
  const onStop = () => stopped.abort();
  signal?.addEventListener("abort", onStop, { once: true });
  const interactive = Deno.build.os !== "windows" || human;
  if (interactive) Deno.addSignalListener("SIGINT", onStop);
  const rtts: number[] = [];
  let sent = 0;
  try {
    if (human) {
      console.log(`PING ${where}: ${settings.size} bytes of payload`);
    }
    for (let seq = 1; seq <= settings.count && !stopped.signal.aborted; seq++) {
      if (seq > 1 && settings.intervalMs > 0) {
        await sleep(settings.intervalMs, stopped.signal);
        if (stopped.signal.aborted) break;
      }
      const payload = pingPayload(seq, settings.size);
      sent++;
      const start = performance.now();
      let pong: Frame;
      try {
        pong = await conn.request({ type: FrameType.Ping, payload }, {
          timeoutMs: settings.timeoutMs,
          signal: stopped.signal,
        });
      } catch (error) {
        if (stopped.signal.aborted) {
          sent--;
          break;
        }
        if (error instanceof RequestTimeoutError) {
          console.log(
            human ? `Request timeout for seq=${seq}` : `timeout seq=${seq}`,
          );
          continue;
        }
        const hint = connectHint(error);
        console.error(
          hint === undefined
            ? `client: ping ${where} failed: ${(error as Error).message}`
            : `client: cannot talk to ${where}: ${hint}`,
        );
        break;
      }
      const rtt = performance.now() - start;
      if (pong.type !== FrameType.Pong || !sameBytes(pong.payload, payload)) {
        console.error(
          `client: seq=${seq}: expected a Pong with the Ping's payload, got type ${pong.type}`,
        );
        break;
      }
      rtts.push(rtt);
      console.log(
        human
          ? `${payload.length} bytes from ${where}: seq=${seq} time=${
            rtt.toFixed(3)
          } ms`
          : `pong seq=${seq} bytes=${payload.length} rtt_ms=${rtt.toFixed(3)}`,
      );
    }
  } finally {
    signal?.removeEventListener("abort", onStop);
    if (interactive) Deno.removeSignalListener("SIGINT", onStop);
    conn.close();
  }
  const received = rtts.length;
  const lossPct = sent === 0 ? 0 : Math.round((sent - received) / sent * 100);
  const summary = received > 0 ? summarizeRtts(rtts) : undefined;
  if (human) {
    console.log(`--- ${where} ping statistics ---`);
    console.log(`${sent} sent, ${received} received, ${lossPct}% loss`);
    if (summary !== undefined) {
      console.log(
        `rtt min/median/p99 = ${summary.min.toFixed(3)}/${
          summary.median.toFixed(3)
        }/${summary.p99.toFixed(3)} ms`,
      );
    }
  } else {
    const times = summary === undefined
      ? "min_ms=- median_ms=- p99_ms=-"
      : `min_ms=${summary.min.toFixed(3)} median_ms=${
        summary.median.toFixed(3)
      } p99_ms=${summary.p99.toFixed(3)}`;
    console.log(
      `summary sent=${sent} received=${received} loss_pct=${lossPct} ${times}`,
    );
  }
  return sent > 0 && received === sent ? 0 : 1;
}

/** ` (did you mean ping?)` for a near miss of a command, else "". */
function suggestCommand(command: string): string {
  const guess = suggestFlag(command, {
    ping: { type: "boolean" },
    get: { type: "boolean" },
    put: { type: "boolean" },
    chat: { type: "boolean" },
  });
  return guess === undefined ? "" : ` (did you mean ${guess.slice(2)}?)`;
}

/** Sequence number in the first bytes (as many as fit), then a pattern. */
function pingPayload(seq: number, size: number): Uint8Array {
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = i & 0xff;
  for (let i = 0; i < Math.min(4, size); i++) {
    payload[i] = (seq >>> (24 - 8 * i)) & 0xff;
  }
  return payload;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
