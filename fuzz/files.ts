// Copyright 2026 the framewire authors. MIT license.
/**
 * Fuzz target `files`: the blob and file wire parsers (`files/_wire.ts`) fed
 * payloads built by their own encoders from random fields (docs/PROTOCOL.md
 * section 14), then damaged at the byte level, plus raw bytes.
 *
 * Invariants:
 * - the only exception is `TransferError` with the code its parser
 *   documents (`BLOB_MALFORMED` for blob frames and FileReady,
 *   `BAD_REQUEST` for FileGet and FilePut), a code in section 14.4;
 * - an accepted payload holds only in-range values (u32 ids, byte counts
 *   that are safe integers, windows and chunk sizes within their limits),
 *   and encoding what was parsed gives back the same bytes (binary frames)
 *   or the same value (JSON frames).
 *
 * @module
 */
import fc from "fast-check";
import { TransferError, TransferErrorCode } from "../files/errors.ts";
import { FilesFrameType } from "../files/frame_types.ts";
import {
  CHUNK_HEADER_BYTES,
  encodeAck,
  encodeDone,
  encodeEnd,
  encodeGet,
  encodePut,
  encodeReady,
  encodeReport,
  encodeStart,
  MAX_CHUNK_BYTES,
  MAX_TRANSFER_ID,
  MAX_WINDOW,
  parseAck,
  parseChunk,
  parseDone,
  parseEnd,
  parseGet,
  parsePut,
  parseReady,
  parseReport,
  parseStart,
  peekId,
  writeChunkHeader,
} from "../files/_wire.ts";
import { applyMutations, type Mutation, mutationsArb } from "./_mutate.ts";
import {
  assertDocumented,
  describeThrown,
  type FuzzBudget,
  type FuzzResult,
  runProperty,
  Tally,
} from "./_run.ts";

const encoder = new TextEncoder();

const PARSERS = [
  "start",
  "chunk",
  "end",
  "ack",
  "done",
  "report",
  "get",
  "put",
  "ready",
] as const;
type ParserName = typeof PARSERS[number];

// The code each parser documents for a payload it cannot use.
const REFUSAL: Record<ParserName, string | readonly string[]> = {
  start: TransferErrorCode.Malformed,
  chunk: TransferErrorCode.Malformed,
  end: TransferErrorCode.Malformed,
  ack: TransferErrorCode.Malformed,
  done: TransferErrorCode.Malformed,
  report: TransferErrorCode.Malformed,
  // INVALID_TEXT for a payload that is not valid UTF-8.
  get: [TransferErrorCode.BadRequest, TransferErrorCode.InvalidText],
  put: [TransferErrorCode.BadRequest, TransferErrorCode.InvalidText],
  ready: TransferErrorCode.Malformed,
};

const TOKENS: readonly Uint8Array[] = [
  '"',
  "{",
  "}",
  "null",
  "-1",
  "1e999",
  "4294967296",
  "9007199254740993",
  "0.5",
  '"id":',
  '"path":"../x",',
  '"meta":[],',
  '"size":null,',
  "\\ud800",
].map((text) => encoder.encode(text)).concat([new Uint8Array([0xff])]);

const u32 = fc.oneof(
  fc.constantFrom(0, 1, MAX_TRANSFER_ID),
  fc.nat(MAX_TRANSFER_ID),
);
const byteCount = fc.oneof(
  fc.constantFrom(0, 1, 2 ** 32, Number.MAX_SAFE_INTEGER),
  fc.nat(),
  fc.maxSafeNat(),
);
/** A field that is mostly in range, sometimes anything JSON can hold. */
function field<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: arb, weight: 5 },
    {
      arbitrary: fc.oneof(
        fc.constantFrom(null, -1, 1.5, 2 ** 53, "1", true, [], {}),
        fc.integer(),
        fc.double(),
      ),
      weight: 1,
    },
  );
}
const pathArb = fc.oneof(
  fc.constantFrom(
    "a.txt",
    "dir/b.bin",
    "../etc/passwd",
    "/abs",
    "",
    ".",
    "a\u0000b",
  ),
  fc.string({ maxLength: 30 }),
);

