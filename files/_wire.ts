// Copyright 2026 the framewire authors. MIT license.
// Payload layouts of the blob and file frames (docs/PROTOCOL.md, section 14):
// binary for the frames that come by the thousand (chunk, end, ack, done),
// JSON for the rare ones that carry names. Every parser checks lengths and
// ranges and throws BLOB_MALFORMED / BAD_REQUEST rather than guessing.
import type { Frame } from "../codec/frame.ts";
import { TransferError, TransferErrorCode } from "./errors.ts";
import { FilesFrameType } from "./frame_types.ts";
import { SHA256_BYTES } from "./_sha256.ts";

/** Bytes before the data in a BlobChunk payload: id u32, offset u64. */
export const CHUNK_HEADER_BYTES = 12;
/** Largest transfer id: ids are u32 on the wire. */
export const MAX_TRANSFER_ID = 0xffff_ffff;
/** Largest window a BlobStart may announce. */
export const MAX_WINDOW = 65_535;
/** Largest chunk size a BlobStart may announce (1 GiB). */
export const MAX_CHUNK_BYTES = 2 ** 30;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** What a BlobStart announces. */
export interface StartInfo {
  id: number;
  /** Total size of the resource in bytes, or `null` if the sender does not know. */
  size: number | null;
  /** Bytes [0, offset) the receiver already has; chunks start here. */
  offset: number;
  chunkBytes: number;
  window: number;
  meta: Record<string, unknown>;
}

export function encodeStart(info: StartInfo): Frame {
  return {
    type: FilesFrameType.BlobStart,
    payload: encoder.encode(JSON.stringify(info)),
  };
}

export function parseStart(payload: Uint8Array): StartInfo {
  const value = parseJson(payload, "BlobStart", TransferErrorCode.Malformed);
  const id = value.id;
  if (!isTransferId(id)) {
    throw malformed(`BlobStart id ${String(id)} is not a u32`);
  }
  const size = value.size ?? null;
  const offset = value.offset ?? 0;
  const { chunkBytes, window } = value;
  const meta = value.meta ?? {};
  if (size !== null && !isByteCount(size)) {
    throw malformed(`BlobStart size ${String(size)} is not a byte count`, id);
  }
  if (!isByteCount(offset) || (size !== null && offset > size)) {
    throw malformed(`BlobStart offset ${String(offset)} is out of range`, id);
  }
  if (!isIntegerIn(chunkBytes, 1, MAX_CHUNK_BYTES)) {
    throw malformed(
      `BlobStart chunkBytes ${String(chunkBytes)} is out of range`,
      id,
    );
  }
  if (!isIntegerIn(window, 1, MAX_WINDOW)) {
    throw malformed(`BlobStart window ${String(window)} is out of range`, id);
  }
  if (meta === null || typeof meta !== "object" || Array.isArray(meta)) {
    throw malformed("BlobStart meta is not an object", id);
  }
  return {
    id,
    size,
    offset,
    chunkBytes: chunkBytes as number,
    window: window as number,
    meta: meta as Record<string, unknown>,
  };
}

/** Writes a chunk header in front of data already placed at byte 12. */
export function writeChunkHeader(
  payload: Uint8Array,
  id: number,
  offset: number,
): void {
  const view = new DataView(
    payload.buffer,
    payload.byteOffset,
    CHUNK_HEADER_BYTES,
  );
  view.setUint32(0, id);
  writeU64(view, 4, offset);
}

export interface ChunkInfo {
  id: number;
  offset: number;
  data: Uint8Array;
}

export function parseChunk(payload: Uint8Array): ChunkInfo {
  if (payload.length < CHUNK_HEADER_BYTES) {
    throw malformed(
      `BlobChunk payload of ${payload.length} bytes is shorter than its header`,
    );
  }
  const view = viewOf(payload);
  const id = view.getUint32(0);
  return {
    id,
    offset: readU64(view, 4, "BlobChunk offset", id),
    data: payload.subarray(CHUNK_HEADER_BYTES),
  };
}

export function encodeEnd(id: number, size: number, sha256: Uint8Array): Frame {
  const payload = new Uint8Array(12 + SHA256_BYTES);
  const view = viewOf(payload);
  view.setUint32(0, id);
  writeU64(view, 4, size);
  payload.set(sha256, 12);
  return { type: FilesFrameType.BlobEnd, payload };
}

