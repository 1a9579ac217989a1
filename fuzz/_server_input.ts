// Copyright 2026 the framewire authors. MIT license.
// What one fuzz connection sends to the live server: a sequence of frames
// drawn from everything the server speaks (Ping, Debug, Error, ClientType
// logins, chat commands, file requests, blob frames), plus unknown types,
// foreign protocols and raw bytes; the whole stream may then be mutated,
// written in random pieces, and ended in one of several ways.
import fc from "fast-check";
import { encodeFrame, type Frame, FrameType } from "../mod.ts";
import { writeHeader } from "../codec/_header.ts";
import { resolveFrameCodecOptions } from "../codec/options.ts";
import {
  encodeAck,
  encodeDone,
  encodeEnd,
  encodeGet,
  encodePut,
  encodeReport,
  encodeStart,
  writeChunkHeader,
} from "../files/_wire.ts";
import { FilesFrameType } from "../files/frame_types.ts";
import {
  applyMutations,
  type Mutation,
  mutationsArb,
  type StreamLayout,
} from "./_mutate.ts";
import { CHAT_OPS } from "./chat.ts";

const encoder = new TextEncoder();
const OPTIONS = resolveFrameCodecOptions({});

/** Users the fuzz connections log in as; the watchdog uses another name. */
export const FUZZ_USERS = ["fz0", "fz1", "fz2", "fz3"];
/** Their password (a wrong one is drawn too). */
export const FUZZ_PASSWORD = "fuzzpass1";
/** The admin token the fuzz server accepts. */
export const FUZZ_ADMIN_TOKEN = "fuzz-admin-token";
/** Files served for download, by name and size. */
export const FUZZ_FILES: Readonly<Record<string, number>> = {
  "a.txt": 12,
  "big.bin": 300_000,
  "sub/c.txt": 3,
};

/** How the connection ends after its bytes are written. */
export type SessionEnd =
  /** Append a Ping and wait for its Pong (all answers before it arrive). */
  | "sentinel"
  /** Half-close and read until the server closes. */
  | "closeWrite"
  /** Close at once, unread answers and all. */
  | "abort";

/** One fuzz connection. */
export interface Session {
  /** Log in first as this fuzz user (so commands get past NOT_LOGGED_IN). */
  readonly login: string | null;
  readonly frames: Frame[];
  /** Raw bytes appended after the frames (foreign protocols, junk). */
  readonly tail: Uint8Array;
  readonly mutations: Mutation[];
  /** Where the written stream is cut into separate writes. */
  readonly cuts: number[];
  /** Pause between writes, in ms. */
  readonly gapMs: number;
  readonly end: SessionEnd;
}

const json = (type: number, value: unknown): Frame => ({
  type,
  payload: encoder.encode(JSON.stringify(value)),
});

const smallId = fc.nat(6);
const room = fc.constantFrom("#fzroom0", "#fzroom1", "#general");
const peer = fc.constantFrom(
  ...FUZZ_USERS.map((user) => `@${user}`),
  "@nobody",
);
const text = fc.oneof(
  fc.string({ minLength: 1, maxLength: 30 }),
  fc.constantFrom("\ud800", "\u001b[31mred\n[error] forged", "x".repeat(5000)),
);

const loginFrame = fc.oneof(
  fc.record({
    type: fc.constant("chat"),
    user: fc.constantFrom(...FUZZ_USERS, "admin", "Bad Name"),
    password: fc.oneof(
      { arbitrary: fc.constant(FUZZ_PASSWORD), weight: 4 },
      fc.constantFrom("wrongpass1", "short"),
    ),
    id: fc.constant("login"),
  }),
  fc.record({
    type: fc.constant("chat-admin"),
    token: fc.constantFrom(FUZZ_ADMIN_TOKEN, "nope"),
  }),
  fc.record({ type: fc.string({ maxLength: 8 }) }),
).map((value) => json(FrameType.ClientType, value));

const commandFrame = fc.record({
  op: fc.constantFrom(...CHAT_OPS, "bogus"),
  id: fc.string({ minLength: 1, maxLength: 8 }),
  chat: fc.oneof(room, peer, fc.constantFrom("@fz0,fz1", "nochat")),
  text,
  seq: fc.integer({ min: -1, max: 50 }),
  limit: fc.integer({ min: 0, max: 101 }),
}, { requiredKeys: ["op", "id"] }).map((value) => json(FrameType.Chat, value));

const path = fc.constantFrom(
  ...Object.keys(FUZZ_FILES),
  "missing.txt",
  "../escape",
  "/etc/passwd",
  "sub",
  "",
  "up/new.bin",
);

const filesFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    id: smallId,
    path,
    offset: fc.option(fc.nat(400_000), { nil: undefined }),
    window: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
    chunkBytes: fc.option(fc.integer({ min: 1, max: 70_000 }), {
      nil: undefined,
    }),
  }).map((request) => encodeGet(request)),
  fc.record({
    id: smallId,
    path,
    size: fc.option(fc.nat(5000), { nil: undefined }),
    overwrite: fc.option(fc.boolean(), { nil: undefined }),
  }).map((request) => encodePut(request)),
  fc.record({
    id: smallId,
    size: fc.option(fc.nat(5000), { nil: null }),
    offset: fc.constant(0),
    chunkBytes: fc.integer({ min: 1, max: 4096 }),
    window: fc.integer({ min: 1, max: 8 }),
    meta: fc.constant({}),
  }).map((info) => encodeStart(info)),
  fc.tuple(smallId, fc.nat(5000), fc.uint8Array({ maxLength: 64 })).map(
    ([id, offset, data]) => {
      const payload = new Uint8Array(12 + data.length);
      payload.set(data, 12);
      writeChunkHeader(payload, id, offset);
      return { type: FilesFrameType.BlobChunk, payload };
    },
  ),
  fc.tuple(smallId, fc.nat(5000)).map(([id, size]) =>
    encodeEnd(id, size, new Uint8Array(32))
  ),
  fc.tuple(smallId, fc.nat(400_000)).map(([id, bytes]) => encodeAck(id, bytes)),
  smallId.map((id) => encodeDone(id)),
  fc.tuple(
    smallId,
    fc.constantFrom(FilesFrameType.BlobAbort, FilesFrameType.BlobCancel),
  ).map(([id, type]) => encodeReport(type, id, "BLOB_CANCELLED", "fuzz")),
);

const otherFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.uint8Array({ maxLength: 32 }).map((payload) => ({
    type: FrameType.Ping,
    payload,
  })),
  text.map((line) => ({
    type: FrameType.Debug,
    payload: encoder.encode(line),
  })),
  fc.oneof(
    fc.constant('{"code":"FORGED","message":"x\\n[error] forged line"}'),
    fc.string({ maxLength: 40 }),
  ).map((body) => ({ type: FrameType.Error, payload: encoder.encode(body) })),
  fc.record({
    type: fc.oneof(
      fc.constantFrom(FrameType.Pong, 16, 127, 128, 255),
      fc.nat(255),
    ),
    payload: fc.uint8Array({ maxLength: 32 }),
  }),
);

const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  { arbitrary: commandFrame, weight: 4 },
  { arbitrary: loginFrame, weight: 2 },
  { arbitrary: filesFrame, weight: 3 },
  { arbitrary: otherFrame, weight: 2 },
);

const tailArb = fc.oneof(
  { arbitrary: fc.constant(new Uint8Array(0)), weight: 8 },
  fc.constantFrom(
    "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "SSH-2.0-OpenSSH_9.6\r\n",
    "\x16\x03\x01\x00\xa5\x01\x00",
  ).map((line) => encoder.encode(line)),
  // A header that declares more than maxFrameLength, or a header cut short.
  fc.constantFrom(
    new Uint8Array([0, 0xff, 0xff, 0xff, 0xff]),
    new Uint8Array([2, 0, 0x10, 0, 1]),
    new Uint8Array([0, 0, 0]),
  ),
  fc.uint8Array({ minLength: 1, maxLength: 32 }),
);

/** One connection's traffic. */
export const sessionArb: fc.Arbitrary<Session> = fc.record({
  login: fc.option(fc.constantFrom(...FUZZ_USERS), { freq: 3 }),
  frames: fc.array(frameArb, { maxLength: 10 }),
  tail: tailArb,
  mutations: fc.oneof(
    { arbitrary: fc.constant<Mutation[]>([]), weight: 2 },
    { arbitrary: mutationsArb(3), weight: 1 },
  ),
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
  gapMs: fc.constantFrom(0, 0, 0, 1, 3),
  end: fc.constantFrom<SessionEnd>(
    "sentinel",
    "sentinel",
    "closeWrite",
    "abort",
  ),
});

/** The bytes a session writes, before the sentinel Ping (if any). */
export function sessionBytes(session: Session): Uint8Array {
  const frames = session.login === null ? session.frames : [
    json(FrameType.ClientType, {
      type: "chat",
      user: session.login,
      password: FUZZ_PASSWORD,
    }),
    ...session.frames,
  ];
  const parts = frames.map((frame) => encodeFrame(frame, OPTIONS));
  const headers: number[] = [];
  let total = 0;
  for (const part of parts) {
    headers.push(total);
    total += part.length;
  }
  const bytes = new Uint8Array(total + session.tail.length);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  bytes.set(session.tail, at);
  const layout: StreamLayout = {
    headers,
    typeOffset: 0,
    writeLength(target, offset, value) {
      if (offset + OPTIONS.headerLength > target.length) return;
      writeHeader(target, offset, target[offset], value >>> 0, OPTIONS);
    },
  };
  return applyMutations(bytes, session.mutations, layout);
}
