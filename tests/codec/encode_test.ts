// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  encodedFrameLength,
  encodeFrame,
  encodeFrameInto,
  encodeFrames,
  type Frame,
  type FrameCodecOptions,
  FrameDecoder,
  FrameTooLargeError,
  FrameType,
  resolveFrameCodecOptions,
  X86_LITTLE_ENDIAN_PROFILE,
} from "../../mod.ts";
import { concat, fromHex, hex, utf8 } from "../_utils.ts";
import {
  arbitraryFrames,
  HELLO_BYE_FRAMES,
  HELLO_BYE_STREAM,
  PROFILES,
  view,
} from "./_fixtures.ts";

// --- Exact bytes --------------------------------------------------------------

Deno.test("encodeFrame produces the bytes of the PROTOCOL.md examples", () => {
  const cases: { frame: Frame; bytes: string }[] = [
    // The running example of the README and mod.ts.
    {
      frame: { type: FrameType.Chat, payload: utf8("hello!") },
      bytes: "00 00 00 00 06 68 65 6c 6c 6f 21",
    },
    {
      frame: { type: FrameType.Chat, payload: utf8("bye!") },
      bytes: "00 00 00 00 04 62 79 65 21",
    },
    // An empty payload is a header alone.
    {
      frame: { type: FrameType.Ping, payload: new Uint8Array() },
      bytes: "02 00 00 00 00",
    },
    {
      frame: { type: FrameType.Ping, payload: fromHex("01 02 03") },
      bytes: "02 00 00 00 03 01 02 03",
    },
    {
      frame: { type: FrameType.Pong, payload: fromHex("01 02 03") },
      bytes: "04 00 00 00 03 01 02 03",
    },
    {
      frame: { type: FrameType.Debug, payload: utf8("hi") },
      bytes: "01 00 00 00 02 68 69",
    },
    // The top of the type byte.
    {
      frame: { type: 255, payload: fromHex("ff") },
      bytes: "ff 00 00 00 01 ff",
    },
  ];
  for (const { frame, bytes } of cases) {
    assert.equal(hex(encodeFrame(frame)), bytes);
    // And the decoder reads the same bytes back as the same frame.
    assert.deepEqual(
      view(new FrameDecoder().push(fromHex(bytes))),
      view([frame]),
    );
  }
});

Deno.test("encodeFrames puts hello! and bye! back to back as the 20-byte PROTOCOL.md stream", () => {
  assert.equal(hex(encodeFrames(HELLO_BYE_FRAMES)), hex(HELLO_BYE_STREAM));
  assert.equal(
    hex(HELLO_BYE_STREAM),
    "00 00 00 00 06 68 65 6c 6c 6f 21 00 00 00 00 04 62 79 65 21",
  );
});

Deno.test("encodeFrame lays out every profile as PROTOCOL.md section 6 shows", () => {
  const hi = utf8("hi");
  const cases: {
    name: string;
    options: FrameCodecOptions;
    frame: Frame;
    bytes: string;
  }[] = [
    // The x86 C/C++ profile: native little-endian uint32 after the type.
    {
      name: "x86 Ping hello",
      options: X86_LITTLE_ENDIAN_PROFILE,
      frame: { type: 2, payload: utf8("hello") },
      bytes: "02 05 00 00 00 68 65 6c 6c 6f",
    },
    {
      name: "default Ping hello",
      options: {},
      frame: { type: 2, payload: utf8("hello") },
      bytes: "02 00 00 00 05 68 65 6c 6c 6f",
    },
    // Untyped, 2-byte big-endian: the length is the first byte.
    {
      name: "untyped 2-byte",
      options: { typeByte: false, lengthFieldBytes: 2 },
      frame: { type: 0, payload: hi },
      bytes: "00 02 68 69",
    },
    // Untyped, 4-byte big-endian: tokio-util's LengthDelimitedCodec.
    {
      name: "untyped 4-byte (LengthDelimitedCodec)",
      options: { typeByte: false },
      frame: { type: 0, payload: hi },
      bytes: "00 00 00 02 68 69",
    },
    {
      name: "untyped 4-byte little-endian",
      options: { typeByte: false, littleEndian: true },
      frame: { type: 0, payload: hi },
      bytes: "02 00 00 00 68 69",
    },
    // 8-byte big-endian, typed.
    {
      name: "8-byte Chat hi",
      options: { lengthFieldBytes: 8 },
      frame: { type: 0, payload: hi },
      bytes: "00 | 00 00 00 00 00 00 00 02 | 68 69",
    },
    {
      name: "8-byte little-endian Chat hi",
      options: { lengthFieldBytes: 8, littleEndian: true },
      frame: { type: 0, payload: hi },
      bytes: "00 | 02 00 00 00 00 00 00 00 | 68 69",
    },
    // 1-byte field: byte order does not exist.
    {
      name: "1-byte Debug hi",
      options: { lengthFieldBytes: 1 },
      frame: { type: 1, payload: hi },
      bytes: "01 02 68 69",
    },
    {
      name: "1-byte little-endian untyped",
      options: { lengthFieldBytes: 1, littleEndian: true, typeByte: false },
      frame: { type: 0, payload: hi },
      bytes: "02 68 69",
    },
    {
      name: "2-byte little-endian Debug hi",
      options: { lengthFieldBytes: 2, littleEndian: true },
      frame: { type: 1, payload: hi },
      bytes: "01 02 00 68 69",
    },
  ];
  for (const { name, options, frame, bytes } of cases) {
    assert.equal(hex(encodeFrame(frame, options)), hex(fromHex(bytes)), name);
    assert.deepEqual(
      view(new FrameDecoder(options).push(fromHex(bytes))),
      view([frame]),
      name,
    );
  }
});