export interface EndInfo {
  id: number;
  size: number;
  sha256: Uint8Array;
}

export function parseEnd(payload: Uint8Array): EndInfo {
  if (payload.length !== 12 + SHA256_BYTES) {
    throw malformed(
      `BlobEnd payload has ${payload.length} bytes, expected ${
        12 + SHA256_BYTES
      }`,
    );
  }
  const view = viewOf(payload);
  const id = view.getUint32(0);
  return {
    id,
    size: readU64(view, 4, "BlobEnd size", id),
    sha256: payload.slice(12),
  };
}

export function encodeAck(id: number, bytes: number): Frame {
  const payload = new Uint8Array(12);
  const view = viewOf(payload);
  view.setUint32(0, id);
  writeU64(view, 4, bytes);
  return { type: FilesFrameType.BlobAck, payload };
}

export function parseAck(payload: Uint8Array): { id: number; bytes: number } {
  if (payload.length !== 12) {
    throw malformed(`BlobAck payload has ${payload.length} bytes, expected 12`);
  }
  const view = viewOf(payload);
  const id = view.getUint32(0);
  return { id, bytes: readU64(view, 4, "BlobAck offset", id) };
}

export function encodeDone(id: number): Frame {
  const payload = new Uint8Array(4);
  viewOf(payload).setUint32(0, id);
  return { type: FilesFrameType.BlobDone, payload };
}

export function parseDone(payload: Uint8Array): number {
  if (payload.length !== 4) {
    throw malformed(`BlobDone payload has ${payload.length} bytes, expected 4`);
  }
  return viewOf(payload).getUint32(0);
}

/** A BlobAbort or BlobCancel: an id, then JSON `{code, message}`. */
export function encodeReport(
  type: typeof FilesFrameType.BlobAbort | typeof FilesFrameType.BlobCancel,
  id: number,
  code: string,
  message: string,
): Frame {
  const json = encoder.encode(JSON.stringify({ code, message }));
  const payload = new Uint8Array(4 + json.length);
  viewOf(payload).setUint32(0, id);
  payload.set(json, 4);
  return { type, payload };
}

export interface ReportInfo {
  id: number;
  code: string;
  message: string;
}

export function parseReport(payload: Uint8Array, name: string): ReportInfo {
  if (payload.length < 4) {
    throw malformed(`${name} payload of ${payload.length} bytes has no id`);
  }
  const id = viewOf(payload).getUint32(0);
  // Like Error frames: a report we cannot parse is still a report.
  let code = "UNKNOWN";
  let message = "";
  try {
    const value = JSON.parse(new TextDecoder().decode(payload.subarray(4)));
    if (typeof value?.code === "string") code = value.code;
    if (typeof value?.message === "string") message = value.message;
  } catch {
    message = new TextDecoder().decode(payload.subarray(4));
  }
  return { id, code, message };
}

/** A FileGet request. */
export interface GetRequest {
  id: number;
  path: string;
  offset?: number;
  window?: number;
  chunkBytes?: number;
}

export function encodeGet(request: GetRequest): Frame {
  return {
    type: FilesFrameType.FileGet,
    payload: encoder.encode(JSON.stringify(request)),
  };
}

export function parseGet(payload: Uint8Array): GetRequest {
  const value = parseJson(payload, "FileGet", TransferErrorCode.BadRequest);
  const { id, path, offset, window, chunkBytes } = value;
  if (!isTransferId(id)) {
    throw badRequest(`FileGet id ${String(id)} is not a u32`);
  }
  if (typeof path !== "string") {
    throw badRequest("FileGet path is not a string", id);
  }
  if (offset !== undefined && !isByteCount(offset)) {
    throw badRequest(
      `FileGet offset ${String(offset)} is not a byte count`,
      id,
    );
  }
  if (window !== undefined && !isIntegerIn(window, 1, MAX_WINDOW)) {
    throw badRequest(`FileGet window ${String(window)} is out of range`, id);
  }
  if (
    chunkBytes !== undefined && !isIntegerIn(chunkBytes, 1, MAX_CHUNK_BYTES)
  ) {
    throw badRequest(
      `FileGet chunkBytes ${String(chunkBytes)} is out of range`,
      id,
    );
  }
  return {
    id,
    path,
    offset: offset as number | undefined,
    window: window as number | undefined,
    chunkBytes: chunkBytes as number | undefined,
  };
}

