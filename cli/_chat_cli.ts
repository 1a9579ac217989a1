// Copyright 2026 the framewire authors. MIT license.
// Pieces shared by the chat programs (the `chat` subcommand of client.ts,
// admin.ts, and the --admin console of server.ts): reading lines without
// blocking the display, a password prompt that does not echo, and the output
// format: human lines on a terminal, `key=value` lines otherwise (text
// values JSON-quoted, so a line is always one record).
import type {
  ChatAddressesOptions,
  ChatMessage,
  ChatReconnectEvent,
  ChatReconnectOptions,
} from "../chat/mod.ts";
import type { ConnectOptions, WebSocketConnectOptions } from "../mod.ts";
import { connectFlags, wholeNumberFlag } from "./_flags.ts";

/** Prints one line to stdout. */
export type Print = (line: string) => void;

/**
 * The lines of a byte stream (stdin), decoded as UTF-8, without their line
 * endings; the last line may lack one.
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) !== -1) {
      yield buffered.slice(0, newline).replace(/\r$/, "");
      buffered = buffered.slice(newline + 1);
    }
  }
  if (buffered !== "") yield buffered;
}

/**
 * Asks for a secret on the terminal without echoing it (raw mode, so the
 * characters never appear). Ctrl-C or Ctrl-D gives `undefined`.
 */
