// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  DEFAULT_MAX_FRAME_LENGTH,
  encodeFrame,
  type FrameCodecOptions,
  FrameDecoder,
  FrameDecoderStream,
  FrameEncoderStream,
  maxLengthForField,
  resolveFrameCodecOptions,
  X86_LITTLE_ENDIAN_PROFILE,
} from "../../mod.ts";

Deno.test("resolveFrameCodecOptions fills in the documented defaults", () => {
  const cases: {
    options: FrameCodecOptions | undefined;
    resolved: ReturnType<typeof resolveFrameCodecOptions>;
  }[] = [
    // No options at all: the standard framewire format.
    {
      options: undefined,
      resolved: {
        lengthFieldBytes: 4,
        littleEndian: false,
        typeByte: true,
        maxFrameLength: DEFAULT_MAX_FRAME_LENGTH,
        headerLength: 5,
      },
    },
    // A 1-byte field caps the default limit at the field's 255.
    {
      options: { lengthFieldBytes: 1 },
      resolved: {
        lengthFieldBytes: 1,
        littleEndian: false,
        typeByte: true,
        maxFrameLength: 255,
        headerLength: 2,
      },
    },
    // A 2-byte field: 65535.
    {
      options: { lengthFieldBytes: 2, typeByte: false },
      resolved: {
        lengthFieldBytes: 2,
        littleEndian: false,
        typeByte: false,
        maxFrameLength: 65535,
        headerLength: 2,
      },
    },
    // An 8-byte field keeps the 16 MiB default, not 2^53 - 1.
    {
      options: { lengthFieldBytes: 8, littleEndian: true },
      resolved: {
        lengthFieldBytes: 8,
        littleEndian: true,
        typeByte: true,
        maxFrameLength: DEFAULT_MAX_FRAME_LENGTH,
        headerLength: 9,
      },
    },
    // The x86 profile is the default layout with a little-endian length.
    {
      options: X86_LITTLE_ENDIAN_PROFILE,
      resolved: {
        lengthFieldBytes: 4,
        littleEndian: true,
        typeByte: true,
        maxFrameLength: DEFAULT_MAX_FRAME_LENGTH,
        headerLength: 5,
      },
    },
    // Limits at both ends of the range are accepted.
    {
      options: { maxFrameLength: 0 },
      resolved: {
        lengthFieldBytes: 4,
        littleEndian: false,
        typeByte: true,
        maxFrameLength: 0,
        headerLength: 5,
      },
    },
    {
      options: { lengthFieldBytes: 8, maxFrameLength: Number.MAX_SAFE_INTEGER },
      resolved: {
        lengthFieldBytes: 8,
        littleEndian: false,
        typeByte: true,
        maxFrameLength: Number.MAX_SAFE_INTEGER,
        headerLength: 9,
      },
    },
  ];
  for (const { options, resolved } of cases) {
    const actual = resolveFrameCodecOptions(options);
    assert.deepEqual({ ...actual }, resolved);
    assert.ok(Object.isFrozen(actual));
  }
  assert.equal(DEFAULT_MAX_FRAME_LENGTH, 16 * 1024 * 1024);
});

Deno.test("resolveFrameCodecOptions returns resolved options as they are", () => {
  const resolved = resolveFrameCodecOptions({ lengthFieldBytes: 2 });
  assert.equal(resolveFrameCodecOptions(resolved), resolved);
  // A look-alike plain object is validated again, not trusted.
  const copy = { ...resolved };
  assert.notEqual(resolveFrameCodecOptions(copy), copy);
  assert.throws(
    () => resolveFrameCodecOptions({ ...resolved, maxFrameLength: 70000 }),
    RangeError,
  );
});

Deno.test("X86_LITTLE_ENDIAN_PROFILE is frozen", () => {
  assert.ok(Object.isFrozen(X86_LITTLE_ENDIAN_PROFILE));
  assert.deepEqual({ ...X86_LITTLE_ENDIAN_PROFILE }, {
    lengthFieldBytes: 4,
    littleEndian: true,
    typeByte: true,
  });
});

Deno.test("maxLengthForField gives each width's largest length", () => {
  assert.equal(maxLengthForField(1), 255);
  assert.equal(maxLengthForField(2), 65535);
  assert.equal(maxLengthForField(4), 2 ** 32 - 1);
  assert.equal(maxLengthForField(8), Number.MAX_SAFE_INTEGER);
  assert.throws(() => maxLengthForField(3 as 4), (error) => {
    assert.ok(error instanceof TypeError);
    assert.equal(
      error.message,
      "Cannot use lengthFieldBytes 3: expected 1, 2, 4 or 8",
    );
    return true;
  });
});

