// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { encodeFrame } from "../../mod.ts";
import { FilesFrameType } from "../../files/mod.ts";
import {
  encodeAck,
  encodeDone,
  encodeEnd,
  encodeGet,
  encodePut,
  encodeReady,
  encodeReport,
  encodeStart,
  parseAck,
  parseChunk,
  parseDone,
  parseEnd,
  parseGet,
  parsePut,
  parseReady,
  parseReport,
  parseStart,
  writeChunkHeader,
} from "../../files/_wire.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");

Deno.test("BlobChunk: id u32 and offset u64, big-endian, before the data (the PROTOCOL.md example)", () => {
  // Blob 7, bytes "hi" at offset 2^32 + 5.
  const payload = new Uint8Array(14);
  payload.set([0x68, 0x69], 12);
  writeChunkHeader(payload, 7, 2 ** 32 + 5);
  assert.equal(
    hex(encodeFrame({ type: FilesFrameType.BlobChunk, payload })),
    "07 00 00 00 0e 00 00 00 07 00 00 00 01 00 00 00 05 68 69",
  );
  const chunk = parseChunk(payload);
  assert.deepEqual([chunk.id, chunk.offset, [...chunk.data]], [7, 2 ** 32 + 5, [
    0x68,
    0x69,
  ]]);
});

Deno.test("BlobEnd, BlobAck and BlobDone round-trip with their exact lengths", () => {
  const sha = new Uint8Array(32).fill(0xab);
  const end = encodeEnd(3, 586_403, sha);
  assert.equal(end.payload.length, 44);
  assert.equal(
    hex(end.payload.subarray(0, 12)),
    "00 00 00 03 00 00 00 00 00 08 f2 a3",
  );
  assert.deepEqual(parseEnd(end.payload), {
    id: 3,
    size: 586_403,
    sha256: sha,
  });
  assert.deepEqual(parseAck(encodeAck(9, 2 ** 40).payload), {
    id: 9,
    bytes: 2 ** 40,
  });
  assert.equal(hex(encodeDone(258).payload), "00 00 01 02");
  assert.equal(parseDone(encodeDone(258).payload), 258);
});

Deno.test("BlobAbort and BlobCancel carry an id then JSON; a non-JSON report is kept as text", () => {
  const frame = encodeReport(
    FilesFrameType.BlobCancel,
    5,
    "BLOB_DIGEST_MISMATCH",
    "differs",
  );
  assert.equal(frame.type, 12);
  assert.deepEqual(parseReport(frame.payload, "BlobCancel"), {
    id: 5,
    code: "BLOB_DIGEST_MISMATCH",
    message: "differs",
  });
  const raw = new Uint8Array([0, 0, 0, 1, 0x6f, 0x6f, 0x70, 0x73]);
  assert.deepEqual(parseReport(raw, "BlobAbort"), {
    id: 1,
    code: "UNKNOWN",
    message: "oops",
  });
});

Deno.test("JSON frames round-trip: BlobStart, FileGet, FilePut, FileReady", () => {
  const start = {
    id: 1,
    size: null,
    offset: 0,
    chunkBytes: 1024,
    window: 4,
    meta: { name: "x" },
  };
  assert.deepEqual(parseStart(encodeStart(start).payload), start);
  assert.deepEqual(
    parseGet(encodeGet({ id: 2, path: "a/b", offset: 10 }).payload),
    {
      id: 2,
      path: "a/b",
      offset: 10,
      window: undefined,
      chunkBytes: undefined,
    },
  );
  assert.deepEqual(
    parsePut(encodePut({ id: 3, path: "c", size: 5, overwrite: true }).payload),
    { id: 3, path: "c", size: 5, overwrite: true },
  );
  assert.deepEqual(
    parseReady(encodeReady({ id: 4, window: 8, chunkBytes: 9 }).payload),
    {
      id: 4,
      window: 8,
      chunkBytes: 9,
    },
  );
});

Deno.test("Malformed blob frames are refused with BLOB_MALFORMED, bad requests with BAD_REQUEST", () => {
  const json = (value: unknown) =>
    new TextEncoder().encode(JSON.stringify(value));
  const malformed = { code: "BLOB_MALFORMED" };
  // Each case breaks one rule of the layout.
  assert.throws(() => parseChunk(new Uint8Array(11)), malformed); // shorter than the header
  assert.throws(() => parseEnd(new Uint8Array(43)), malformed); // digest cut short
  assert.throws(() => parseAck(new Uint8Array(13)), malformed);
  assert.throws(() => parseDone(new Uint8Array(5)), malformed);
  const huge = new Uint8Array(12);
  huge.set([0, 0, 0, 1, 0, 0x20, 0, 0], 0); // offset 2^53: not exact in JavaScript
  assert.throws(() => parseChunk(huge), malformed);
  assert.throws(() => parseStart(new TextEncoder().encode("{")), malformed);
  assert.throws(
    () => parseStart(json({ id: -1, chunkBytes: 1, window: 1 })),
    malformed,
  );
  assert.throws(
    () => parseStart(json({ id: 1, chunkBytes: 0, window: 1 })),
    malformed,
  );
  assert.throws(
    () => parseStart(json({ id: 1, chunkBytes: 1, window: 0 })),
    malformed,
  );
  assert.throws(
    () =>
      parseStart(json({ id: 1, size: 5, offset: 6, chunkBytes: 1, window: 1 })),
    malformed,
  );
  assert.throws(
    () => parseStart(json({ id: 1, chunkBytes: 1, window: 1, meta: [] })),
    malformed,
  );
  const bad = { code: "BAD_REQUEST" };
  assert.throws(() => parseGet(json([1])), bad);
  assert.throws(() => parseGet(json({ id: 1, path: 5 })), bad);
  assert.throws(() => parseGet(json({ id: 1, path: "a", offset: -1 })), bad);
  assert.throws(
    () => parsePut(json({ id: 1, path: "a", overwrite: "yes" })),
    bad,
  );
  // Not UTF-8: its own code, the names in it cannot be read as sent.
  assert.throws(() => parsePut(new Uint8Array([0xff])), {
    code: "INVALID_TEXT",
  });
  assert.throws(() => parseGet(new Uint8Array([0x7b, 0xc3, 0x7d])), {
    code: "INVALID_TEXT",
  });
});
