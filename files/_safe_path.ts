// Copyright 2026 the framewire authors. MIT license.
// Maps a client's path to a file under a root directory, refusing anything
// that would leave it. Two layers:
//  1. lexical: the request must be a plain relative path: no NUL, no
//     backslash, no drive letter, not absolute, no ".." segment at all
//     (even "a/../b", which stays inside: there is no reason to send it).
//     Nothing is decoded: "%2e%2e" is a file literally named "%2e%2e".
//  2. on disk: the path is walked one segment at a time from the root's
//     real path with lstat, and symlinks are followed by hand: a link's
//     target is spliced into the walk and may never climb above the root.
//     So nothing outside the root is ever opened, listed or even stat-ed,
//     and a link out of the root is refused whether or not its target
//     exists (no probing of outside paths through the answer).
// What is left is a race with a local user who can write into the root
// and swaps a directory for a symlink between the walk and the open;
// clients of the protocol cannot create symlinks, so they cannot race.
import { peerText } from "../transport/log.ts";
import { TransferError, TransferErrorCode } from "./errors.ts";

/** Longest request path accepted, in UTF-16 code units. */
export const MAX_PATH_CHARS = 4096;
// Symlinks followed in one walk before it counts as a loop (Linux's limit).
const MAX_LINKS = 40;

/** Characters of a client's path shown in messages and log lines. */
const SHOWN_PATH_CHARS = 200;

/**
 * A client's path as messages and log lines show it: quoted as JSON (so a
 * NUL, a newline or a lone surrogate stays visible), cut at 200 characters
 * with a marker, and with the controls JSON leaves alone (C1, bidirectional
 * overrides) escaped too.
 */
export function shownPath(path: unknown): string {
  const text = String(path);
  if (text.length <= SHOWN_PATH_CHARS) return peerText(JSON.stringify(text));
  return `${peerText(JSON.stringify(text.slice(0, SHOWN_PATH_CHARS)))}…(+${
    text.length - SHOWN_PATH_CHARS
  } chars)`;
}

/** The segments of a request path, checked lexically. */
export function splitRequestPath(path: string): string[] {
  if (typeof path !== "string" || path.length === 0) {
    throw forbidden(path, "it is empty");
  }
  // Deno would open the file named with U+FFFD in its place: another file
  // than the one asked for.
  if (!path.isWellFormed()) {
    throw new TransferError(
      TransferErrorCode.InvalidText,
      `Cannot serve ${
        shownPath(path)
      }: it holds a lone surrogate, text that is not valid Unicode`,
    );
  }
  if (path.length > MAX_PATH_CHARS) {
    throw forbidden(path, `it is longer than ${MAX_PATH_CHARS} characters`);
  }
  if (path.includes("\0")) throw forbidden(path, "it contains a NUL byte");
  if (path.includes("\\")) throw forbidden(path, "it contains a backslash");
  if (path.startsWith("/")) throw forbidden(path, "it is absolute");
  if (/^[A-Za-z]:/.test(path)) {
    throw forbidden(path, "it starts with a drive letter");
  }
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") throw forbidden(path, 'it contains a ".." segment');
    segments.push(segment);
  }
  return segments;
}

/** A path resolved inside the root, with what lstat said about it. */
export interface ResolvedPath {
  /** Real path: inside the root, no symlink in it (at the time of the walk). */
  path: string;
  /** `undefined` if nothing exists there (allowed for the last segment only). */
  info: Deno.FileInfo | undefined;
}

/**
 * Walks `segments` from `root` (a real path), following symlinks by hand
 * and never above `root`. With `allowMissing`, the last segment may not
 * exist (an upload target); it may not be a symlink then either.
 */
export async function resolveInside(
  root: string,
  request: string,
  segments: readonly string[],
  allowMissing = false,
): Promise<ResolvedPath> {
  const pending = [...segments];
  let current = root;
  let info: Deno.FileInfo | undefined = await lstat(root, request);
  let links = 0;
  while (pending.length > 0) {
    const segment = pending.shift()!;
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      // Only symlink targets bring ".." here; they may not climb out.
      if (current === root) {
        throw forbidden(request, "a symlink in it leads out of the directory");
      }
      current = current.slice(0, current.lastIndexOf("/")) || "/";
      info = await lstat(current, request);
      continue;
    }
    if (info !== undefined && !info.isDirectory) {
      throw notFound(request, "a parent is not a directory");
    }
    const next = `${current}/${segment}`;
    const last = pending.length === 0;
    let entry: Deno.FileInfo | undefined;
    try {
      entry = await Deno.lstat(next);
    } catch (error) {
      if (last && allowMissing && error instanceof Deno.errors.NotFound) {
        return { path: next, info: undefined };
      }
      throw mapFsError(error, request);
    }
    if (entry.isSymlink) {
      if (last && allowMissing) {
        throw forbidden(
          request,
          "it is a symlink; uploads never write through one",
        );
      }
      if (++links > MAX_LINKS) throw forbidden(request, "its symlinks loop");
      const target = await readLink(next, request);
      if (target.startsWith("/")) {
        const inside = target === root || target.startsWith(`${root}/`);
        if (!inside) {
          throw forbidden(
            request,
            "a symlink in it leads out of the directory",
          );
        }
        pending.unshift(...target.slice(root.length).split("/"));
        current = root;
        info = await lstat(root, request);
      } else {
        pending.unshift(...target.split("/"));
      }
      continue;
    }
    current = next;
    info = entry;
  }
  return { path: current, info };
}

/** Maps a file-system error to the protocol's code for it. */
export function mapFsError(error: unknown, request: string): TransferError {
  if (error instanceof TransferError) return error;
  if (error instanceof Deno.errors.NotFound) {
    return notFound(request, "no such file");
  }
  if (error instanceof Deno.errors.NotADirectory) {
    return notFound(request, "a parent is not a directory");
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new TransferError(
      TransferErrorCode.PermissionDenied,
      `Cannot open ${shownPath(request)}: permission denied`,
      { cause: error },
    );
  }
  if (error instanceof Deno.errors.FilesystemLoop) {
    return forbidden(request, "its symlinks loop");
  }
  if ((error as { code?: unknown })?.code === "ENAMETOOLONG") {
    return forbidden(request, "a name in it is too long");
  }
  return new TransferError(
    TransferErrorCode.ReadFailed,
    `Cannot open ${shownPath(request)}: ${
      error instanceof Error ? error.message : String(error)
    }`,
    { cause: error },
  );
}

async function lstat(path: string, request: string): Promise<Deno.FileInfo> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    throw mapFsError(error, request);
  }
}

async function readLink(path: string, request: string): Promise<string> {
  try {
    return await Deno.readLink(path);
  } catch (error) {
    throw mapFsError(error, request);
  }
}

function forbidden(request: string, why: string): TransferError {
  return new TransferError(
    TransferErrorCode.PathForbidden,
    `Cannot serve ${shownPath(request)}: ${why}`,
  );
}

function notFound(request: string, why: string): TransferError {
  return new TransferError(
    TransferErrorCode.FileNotFound,
    `Cannot open ${shownPath(request)}: ${why}`,
  );
}