// Options every codec entry point refuses, with the error class and message.
const BAD_OPTIONS: {
  name: string;
  options: unknown;
  errorClass: typeof TypeError | typeof RangeError;
  message: string;
}[] = [
  // Widths that are not 1, 2, 4 or 8, including look-alikes.
  ...[0, 3, 16, -4, 4.5, "4", Number.NaN].map((width) => ({
    name: `lengthFieldBytes ${JSON.stringify(width)}`,
    options: { lengthFieldBytes: width },
    errorClass: TypeError,
    // Strings show quoted: "4" is not 4.
    message: `Cannot use lengthFieldBytes ${
      typeof width === "string" ? `"${width}"` : width
    }: expected 1, 2, 4 or 8`,
  })),
  // Booleans given as other types.
  {
    name: "littleEndian as a string",
    options: { littleEndian: "yes" },
    errorClass: TypeError,
    message: 'Cannot use littleEndian "yes": expected a boolean',
  },
  {
    name: "typeByte as a number",
    options: { typeByte: 1 },
    errorClass: TypeError,
    message: "Cannot use typeByte 1: expected a boolean",
  },
  {
    name: "littleEndian null",
    options: { littleEndian: null },
    errorClass: TypeError,
    message: "Cannot use littleEndian null: expected a boolean",
  },
  // maxFrameLength of the wrong type.
  {
    name: "maxFrameLength as a string",
    options: { maxFrameLength: "10" },
    errorClass: TypeError,
    message: 'Cannot use maxFrameLength "10": expected a number',
  },
  {
    name: "maxFrameLength as a bigint",
    options: { maxFrameLength: 10n },
    errorClass: TypeError,
    message: "Cannot use maxFrameLength 10n: expected a number",
  },
  // maxFrameLength out of range for its field, or not an integer.
  ...([
    [{ maxFrameLength: -1 }, -1, 4294967295, 4],
    [{ maxFrameLength: 1.5 }, 1.5, 4294967295, 4],
    [{ maxFrameLength: Number.NaN }, Number.NaN, 4294967295, 4],
    [{ maxFrameLength: Infinity }, Infinity, 4294967295, 4],
    // One above each field's limit.
    [{ lengthFieldBytes: 1, maxFrameLength: 256 }, 256, 255, 1],
    [{ lengthFieldBytes: 2, maxFrameLength: 65536 }, 65536, 65535, 2],
    [{ maxFrameLength: 2 ** 32 }, 2 ** 32, 4294967295, 4],
    [
      { lengthFieldBytes: 8, maxFrameLength: 2 ** 53 },
      2 ** 53,
      Number.MAX_SAFE_INTEGER,
      8,
    ],
  ] as const).map(([options, value, limit, width]) => ({
    name: `${JSON.stringify(options)} (${value})`,
    options,
    errorClass: RangeError,
    message:
      `Cannot use maxFrameLength ${value}: expected an integer from 0 to ${limit} for a ${width}-byte length field`,
  })),
  // Not an options object at all.
  ...[null, 5, "{}"].map((options) => ({
    name: `options ${JSON.stringify(options)}`,
    options,
    errorClass: TypeError,
    message: `Cannot resolve codec options: expected an object, got ${
      typeof options === "string" ? `"${options}"` : options
    }`,
  })),
];

Deno.test("every codec entry point refuses bad options with a clear message", () => {
  const frame = { type: 0, payload: new Uint8Array() };
  for (const { name, options, errorClass, message } of BAD_OPTIONS) {
    const bad = options as FrameCodecOptions;
    const entryPoints: [string, () => unknown][] = [
      ["resolveFrameCodecOptions", () => resolveFrameCodecOptions(bad)],
      ["encodeFrame", () => encodeFrame(frame, bad)],
      ["FrameDecoder", () => new FrameDecoder(bad)],
      ["FrameDecoderStream", () => new FrameDecoderStream(bad)],
      ["FrameEncoderStream", () => new FrameEncoderStream(bad)],
    ];
    for (const [entry, call] of entryPoints) {
      assert.throws(call, (error) => {
        assert.ok(error instanceof errorClass, `${entry}: ${name}`);
        assert.equal(error.message, message, `${entry}: ${name}`);
        return true;
      });
    }
  }
});