Deno.test("encodeFrame writes every length byte in the profile's order", () => {
  // Lengths whose bytes all differ, so a swapped or dropped byte shows.
  const cases: {
    options: FrameCodecOptions;
    length: number;
    header: string;
  }[] = [
    { options: {}, length: 0x0102, header: "09 00 00 01 02" },
    {
      options: X86_LITTLE_ENDIAN_PROFILE,
      length: 0x0102,
      header: "09 02 01 00 00",
    },
    { options: {}, length: 0x010203, header: "09 00 01 02 03" },
    {
      options: X86_LITTLE_ENDIAN_PROFILE,
      length: 0x010203,
      header: "09 03 02 01 00",
    },
    { options: { lengthFieldBytes: 2 }, length: 0x0102, header: "09 01 02" },
    {
      options: { lengthFieldBytes: 2, littleEndian: true },
      length: 0x0102,
      header: "09 02 01",
    },
    // 65535: the 2-byte field's limit.
    { options: { lengthFieldBytes: 2 }, length: 0xffff, header: "09 ff ff" },
    // 255: the 1-byte field's limit.
    { options: { lengthFieldBytes: 1 }, length: 0xff, header: "09 ff" },
    {
      options: { lengthFieldBytes: 8 },
      length: 0x010203,
      header: "09 00 00 00 00 00 01 02 03",
    },
    {
      options: { lengthFieldBytes: 8, littleEndian: true },
      length: 0x010203,
      header: "09 03 02 01 00 00 00 00 00",
    },
    { options: { typeByte: false }, length: 0x010203, header: "00 01 02 03" },
  ];
  for (const { options, length, header } of cases) {
    const frame = {
      type: options.typeByte === false ? 0 : 9,
      payload: new Uint8Array(length),
    };
    const bytes = encodeFrame(frame, options);
    const headerLength = resolveFrameCodecOptions(options).headerLength;
    assert.equal(bytes.length, headerLength + length);
    assert.equal(hex(bytes.subarray(0, headerLength)), header);
  }
});

Deno.test("encodeFrame copies exactly the payload view's bytes", () => {
  const backing = fromHex("aa bb 01 02 03 cc");
  const payload = backing.subarray(2, 5); // 01 02 03, at byteOffset 2
  const bytes = encodeFrame({ type: 2, payload });
  assert.equal(hex(bytes), "02 00 00 00 03 01 02 03");
  // The output is a copy: changing the payload afterwards changes nothing.
  backing.fill(0);
  assert.equal(hex(bytes), "02 00 00 00 03 01 02 03");
  assert.notEqual(bytes.buffer, backing.buffer);
});

Deno.test("encodeFrames encodes any iterable, and nothing as an empty buffer", () => {
  function* frames(): Generator<Frame> {
    yield* HELLO_BYE_FRAMES;
  }
  assert.equal(hex(encodeFrames(frames())), hex(HELLO_BYE_STREAM));
  assert.equal(encodeFrames([]).length, 0);
});

