// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  FrameTooLargeError,
  TruncatedFrameError,
  UnknownFrameTypeError,
} from "../../mod.ts";

Deno.test("FrameTooLargeError is a RangeError carrying length, limit and direction", () => {
  const cases: {
    direction: "send" | "receive";
    length: number;
    limit: number;
    message: string;
  }[] = [
    // Refused by the encoder before writing.
    {
      direction: "send",
      length: 11,
      limit: 10,
      message: "Cannot send frame: payload length 11 exceeds maxFrameLength 10",
    },
    // Refused by the decoder from a header: a C sender's -1.
    {
      direction: "receive",
      length: 2 ** 32 - 1,
      limit: 16 * 1024 * 1024,
      message:
        "Cannot receive frame: payload length 4294967295 exceeds maxFrameLength 16777216",
    },
  ];
  for (const { direction, length, limit, message } of cases) {
    const error = new FrameTooLargeError(length, limit, direction);
    assert.ok(error instanceof RangeError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "FrameTooLargeError");
    assert.equal(error.code, "FRAME_TOO_LARGE");
    assert.equal(error.length, length);
    assert.equal(error.maxFrameLength, limit);
    assert.equal(error.direction, direction);
    assert.equal(error.message, message);
    assert.match(String(error.stack), /^FrameTooLargeError: Cannot/);
  }
});

Deno.test("TruncatedFrameError is an Error that says where the stream ended", () => {
  const cases: {
    received: number;
    missing: number;
    inHeader: boolean;
    message: string;
  }[] = [
    // Inside a header: only the missing header bytes are known.
    {
      received: 2,
      missing: 3,
      inHeader: true,
      message:
        "Cannot decode frame: stream ended inside a header, 3 header bytes missing",
    },
    // Inside a payload: the frame's full size is known.
    {
      received: 7,
      missing: 4,
      inHeader: false,
      message:
        "Cannot decode frame: stream ended 4 bytes short of a 11-byte frame",
    },
  ];
  for (const { received, missing, inHeader, message } of cases) {
    const error = new TruncatedFrameError(received, missing, inHeader);
    assert.ok(error instanceof Error);
    assert.ok(!(error instanceof RangeError));
    assert.equal(error.name, "TruncatedFrameError");
    assert.equal(error.code, "FRAME_TRUNCATED");
    assert.equal(error.receivedBytes, received);
    assert.equal(error.missingBytes, missing);
    assert.equal(error.inHeader, inHeader);
    assert.equal(error.message, message);
  }
});

Deno.test("UnknownFrameTypeError is a RangeError carrying the refused type", () => {
  const error = new UnknownFrameTypeError(71);
  assert.ok(error instanceof RangeError);
  assert.equal(error.name, "UnknownFrameTypeError");
  assert.equal(error.code, "FRAME_TYPE_UNKNOWN");
  assert.equal(error.frameType, 71);
  assert.equal(error.message, "Cannot decode frame: type 71 is not accepted");
});

Deno.test("codec error codes are distinct and stable", () => {
  const codes = [
    new FrameTooLargeError(1, 0, "send").code,
    new TruncatedFrameError(0, 1, true).code,
    new UnknownFrameTypeError(0).code,
  ];
  assert.deepEqual(codes, [
    "FRAME_TOO_LARGE",
    "FRAME_TRUNCATED",
    "FRAME_TYPE_UNKNOWN",
  ]);
});