/** A valid payload for `parser`, as its encoder writes it. */
function validPayload(parser: ParserName): fc.Arbitrary<Uint8Array> {
  switch (parser) {
    case "start":
      return fc.record({
        id: field(u32),
        size: field(fc.option(byteCount)),
        offset: field(byteCount),
        chunkBytes: field(fc.integer({ min: 1, max: MAX_CHUNK_BYTES })),
        window: field(fc.integer({ min: 1, max: MAX_WINDOW })),
        meta: field(
          fc.dictionary(
            fc.string({ maxLength: 5 }),
            fc.string({ maxLength: 5 }),
            { maxKeys: 2 },
          ),
        ),
      }).map((info) => encodeStart(info as never).payload);
    case "chunk":
      return fc.tuple(u32, byteCount, fc.uint8Array({ maxLength: 32 })).map(
        ([id, offset, data]) => {
          const payload = new Uint8Array(CHUNK_HEADER_BYTES + data.length);
          payload.set(data, CHUNK_HEADER_BYTES);
          writeChunkHeader(payload, id, offset);
          return payload;
        },
      );
    case "end":
      return fc.tuple(
        u32,
        byteCount,
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
      )
        .map(([id, size, sha]) => encodeEnd(id, size, sha).payload);
    case "ack":
      return fc.tuple(u32, byteCount).map(([id, bytes]) =>
        encodeAck(id, bytes).payload
      );
    case "done":
      return u32.map((id) => encodeDone(id).payload);
    case "report":
      return fc.tuple(
        u32,
        fc.string({ maxLength: 12 }),
        fc.string({ maxLength: 20 }),
      )
        .map(([id, code, message]) =>
          encodeReport(FilesFrameType.BlobCancel, id, code, message).payload
        );
    case "get":
      return fc.record({
        id: field(u32),
        path: field(pathArb),
        offset: field(byteCount),
        window: field(fc.integer({ min: 1, max: MAX_WINDOW })),
        chunkBytes: field(fc.integer({ min: 1, max: MAX_CHUNK_BYTES })),
      }, { requiredKeys: ["id", "path"] }).map((request) =>
        encodeGet(request as never).payload
      );
    case "put":
      return fc.record({
        id: field(u32),
        path: field(pathArb),
        size: field(fc.option(byteCount)),
        overwrite: field(fc.boolean()),
      }, { requiredKeys: ["id", "path"] }).map((request) =>
        encodePut(request as never).payload
      );
    case "ready":
      return fc.record({
        id: field(u32),
        window: field(fc.integer({ min: 1, max: MAX_WINDOW })),
        chunkBytes: field(fc.integer({ min: 1, max: MAX_CHUNK_BYTES })),
      }).map((info) => encodeReady(info as never).payload);
  }
}

/** One generated files case. */
export interface FilesCase {
  readonly parser: ParserName;
  readonly payload: Uint8Array;
  readonly mutations: Mutation[];
}

const caseArb: fc.Arbitrary<FilesCase> = fc.constantFrom(...PARSERS).chain(
  (parser) =>
    fc.record({
      parser: fc.constant(parser),
      payload: fc.oneof(
        { arbitrary: validPayload(parser), weight: 6 },
        { arbitrary: fc.uint8Array({ maxLength: 48 }), weight: 1 },
      ),
      mutations: mutationsArb(3, TOKENS.length),
    }),
);

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

const isU32 = (value: unknown) =>
  Number.isInteger(value) && (value as number) >= 0 &&
  (value as number) <= MAX_TRANSFER_ID;
const isCount = (value: unknown) =>
  Number.isSafeInteger(value) && (value as number) >= 0;
const inRange = (value: unknown, max: number) =>
  Number.isInteger(value) && (value as number) >= 1 && (value as number) <= max;

// JSON frames carry numbers as JSON does: -0 reads back as 0, which is the
// same transfer id or byte count, so values are compared as JSON text.
function sameJson(again: unknown, first: unknown): void {
  const a = JSON.stringify(again);
  const b = JSON.stringify(first);
  check(a === b, `re-encoding changed ${b} into ${a}`);
}