// --- Properties ---------------------------------------------------------------

for (const profile of PROFILES) {
  Deno.test(`encodeFrames equals encodeFrame of each frame, concatenated (${profile.name})`, () => {
    fc.assert(
      fc.property(
        arbitraryFrames(profile.options),
        fc.nat({ max: 16 }),
        (frames, offset) => {
          const each = frames.map((frame) =>
            encodeFrame(frame, profile.options)
          );
          const all = encodeFrames(frames, profile.options);
          assert.equal(hex(all), hex(concat(each)));
          // encodedFrameLength predicts every size.
          assert.deepEqual(
            frames.map((frame) => encodedFrameLength(frame, profile.options)),
            each.map((bytes) => bytes.length),
          );
          // encodeFrameInto writes the same bytes at any offset and nothing
          // outside them.
          const target = new Uint8Array(offset + all.length + 3).fill(0xa5);
          let at = offset;
          for (const frame of frames) {
            at = encodeFrameInto(target, at, frame, profile.options);
          }
          assert.equal(at, offset + all.length);
          assert.equal(hex(target.subarray(offset, at)), hex(all));
          assert.ok(target.subarray(0, offset).every((byte) => byte === 0xa5));
          assert.ok(target.subarray(at).every((byte) => byte === 0xa5));
          // And the decoder reads it all back.
          const decoder = new FrameDecoder(profile.options);
          assert.deepEqual(view(decoder.push(all)), view(frames));
        },
      ),
      { numRuns: 60 },
    );
  });
}

// --- Refusals -----------------------------------------------------------------

// Frames every encoder refuses before writing a byte, with the error each
// must raise.
const BAD_FRAMES: {
  name: string;
  frame: unknown;
  options?: FrameCodecOptions;
  check: (error: unknown) => void;
}[] = [
  // One byte over a small limit.
  {
    name: "payload above maxFrameLength",
    frame: { type: 0, payload: new Uint8Array(11) },
    options: { maxFrameLength: 10 },
    check: (error) => {
      assert.ok(error instanceof FrameTooLargeError);
      assert.equal(error.code, "FRAME_TOO_LARGE");
      assert.equal(error.length, 11);
      assert.equal(error.maxFrameLength, 10);
      assert.equal(error.direction, "send");
      assert.equal(
        error.message,
        "Cannot send frame: payload length 11 exceeds maxFrameLength 10",
      );
    },
  },
  // The 1-byte field's own limit is the default maxFrameLength.
  {
    name: "256 bytes in a 1-byte field",
    frame: { type: 0, payload: new Uint8Array(256) },
    options: { lengthFieldBytes: 1 },
    check: (error) => {
      assert.ok(error instanceof FrameTooLargeError);
      assert.equal(error.length, 256);
      assert.equal(error.maxFrameLength, 255);
    },
  },
  // Untyped frames cannot carry a type: refusing beats dropping it.
  {
    name: "non-zero type without a type byte",
    frame: { type: 1, payload: new Uint8Array(1) },
    options: { typeByte: false },
    check: (error) => {
      assert.ok(error instanceof TypeError);
      assert.equal(
        error.message,
        "Cannot encode frame: type 1 cannot be sent without a type byte (typeByte: false)",
      );
    },
  },
  ...[-1, 256, 1.5, Number.NaN, "1"].map((type) => ({
    // Types outside a byte, fractions, NaN and numeric strings.
    name: `type ${JSON.stringify(type)}`,
    frame: { type, payload: new Uint8Array(1) },
    check: (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.ok(!(error instanceof FrameTooLargeError));
      assert.equal(
        error.message,
        `Cannot encode frame: type ${
          typeof type === "string" ? `"${type}"` : type
        } is not an integer from 0 to 255`,
      );
    },
  })),
  ...[
    [1, 2],
    new ArrayBuffer(2),
    "hi",
    undefined,
    new DataView(new ArrayBuffer(2)),
  ].map(
    (payload) => ({
      // Anything but a Uint8Array as the payload.
      name: `payload ${Object.prototype.toString.call(payload)}`,
      frame: { type: 0, payload },
      check: (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.equal(
          error.message,
          "Cannot encode frame: payload must be a Uint8Array",
        );
      },
    }),
  ),
  ...[null, undefined, 5].map((frame) => ({
    // Not a frame object at all.
    name: `frame ${frame}`,
    frame,
    check: (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.equal(
        error.message,
        `Cannot encode frame: expected {type, payload}, got ${frame}`,
      );
    },
  })),
];

