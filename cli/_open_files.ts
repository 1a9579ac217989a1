// Copyright 2026 the framewire authors. MIT license.
// The server's start-up check of the open-file limit (`ulimit -n`) against
// the connections it may hold: each client is a descriptor.

/** Descriptors beyond the clients: listener, database, files, stdio. */
export const OPEN_FILES_MARGIN = 64;

/**
 * The soft limit on open files of this process, from `/proc/self/limits`
 * ("Max open files"), or `undefined` where that cannot be read (not Linux,
 * no read permission) or it is unlimited.
 *
 * @param limits The text of `/proc/self/limits`; read when omitted.
 * @returns The soft limit, or `undefined`.
 */
export function readOpenFileLimit(limits?: string): number | undefined {
  let text = limits;
  if (text === undefined) {
    try {
      text = Deno.readTextFileSync("/proc/self/limits");
    } catch {
      return undefined;
    }
  }
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (match === null || match[1] === "unlimited") return undefined;
  return Number(match[1]);
}

/**
 * The warning to print when the open-file limit is too low for the clients
 * the server may hold, or `undefined` when it is enough (or unknown). Only a
 * warning: the server still works up to the limit, and a machine that never
 * sees that many clients (a laptop at `ulimit -n 1024`) should not be
 * refused; past the limit, accepting fails and clients are turned away.
 *
 * @param sockets Descriptors the server may need for clients: the most
 * connections served plus the refusals kept open.
 * @param limit The soft limit on open files, or `undefined` if unknown.
 * @returns One line of advice, or `undefined`.
 */
export function openFileLimitWarning(
  sockets: number,
  limit: number | undefined,
): string | undefined {
  const needed = sockets + OPEN_FILES_MARGIN;
  if (limit === undefined || limit >= needed) return undefined;
  return `warning: the open-file limit (${limit}) is below the ${needed} descriptors that --max-connections needs; clients beyond about ${
    Math.max(0, limit - OPEN_FILES_MARGIN)
  } will be turned away. Raise it with "ulimit -n ${needed}" before starting, or lower --max-connections`;
}