/** A FilePut request. */
export interface PutRequest {
  id: number;
  path: string;
  size?: number;
  overwrite?: boolean;
}

export function encodePut(request: PutRequest): Frame {
  return {
    type: FilesFrameType.FilePut,
    payload: encoder.encode(JSON.stringify(request)),
  };
}

export function parsePut(payload: Uint8Array): PutRequest {
  const value = parseJson(payload, "FilePut", TransferErrorCode.BadRequest);
  const { id, path, size, overwrite } = value;
  if (!isTransferId(id)) {
    throw badRequest(`FilePut id ${String(id)} is not a u32`);
  }
  if (typeof path !== "string") {
    throw badRequest("FilePut path is not a string", id);
  }
  if (size !== undefined && size !== null && !isByteCount(size)) {
    throw badRequest(`FilePut size ${String(size)} is not a byte count`, id);
  }
  if (overwrite !== undefined && typeof overwrite !== "boolean") {
    throw badRequest("FilePut overwrite is not a boolean", id);
  }
  return {
    id,
    path,
    size: (size ?? undefined) as number | undefined,
    overwrite: overwrite as boolean | undefined,
  };
}

/** A FileReady answer. */
export interface ReadyInfo {
  id: number;
  window: number;
  chunkBytes: number;
}

export function encodeReady(info: ReadyInfo): Frame {
  return {
    type: FilesFrameType.FileReady,
    payload: encoder.encode(JSON.stringify(info)),
  };
}

export function parseReady(payload: Uint8Array): ReadyInfo {
  const value = parseJson(payload, "FileReady", TransferErrorCode.Malformed);
  const { id, window, chunkBytes } = value;
  if (
    !isTransferId(id) || !isIntegerIn(window, 1, MAX_WINDOW) ||
    !isIntegerIn(chunkBytes, 1, MAX_CHUNK_BYTES)
  ) {
    throw malformed("FileReady needs a u32 id, a window and a chunk size");
  }
  return { id, window: window as number, chunkBytes: chunkBytes as number };
}

/** The id at the start of a binary blob frame, if it has one. */
export function peekId(payload: Uint8Array): number | undefined {
  return payload.length >= 4 ? viewOf(payload).getUint32(0) : undefined;
}

function parseJson(
  payload: Uint8Array,
  name: string,
  code: string,
): Record<string, unknown> {
  let text: string;
  try {
    text = decoder.decode(payload);
  } catch {
    // A request's names must arrive as sent: invalid UTF-8 has its own code.
    throw new TransferError(
      code === TransferErrorCode.BadRequest
        ? TransferErrorCode.InvalidText
        : code,
      `Cannot parse ${name}: the payload is not valid UTF-8`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TransferError(
      code,
      `Cannot parse ${name}: the payload is not UTF-8 JSON`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TransferError(
      code,
      `Cannot parse ${name}: the payload is not a JSON object`,
    );
  }
  return value as Record<string, unknown>;
}

function viewOf(payload: Uint8Array): DataView {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
}

function writeU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, Math.floor(value / 2 ** 32));
  view.setUint32(at + 4, value >>> 0);
}

function readU64(view: DataView, at: number, what: string, id: number): number {
  const high = view.getUint32(at);
  // Above 2^53 - 1 a JavaScript number would round: refuse instead.
  if (high >= 2 ** 21) throw malformed(`${what} is above 2^53 - 1`, id);
  return high * 2 ** 32 + view.getUint32(at + 4);
}

function isTransferId(value: unknown): value is number {
  return isIntegerIn(value, 0, MAX_TRANSFER_ID);
}

function isByteCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return Number.isInteger(value) && (value as number) >= min &&
    (value as number) <= max;
}

function malformed(message: string, transferId?: number): TransferError {
  return new TransferError(
    TransferErrorCode.Malformed,
    `Cannot parse blob frame: ${message}`,
    {
      transferId,
    },
  );
}

function badRequest(message: string, transferId?: number): TransferError {
  return new TransferError(
    TransferErrorCode.BadRequest,
    `Cannot parse request: ${message}`,
    {
      transferId,
    },
  );
}