function same(a: Uint8Array, b: Uint8Array, what: string): void {
  check(
    a.length === b.length && a.every((byte, i) => byte === b[i]),
    `${what}: re-encoding differs from the input`,
  );
}

/** Parses `payload` with `parser` and checks what comes back. */
function parseAndCheck(parser: ParserName, payload: Uint8Array): void {
  switch (parser) {
    case "start": {
      const info = parseStart(payload);
      check(isU32(info.id) && isCount(info.offset), "start id/offset");
      check(
        info.size === null || (isCount(info.size) && info.offset <= info.size),
        "start size",
      );
      check(
        inRange(info.chunkBytes, MAX_CHUNK_BYTES) &&
          inRange(info.window, MAX_WINDOW),
        "start limits",
      );
      sameJson(parseStart(encodeStart(info).payload), info);
      return;
    }
    case "chunk": {
      const info = parseChunk(payload);
      check(isU32(info.id) && isCount(info.offset), "chunk id/offset");
      const copy = payload.slice();
      writeChunkHeader(copy, info.id, info.offset);
      same(copy, payload, "chunk");
      same(info.data, payload.subarray(CHUNK_HEADER_BYTES), "chunk data");
      return;
    }
    case "end": {
      const info = parseEnd(payload);
      same(encodeEnd(info.id, info.size, info.sha256).payload, payload, "end");
      return;
    }
    case "ack": {
      const info = parseAck(payload);
      same(encodeAck(info.id, info.bytes).payload, payload, "ack");
      return;
    }
    case "done":
      same(encodeDone(parseDone(payload)).payload, payload, "done");
      return;
    case "report": {
      const info = parseReport(payload, "BlobCancel");
      check(
        info.id === peekId(payload) && typeof info.code === "string",
        "report",
      );
      return;
    }
    case "get": {
      const request = parseGet(payload);
      check(
        isU32(request.id) && typeof request.path === "string",
        "get id/path",
      );
      check(
        request.offset === undefined || isCount(request.offset),
        "get offset",
      );
      check(
        request.window === undefined || inRange(request.window, MAX_WINDOW),
        "get window",
      );
      check(
        request.chunkBytes === undefined ||
          inRange(request.chunkBytes, MAX_CHUNK_BYTES),
        "get chunkBytes",
      );
      sameJson(parseGet(encodeGet(request).payload), request);
      return;
    }
    case "put": {
      const request = parsePut(payload);
      check(
        isU32(request.id) && typeof request.path === "string",
        "put id/path",
      );
      check(request.size === undefined || isCount(request.size), "put size");
      sameJson(parsePut(encodePut(request).payload), request);
      return;
    }
    case "ready": {
      const info = parseReady(payload);
      sameJson(parseReady(encodeReady(info).payload), info);
      return;
    }
  }
}

/** Runs one case; throws on any broken invariant. */
export function checkFilesCase(testCase: FilesCase, tally: Tally): void {
  const payload = applyMutations(
    testCase.payload,
    testCase.mutations,
    undefined,
    TOKENS,
  );
  check(
    peekId(payload) ===
      (payload.length >= 4
        ? new DataView(payload.buffer, payload.byteOffset).getUint32(0)
        : undefined),
    "peekId",
  );
  try {
    parseAndCheck(testCase.parser, payload);
  } catch (error) {
    if (!(error instanceof TransferError)) {
      throw new Error(
        `parse ${testCase.parser} threw ${describeThrown(error)}`,
      );
    }
    const want = REFUSAL[testCase.parser];
    if (
      typeof want === "string"
        ? error.code !== want
        : !want.includes(error.code)
    ) {
      throw new Error(
        `parse ${testCase.parser} refused with ${error.code}, documented ${want}`,
      );
    }
    assertDocumented(error.code, `parse ${testCase.parser}`);
    check(
      error.transferId === undefined || isU32(error.transferId),
      "transferId",
    );
    tally.refuse(error.code);
  }
}

/** Runs the `files` target. */
export function fuzzFiles(budget: FuzzBudget): Promise<FuzzResult> {
  const tally = new Tally();
  return runProperty(
    "files",
    fc.property(caseArb, (testCase) => checkFilesCase(testCase, tally)),
    budget,
    tally,
  );
}