export async function readSecret(prompt: string): Promise<string | undefined> {
  const encoder = new TextEncoder();
  // Raw mode first: a key typed as soon as the prompt shows is not echoed.
  Deno.stdin.setRaw(true);
  await Deno.stdout.write(encoder.encode(prompt));
  const bytes: number[] = [];
  const buffer = new Uint8Array(1);
  try {
    while (true) {
      const count = await Deno.stdin.read(buffer);
      if (count === null) return undefined;
      const byte = buffer[0];
      if (byte === 3 || byte === 4) return undefined; // Ctrl-C, Ctrl-D
      if (byte === 13 || byte === 10) break;
      if (byte === 127 || byte === 8) bytes.pop();
      else bytes.push(byte);
    }
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stdout.write(encoder.encode("\n"));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

// Fields that hold free text: always JSON-quoted, so a line stays one record.
const QUOTED = new Set(["text", "message"]);

// What other users write must not drive the reader's terminal: C0 controls
// but tab (ESC starts CSI and OSC sequences: screen clearing, title and
// clipboard writes; CR and LF forge a line "from" someone else), DEL, C1
// controls (0x9b is an 8-bit CSI), line separators and bidi overrides
// (they reorder the text shown).
const UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

// A value with any of these is quoted even in a field of names.
const NEEDS_QUOTES =
  // deno-lint-ignore no-control-regex
  /[\s"=\\\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|^$/;

/** `text` with every character a terminal would act on shown as an escape (`\x1b`, `\n`). */
function escapeControls(text: string): string {
  return text.replace(UNSAFE, (char) => {
    if (char === "\n") return "\\n";
    if (char === "\r") return "\\r";
    const code = char.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** JSON text whose C1 controls and bidi overrides are `\u` escapes too. */
function quote(text: string): string {
  return JSON.stringify(text).replace(
    JSON_UNSAFE,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * One machine-readable line: `event key=value ...`. `text` and `message`
 * are always JSON-quoted; other values are names, addresses and numbers,
 * which hold no spaces (a value that does is quoted too).
 */
export function record(
  event: string,
  fields: Record<string, string | number | boolean | null | undefined>,
): string {
  let line = event;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const quoted = typeof value === "string" &&
      (QUOTED.has(key) || NEEDS_QUOTES.test(value));
    line += ` ${key}=${quoted ? quote(value as string) : String(value)}`;
  }
  return line;
}

/** A message as a line: `message chat=… seq=… from=… text="…"` or `[chat] from: text`. */
export function formatMessage(
  message: ChatMessage,
  human: boolean,
  event = "message",
): string {
  if (human) {
    const time = new Date(message.ts).toTimeString().slice(0, 5);
    return `${time} [${message.chat}] ${message.from}: ${
      escapeControls(message.text)
    }`;
  }
  return record(event, {
    chat: message.chat,
    seq: message.seq,
    from: message.from,
    text: message.text,
  });
}

/** `1 message`, `2 messages`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * Why a login failed, once: `cannot log in as "alice": wrong credentials
 * (AUTH_FAILED)`. The server's message already starts with "Cannot log in
 * ..."; it is not said twice, and a connection problem gets its hint
 * (`add --tls`) instead of the library's words.
 */
export function loginFailure(
  who: string,
  error: unknown,
  hint: string | undefined,
): string {
  const code = (error as { code?: unknown }).code;
  const suffix = typeof code === "string" && hint === undefined
    ? ` (${code})`
    : "";
  const reason = hint ??
    ((error as Error).message ?? String(error)).replace(
      /^Cannot log in(?: as "[^"]*")?(?: at \S+)?: /,
      "",
    );
  return `cannot log in as "${who}": ${reason}${suffix}`;
}

/** An error as a line. */
export function formatError(
  code: string,
  message: string,
  human: boolean,
): string {
  return human
    ? `! ${escapeControls(message)} (${code})`
    : record("error", { code, message });
}

/**
 * Where the chat programs connect: `HOST:PORT`, a comma list of them (the
 * nodes of a cluster, tried in order), a WebSocket URL (`ws://HOST:PORT/ws`,
 * `wss://…`: a server's `/ws` endpoint, say behind an HTTPS proxy), or
 * `--unix PATH`; the flags as for `connectFlags`.
 *
 * @throws {Error} For a bad address (any of the list) or conflicting flags.
 */
export function chatConnectFlags(
  target: string | undefined,
  values: {
    readonly unix?: string;
    readonly tls?: boolean;
    readonly ca?: string;
    readonly retry?: boolean;
  },
): ConnectOptions | ChatAddressesOptions | WebSocketConnectOptions {
  if (target !== undefined && /^wss?:\/\//i.test(target)) {
    // The URL says it all: wss: is TLS with the system's trusted
    // certificates (a WebSocket takes no others), and the chat client
    // retries through its reconnect, not through connect's.
    const flag = values.unix !== undefined
      ? "--unix"
      : values.tls
      ? "--tls"
      : values.ca !== undefined
      ? "--ca"
      : values.retry
      ? "--retry"
      : undefined;
    if (flag !== undefined) {
      throw new Error(`${flag} does not apply to a WebSocket URL`);
    }
    return { url: target };
  }
  if (target === undefined || !target.includes(",")) {
    return connectFlags(target, values);
  }
  const addresses = target.split(",").map((address) => address.trim());
  // Each one checked as a single address would be; the first gives the
  // shared settings (TLS, retry).
  const [first] = addresses.map((address) => {
    if (address === "") {
      throw new Error(`invalid address list "${target}": an address is empty`);
    }
    return connectFlags(address, values);
  });
  const { hostname: _, port: __, ...rest } = first as ConnectOptions & {
    hostname: string;
  };
  return { ...rest, addresses } as ChatAddressesOptions;
}

/** The default of `--reconnect-ms`: give up after a minute without a server. */
export const RECONNECT_MS = 60_000;

/** `--reconnect-ms MS` as the `reconnect` option: 0 turns it off. */
export function reconnectFlag(
  text: string | undefined,
): false | ChatReconnectOptions {
  const ms = wholeNumberFlag("--reconnect-ms", text ?? String(RECONNECT_MS));
  return ms === 0 ? false : { maxReconnectMs: ms };
}

/** A failover event as a line: `reconnecting …` / `reconnected …`. */
export function formatReconnect(
  event: ChatReconnectEvent,
  human: boolean,
): string {
  if (event.type === "reconnected") {
    return human
      ? `Reconnected to ${event.address}.`
      : record("reconnected", { address: event.address });
  }
  const code = (event.error as { code?: string }).code ?? event.error.name;
  return human
    ? `Connection lost (${code}); reconnecting to ${event.address} (attempt ${event.attempt})...`
    : record("reconnecting", {
      attempt: event.attempt,
      address: event.address,
      code,
    });
}
