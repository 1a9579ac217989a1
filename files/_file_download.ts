// Copyright 2026 the framewire authors. MIT license.
// The download path of FileServer, from a FileGet to an open file: the
// request's path is resolved inside the served directory, the file opened
// and checked again on its handle, and read through a reader that notices
// a file changing under the transfer.
import { TransferError, TransferErrorCode } from "./errors.ts";
import type { BlobReader } from "./outgoing_blob.ts";
import { errorText } from "./_error_text.ts";
import {
  mapFsError,
  resolveInside,
  shownPath,
  splitRequestPath,
} from "./_safe_path.ts";
import type { GetRequest } from "./_wire.ts";

/** A file opened for a download; the caller closes it. */
export interface OpenedDownload {
  readonly file: Deno.FsFile;
  /** Its size when opened: exactly this many bytes are sent. */
  readonly size: number;
  /** The resume offset, checked against the size. */
  readonly offset: number;
  readonly modifiedMs: number | null;
}

/**
 * Opens the file a FileGet asks for under `root`.
 *
 * @throws {TransferError} `PATH_FORBIDDEN`, `FILE_NOT_FOUND`,
 * `FILE_NOT_REGULAR`, `FILE_PERMISSION_DENIED`, `FILE_OFFSET_OUT_OF_RANGE`
 * and the like; no file is left open then.
 */
export async function openDownload(
  root: string,
  request: GetRequest,
): Promise<OpenedDownload> {
  const segments = splitRequestPath(request.path);
  const { path, info } = await resolveInside(root, request.path, segments);
  if (info === undefined || !info.isFile) {
    throw new TransferError(
      TransferErrorCode.NotRegularFile,
      `Cannot get ${shownPath(request.path)}: not a regular file`,
      { transferId: request.id },
    );
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw mapFsError(error, request.path);
  }
  try {
    const stat = await file.stat();
    // Checked again on the open handle: the walk's lstat and the open are
    // two steps.
    if (!stat.isFile) {
      throw new TransferError(
        TransferErrorCode.NotRegularFile,
        `Cannot get ${shownPath(request.path)}: not a regular file`,
      );
    }
    const offset = request.offset ?? 0;
    if (offset > stat.size) {
      throw new TransferError(
        TransferErrorCode.OffsetOutOfRange,
        `Cannot resume ${
          shownPath(request.path)
        } at byte ${offset}: the file has ${stat.size} bytes`,
      );
    }
    return {
      file,
      size: stat.size,
      offset,
      modifiedMs: stat.mtime?.getTime() ?? null,
    };
  } catch (error) {
    file.close();
    throw mapFsError(error, request.path);
  }
}

/**
 * A reader over an open file that must deliver exactly `size` bytes: a
 * file that shrinks or grows while it is sent fails the transfer with
 * `FILE_CHANGED` instead of sending a mix of two versions.
 */
export function sizedReader(file: Deno.FsFile, size: number): BlobReader {
  let position = 0;
  return {
    async read(buffer: Uint8Array): Promise<number | null> {
      let count: number | null;
      try {
        count = await file.read(buffer);
      } catch (error) {
        throw new TransferError(
          TransferErrorCode.ReadFailed,
          `Cannot read the file at byte ${position}: ${errorText(error)}`,
          { cause: error },
        );
      }
      if (count === null) {
        if (position < size) {
          throw new TransferError(
            TransferErrorCode.FileChanged,
            `Cannot send the file: it shrank to ${position} bytes while being sent (was ${size})`,
          );
        }
        return null;
      }
      position += count;
      if (position > size) {
        throw new TransferError(
          TransferErrorCode.FileChanged,
          `Cannot send the file: it grew beyond ${size} bytes while being sent`,
        );
      }
      return count;
    },
  };
}