Deno.test("every encoder refuses a malformed or oversized frame with a typed error", () => {
  const ok: Frame = { type: 0, payload: utf8("ok") };
  for (const { name, frame, options, check } of BAD_FRAMES) {
    const bad = frame as Frame;
    const calls: [string, () => unknown][] = [
      ["encodeFrame", () => encodeFrame(bad, options)],
      // The bad frame after a good one: the batch is checked first.
      ["encodeFrames", () => encodeFrames([ok, bad], options)],
      ["encodedFrameLength", () => encodedFrameLength(bad, options)],
    ];
    for (const [fn, call] of calls) {
      assert.throws(call, (error) => {
        check(error);
        return true;
      }, `${fn}: ${name}`);
    }
    // encodeFrameInto leaves the target untouched.
    const target = new Uint8Array(400).fill(0xa5);
    assert.throws(() => encodeFrameInto(target, 0, bad, options), (error) => {
      check(error);
      return true;
    }, `encodeFrameInto: ${name}`);
    assert.ok(target.every((byte) => byte === 0xa5), name);
  }
});

Deno.test("encodeFrame accepts type 0 without a type byte and exactly maxFrameLength bytes", () => {
  assert.equal(
    hex(
      encodeFrame({ type: 0, payload: new Uint8Array(3) }, {
        typeByte: false,
        maxFrameLength: 3,
      }),
    ),
    "00 00 00 03 00 00 00",
  );
  assert.equal(
    encodeFrame({ type: 0, payload: new Uint8Array(255) }, {
      lengthFieldBytes: 1,
    }).length,
    257, // 1 + 1 + 255
  );
});

Deno.test("encodeFrameInto refuses a frame that does not fit, writing nothing", () => {
  const frame = { type: 1, payload: utf8("abc") }; // 8 bytes encoded
  const cases: { name: string; size: number; offset: number }[] = [
    // One byte short.
    { name: "buffer 1 byte short", size: 7, offset: 0 },
    // Fits the buffer, but not from this offset.
    { name: "offset pushes it past the end", size: 10, offset: 3 },
    // Offsets that are not indexes.
    { name: "negative offset", size: 10, offset: -1 },
    { name: "fractional offset", size: 10, offset: 0.5 },
    { name: "NaN offset", size: 10, offset: Number.NaN },
  ];
  for (const { name, size, offset } of cases) {
    const target = new Uint8Array(size).fill(0xa5);
    assert.throws(() => encodeFrameInto(target, offset, frame), (error) => {
      assert.ok(error instanceof RangeError, name);
      assert.equal(
        error.message,
        `Cannot encode frame: 8 bytes at offset ${offset} do not fit in a ${size}-byte buffer`,
      );
      return true;
    });
    assert.ok(target.every((byte) => byte === 0xa5), name);
  }
  // An exact fit is fine and returns the end of the buffer.
  const exact = new Uint8Array(10);
  assert.equal(encodeFrameInto(exact, 2, frame), 10);
  assert.equal(hex(exact), "00 00 01 00 00 00 03 61 62 63");
});

Deno.test("encodedFrameLength adds the profile's header length", () => {
  const frame = { type: 0, payload: new Uint8Array(16) };
  const cases: { options: FrameCodecOptions; length: number }[] = [
    { options: {}, length: 21 }, // 1 + 4 + 16
    { options: { typeByte: false, lengthFieldBytes: 2 }, length: 18 }, // 2 + 16
    { options: { lengthFieldBytes: 1 }, length: 18 }, // 1 + 1 + 16
    { options: { lengthFieldBytes: 8 }, length: 25 }, // 1 + 8 + 16
    { options: { lengthFieldBytes: 8, typeByte: false }, length: 24 }, // 8 + 16
  ];
  for (const { options, length } of cases) {
    assert.equal(encodedFrameLength(frame, options), length);
  }
});

Deno.test("encodeFrame validates its options", () => {
  const frame = { type: 0, payload: new Uint8Array() };
  assert.throws(
    () => encodeFrame(frame, { lengthFieldBytes: 3 as 4 }),
    TypeError,
  );
  assert.throws(() => encodeFrame(frame, { maxFrameLength: -1 }), RangeError);
});
