// Copyright 2026 the framewire authors. MIT license.
// The upload path of FileServer: a FilePut is checked against the upload
// directory before FileReady is sent; the blob that follows is written to
// a temporary file next to the target and moved into place only once its
// size and digest verify, so the target is never seen half-written and a
// failed upload leaves nothing behind.
import { TransferError, TransferErrorCode } from "./errors.ts";
import type { BlobReceiveResult, IncomingBlob } from "./incoming_blob.ts";
import { errorText } from "./_error_text.ts";
import {
  mapFsError,
  resolveInside,
  shownPath,
  splitRequestPath,
} from "./_safe_path.ts";
import type { PutRequest } from "./_wire.ts";
import { writeStream } from "./_write_stream.ts";

/**
 * Checks a FilePut: its declared size, its path, what is at the target.
 *
 * @returns The target's path, inside `uploadRoot`.
 * @throws {TransferError} `FILE_TOO_LARGE`, `PATH_FORBIDDEN`,
 * `FILE_NOT_REGULAR`, `FILE_EXISTS` and the codes of path resolution.
 */
export async function checkUpload(
  uploadRoot: string,
  request: PutRequest,
  maxUploadBytes: number,
): Promise<string> {
  if (request.size !== undefined && request.size > maxUploadBytes) {
    throw new TransferError(
      TransferErrorCode.FileTooLarge,
      `Cannot put ${
        shownPath(request.path)
      }: ${request.size} bytes is above the limit of ${maxUploadBytes}`,
    );
  }
  const segments = splitRequestPath(request.path);
  if (segments.length === 0) {
    throw new TransferError(
      TransferErrorCode.PathForbidden,
      `Cannot put ${shownPath(request.path)}: it names no file`,
    );
  }
  const target = await resolveInside(uploadRoot, request.path, segments, true);
  if (target.info !== undefined) {
    if (!target.info.isFile) {
      throw new TransferError(
        TransferErrorCode.NotRegularFile,
        `Cannot put ${
          shownPath(request.path)
        }: a directory or special file is there`,
      );
    }
    if (request.overwrite !== true) {
      throw new TransferError(
        TransferErrorCode.FileExists,
        `Cannot put ${
          shownPath(request.path)
        }: the file exists (overwrite not set)`,
      );
    }
  }
  return target.path;
}

/**
 * Receives an upload into `target`: waits for its BlobStart, writes it to
 * a temporary file, verifies it and moves it into place, then confirms it
 * to the client (BlobDone). On any failure the transfer is cancelled (when
 * this side found the fault) and the temporary file removed.
 *
 * @returns What was received.
 * @throws {TransferError} Why the upload failed.
 */
export async function receiveUpload(
  expected: Promise<IncomingBlob>,
  target: string,
  request: PutRequest,
): Promise<BlobReceiveResult> {
  let blob: IncomingBlob | undefined;
  let file: Deno.FsFile | undefined;
  // The target's name is left out: one of NAME_MAX bytes must still fit.
  const temp = `${
    target.slice(0, target.lastIndexOf("/"))
  }/.${randomHex()}.upload`;
  let created = false;
  let kept = false;
  try {
    blob = await expected;
    // Created only now, not at FileReady: a client that never sends its
    // BlobStart leaves no temporary file and no open handle behind.
    try {
      // createNew (O_EXCL) never follows a symlink planted at that name.
      file = await Deno.open(temp, { write: true, createNew: true });
    } catch (error) {
      throw mapFsError(error, request.path);
    }
    created = true;
    if (request.size !== undefined && blob.size !== request.size) {
      throw new TransferError(
        TransferErrorCode.SizeMismatch,
        `Cannot put ${
          shownPath(request.path)
        }: FilePut said ${request.size} bytes, BlobStart ${
          blob.size ?? "unknown"
        }`,
      );
    }
    await writeStream(blob.stream, file, (error) =>
      new TransferError(
        TransferErrorCode.WriteFailed,
        `Cannot write ${shownPath(request.path)}: ${errorText(error)}`,
        { cause: error },
      ));
    const result = await blob.done;
    file.close();
    file = undefined;
    await place(temp, target, request);
    kept = true;
    blob.confirm();
    return result;
  } catch (error) {
    if (error instanceof TransferError && !error.remote) {
      blob?.cancel(String(error.code), error.message);
    }
    throw error;
  } finally {
    file?.close();
    if (created && !kept) await Deno.remove(temp).catch(() => {});
  }
}

/** Moves a verified upload into place, atomically. */
async function place(
  temp: string,
  target: string,
  request: PutRequest,
): Promise<void> {
  try {
    if (request.overwrite === true) {
      // rename(2) replaces the target in one step: readers see the old
      // file or the new one, never a partial one.
      await Deno.rename(temp, target);
      return;
    }
    // link(2) fails if the target exists, so a file that appeared since
    // the FilePut check is never replaced.
    await Deno.link(temp, target);
    await Deno.remove(temp);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new TransferError(
        TransferErrorCode.FileExists,
        `Cannot put ${
          shownPath(request.path)
        }: the file appeared meanwhile (overwrite not set)`,
      );
    }
    throw new TransferError(
      TransferErrorCode.WriteFailed,
      `Cannot put ${shownPath(request.path)} in place: ${errorText(error)}`,
      { cause: error },
    );
  }
}

function randomHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join(
    "",
  );
}
