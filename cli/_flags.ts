// Copyright 2026 the framewire authors. MIT license.
// What the three programs (server, client, admin) share on their command
// lines: --help and --version, flags that take a number, and where to
// connect (HOST:PORT or --unix PATH, with --tls / --ca / --retry). Errors
// are plain Errors whose message the program prints after its name, on one
// line, before exiting 1.
import { parseArgs, type ParseArgsConfig } from "node:util";
import {
  type ConnectOptions,
  ProtocolMismatchError,
  TlsCertificateError,
} from "../mod.ts";
import denoJson from "../deno.json" with { type: "json" };
import { parseHostPort } from "../internal/host_port.ts";

/** The `parseArgs` options for `-h, --help` and `-V, --version`. */
export const HELP_VERSION_FLAGS = {
  help: { type: "boolean", short: "h", default: false },
  version: { type: "boolean", short: "V", default: false },
} as const;

/**
 * Prints the help or the version if asked for.
 *
 * @returns 0 when one was printed (the program exits with it), else
 * undefined.
 */
export function helpOrVersion(
  values: { readonly help: boolean; readonly version: boolean },
  help: string,
): number | undefined {
  if (values.help) {
    console.log(help);
    return 0;
  }
  if (values.version) {
    console.log(`framewire ${denoJson.version}`);
    return 0;
  }
  return undefined;
}

/** The option table of {@linkcode parseFlags}, as `parseArgs` takes it. */
export type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

/**
 * `parseArgs` with errors a person can act on, in one line: `unknown option
 * --cout (did you mean --count?)`, `missing value for --size`. A value that
 * starts with "-" and a digit (`--size -5`) is taken as the value, so that
 * the flag's own check names it (`invalid --size "-5": ...`) instead of the
 * parser's three-line "ambiguous" text.
 *
 * @throws {Error} With the one-line message.
 */
export function parseFlags<T extends FlagOptions>(
  args: readonly string[],
  options: T,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ options: T; allowPositionals: true }>> {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const next = args[i + 1];
    const option = flagOption(options, arg);
    if (
      option?.type === "string" && next !== undefined && /^-\d/.test(next)
    ) {
      joined.push(`${arg.startsWith("--") ? arg : `--${option.name}`}=${next}`);
      i++;
    } else joined.push(arg);
  }
  try {
    // Positionals are always allowed by the parser and refused here, so
    // that a stray word gets the same one-line message as a bad option.
    const parsed = parseArgs({
      args: joined,
      options,
      allowPositionals: true,
      strict: true,
    });
    if (!allowPositionals && parsed.positionals.length > 0) {
      throw new Error(`unexpected argument "${parsed.positionals[0]}"`);
    }
    return parsed as ReturnType<
      typeof parseArgs<{ options: T; allowPositionals: true }>
    >;
  } catch (error) {
    throw new Error(flagErrorText(error as Error & { code?: string }, options));
  }
}

/** The option `arg` names (`--size`, `--size=1`, `-s`), if any. */
function flagOption(
  options: FlagOptions,
  arg: string,
): { name: string; type: string } | undefined {
  if (arg.startsWith("--")) {
    const name = arg.slice(2).split("=")[0];
    const option = options[name];
    return option === undefined ? undefined : { name, type: option.type };
  }
  if (/^-[^-]$/.test(arg)) {
    for (const [name, option] of Object.entries(options)) {
      if (option.short === arg[1]) return { name, type: option.type };
    }
  }
  return undefined;
}

function flagErrorText(
  error: Error & { code?: string },
  options: FlagOptions,
): string {
  const named = /'(-[^' ,]*)(?:, (--[^' ]+))?/.exec(error.message);
  const flag = named?.[2] ?? named?.[1];
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag !== undefined) {
    const guess = suggestFlag(flag, options);
    return `unknown option ${flag}${
      guess === undefined ? "" : ` (did you mean ${guess}?)`
    }`;
  }
  if (error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag) {
    if (/does not take an argument/.test(error.message)) {
      return `${flag} takes no value`;
    }
    return `missing value for ${flag}`;
  }
  return error.message.split("\n")[0];
}

/**
 * The known flag closest to `flag` (`--cout` → `--count`), when it is close
 * enough to be a typo: at most 2 edits, and fewer than half the name.
 */
export function suggestFlag(
  flag: string,
  options: FlagOptions,
): string | undefined {
  const typed = flag.replace(/^-+/, "");
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of Object.keys(options)) {
    const distance = editDistance(typed, name);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  // A long option typed with one dash (-count) is the same flag.
  if (bestDistance === 0) return `--${best}`;
  return bestDistance <= 2 && bestDistance * 2 < best.length
    ? `--${best}`
    : undefined;
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        rows[i - 1][j] + 1,
        rows[i][j - 1] + 1,
        rows[i - 1][j - 1] + cost,
      );
      if (
        i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]
      ) value = Math.min(value, rows[i - 2][j - 2] + 1);
      rows[i].push(value);
    }
  }
  return rows[a.length][b.length];
}

