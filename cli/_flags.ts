// Copyright 2026 the framewire authors. MIT license.
// What the three programs (server, client, admin) share on their command
// lines: --help and --version, flags that take a number, and where to
// connect (HOST:PORT or --unix PATH, with --tls / --ca / --retry). Errors
// are plain Errors whose message the program prints after its name, on one
// line, before exiting 1.
import type { ConnectOptions } from "../mod.ts";
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