/**
 * A flag's whole-number value, at least `min`.
 *
 * @throws {Error} `invalid --flag "text": expected a whole number` (with
 * `of at least N` when `min` is not 0).
 */
export function wholeNumberFlag(flag: string, text: string, min = 0): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value) || value < min) {
    throw new Error(
      `invalid ${flag} "${text}": expected a whole number${
        min === 0 ? "" : ` of at least ${min}`
      }`,
    );
  }
  return value;
}

/** {@linkcode wholeNumberFlag} for a flag that may be absent. */
export function optionalWholeNumberFlag(
  flag: string,
  text: string | undefined,
  min = 0,
): number | undefined {
  return text === undefined ? undefined : wholeNumberFlag(flag, text, min);
}

/**
 * A flag that counts something and so may not be 0.
 *
 * @throws {Error} `invalid --flag "text": expected a whole number`, or
 * `expected at least 1` for 0.
 */
export function positiveFlag(
  flag: string,
  text: string | undefined,
): number | undefined {
  const value = optionalWholeNumberFlag(flag, text);
  if (value === 0) {
    throw new Error(`invalid ${flag} "${text}": expected at least 1`);
  }
  return value;
}

/**
 * Where to connect, from `HOST:PORT` or `--unix PATH` (with `--tls` /
 * `--ca` and `--retry`).
 *
 * @throws {Error} For a bad address, conflicting flags or an unreadable CA
 * file.
 */
export function connectFlags(
  target: string | undefined,
  values: {
    readonly unix?: string;
    readonly tls?: boolean;
    readonly ca?: string;
    readonly retry?: boolean;
  },
): ConnectOptions {
  const retry = values.retry ? { attempts: 40, maxDelayMs: 500 } : undefined;
  if (values.unix !== undefined) {
    if (target !== undefined) {
      throw new Error("give HOST:PORT or --unix PATH, not both");
    }
    if (values.tls) throw new Error("--tls cannot be combined with --unix");
    return { path: values.unix, retry };
  }
  if (target === undefined) throw new Error("missing HOST:PORT (see --help)");
  const parts = parseHostPort(target);
  if (parts === undefined) {
    throw new Error(`invalid address "${target}": expected HOST:PORT`);
  }
  const { hostname, port } = parts;
  if (values.tls || values.ca !== undefined) {
    const caCerts = values.ca === undefined ? undefined : [readCa(values.ca)];
    return { hostname, port, tls: { caCerts }, retry };
  }
  return { hostname, port, retry };
}

function readCa(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    throw new Error(`cannot read --ca "${path}": ${(error as Error).message}`);
  }
}

/**
 * What to change when the server speaks another protocol or refuses TLS,
 * in the words of the command line (`add --tls`, `pass --ca FILE`); found
 * on the error or its causes. `undefined` for any other error.
 */
export function connectHint(error: unknown): string | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof ProtocolMismatchError) {
      switch (e.peerProtocol) {
        case "TLS":
          return "the server speaks TLS; add --tls";
        case "plain":
          return "the server does not speak TLS; drop --tls";
        default:
          return `the server speaks ${e.peerProtocol}, not framewire (wrong port?)`;
      }
    }
    if (e instanceof TlsCertificateError) {
      return e.reason === "UnknownIssuer"
        ? "certificate not trusted (UnknownIssuer); pass --ca FILE"
        : e.reason === "NotValidForName"
        ? "certificate not valid for this host name (NotValidForName); connect by the name it was issued for"
        : `certificate refused (${e.reason})`;
    }
  }
  return undefined;
}
