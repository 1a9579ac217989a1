// Copyright 2026 the framewire authors. MIT license.
/**
 * Fuzz target `chat`: the chat server's parsers (`parseChatCommand` and
 * `parseChatAddress` in `chat/_wire.ts`, `parseChatLogin` in
 * `chat/_login_wire.ts`) fed JSON objects
 * built from the commands and logins of docs/PROTOCOL.md section 15 with
 * fields of every type, then damaged at the byte level (flipped bits,
 * inserted JSON tokens, invalid UTF-8, truncation), plus raw bytes.
 *
 * Invariants:
 * - the only exception is `ChatError`, its code documented in section 15.6
 *   and one of `ChatErrorCode`, and its `id` (when set) the input's own id;
 * - a payload that is not valid UTF-8 is `INVALID_TEXT` for a command, one
 *   that is not a JSON object `INVALID_JSON`, and an object never gets
 *   `INVALID_JSON` (nor `INVALID_TEXT` unless a top-level key or string
 *   holds a lone surrogate); a login that is not a JSON object is "not a
 *   chat login" (`undefined`);
 * - an accepted command or login carries the input's values unchanged and
 *   within the documented ranges (id 1 to 64 characters, non-empty text of
 *   at most `maxMessageBytes` UTF-8 bytes, names per `NAME_PATTERN`, …).
 *
 * @module
 */
import fc from "fast-check";
import { ChatError, ChatErrorCode } from "../chat/errors.ts";
import {
  MAX_HISTORY_LIMIT,
  MAX_ID_CHARS,
  MAX_PASSWORD_CHARS,
  NAME_PATTERN,
} from "../chat/messages.ts";
import { parseChatAddress, parseChatCommand } from "../chat/_wire.ts";
import { parseChatLogin } from "../chat/_login_wire.ts";
import { applyMutations, type Mutation, mutationsArb } from "./_mutate.ts";
import {
  assertDocumented,
  describeThrown,
  type FuzzBudget,
  type FuzzResult,
  runProperty,
  Tally,
} from "./_run.ts";

/**
 * Whether accepted text must be well-formed (no lone surrogate): the parser
 * refuses such text with INVALID_TEXT, so an accepted one is a failure.
 */
export const TEXT_INTEGRITY_ENFORCED = true;

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

// Byte strings a mutation may drop anywhere in the JSON.
const TOKENS: readonly Uint8Array[] = [
  '"',
  "\\",
  "\\ud800",
  "\\udc00",
  "\\u0000",
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  "null",
  "true",
  "1e999",
  "-0",
  "0.5",
  '"op":',
  '"id":"x",',
  '"__proto__":{},',
  "\n",
  "\u2028",
  "[".repeat(64),
].map((text) => encoder.encode(text)).concat([
  new Uint8Array([0xff]),
  new Uint8Array([0xc0, 0x80]),
  new Uint8Array([0xed, 0xa0, 0x80]),
  new Uint8Array([0xef, 0xbb, 0xbf]),
]);

/** Every op of docs/PROTOCOL.md section 15. */
export const CHAT_OPS: readonly string[] = [
  "send",
  "admin_send",
  "open",
  "close",
  "read",
  "join",
  "leave",
  "members",
  "chats",
  "who",
  "logout",
  "history",
  "admin_chats",
  "admin_connections",
  "admin_watch",
  "admin_unwatch",
  "admin_revoke",
];

const nameArb = fc.oneof(
  fc.constantFrom(
    "alice",
    "bob",
    "a",
    "0",
    "admin",
    "x".repeat(32),
    "x".repeat(33),
    "A",
    "-a",
    "a b",
    "",
  ),
  fc.string({ unit: "grapheme-ascii", maxLength: 34 }),
);

const textArb = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.integer({ min: 0, max: 6000 }).map((n) => "é".repeat(n)),
  // Lone surrogates (JSON.stringify writes them as \ud800 escapes), a pair.
  fc.constantFrom("\ud800", "a\udc00b", "\udbff\udfff", "\ufffd"),
);

/** Any JSON value a field may hold, biased to the plausible ones. */
const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: textArb, weight: 4 },
  {
    arbitrary: fc.oneof(
      fc.integer({ min: -2, max: 200 }),
      fc.constantFrom(
        0,
        -0,
        1.5,
        2 ** 53,
        -(2 ** 53),
        1e308,
        Number.MAX_SAFE_INTEGER,
      ),
      fc.double(),
    ),
    weight: 2,
  },
  { arbitrary: fc.constantFrom(null, true, false, [], {}, ["x"]), weight: 1 },
);

const chatArb = fc.oneof(
  fc.constantFrom(
    "@alice",
    "#general",
    "@alice,bob",
    "@",
    "#",
    "",
    "@admin",
    "general",
  ),
  nameArb.map((name) => `@${name}`),
  nameArb.map((name) => `#${name}`),
  textArb,
);

const commandArb = fc.record(
  {
    op: fc.oneof(
      { arbitrary: fc.constantFrom(...CHAT_OPS), weight: 4 },
      valueArb,
    ),
    id: fc.oneof(
      { arbitrary: fc.string({ minLength: 1, maxLength: 10 }), weight: 4 },
      fc.constantFrom("", "x".repeat(64), "x".repeat(65)),
      valueArb,
    ),
    chat: fc.oneof({ arbitrary: chatArb, weight: 4 }, valueArb),
    user: fc.oneof({ arbitrary: nameArb, weight: 4 }, valueArb),
    text: fc.oneof({ arbitrary: textArb, weight: 4 }, valueArb),
    seq: valueArb,
    limit: fc.oneof(fc.integer({ min: -1, max: 102 }), valueArb),
    before: valueArb,
    extra: valueArb,
  },
  { requiredKeys: ["op"] },
);

const loginArb = fc.record(
  {
    type: fc.oneof(
      { arbitrary: fc.constantFrom("chat", "chat-admin"), weight: 6 },
      valueArb,
    ),
    user: fc.oneof({ arbitrary: nameArb, weight: 4 }, valueArb),
    password: fc.oneof(
      { arbitrary: fc.string({ maxLength: 20 }), weight: 4 },
      fc.constantFrom("x".repeat(1024), "x".repeat(1025)),
      valueArb,
    ),
    resume: fc.oneof(
      { arbitrary: fc.string({ maxLength: 50 }), weight: 4 },
      fc.constantFrom("t".repeat(128), "t".repeat(129)),
      valueArb,
    ),
    remember: fc.oneof(fc.boolean(), valueArb),
    token: valueArb,
    id: fc.oneof(fc.string({ maxLength: 70 }), valueArb),
  },
  { requiredKeys: [] },
);

/** One generated chat case. */
export interface ChatCase {
  readonly kind: "command" | "login";
  readonly source: { json: unknown } | { raw: Uint8Array };
  readonly mutations: Mutation[];
  readonly maxMessageBytes: number;
}

const caseArb: fc.Arbitrary<ChatCase> = fc.record({
  kind: fc.constantFrom<ChatCase["kind"]>("command", "login"),
  source: fc.oneof(
    {
      arbitrary: fc.oneof(commandArb, loginArb).map((json) => ({ json })),
      weight: 8,
    },
    {
      arbitrary: fc.uint8Array({ maxLength: 64 }).map((raw) => ({ raw })),
      weight: 1,
    },
  ),
  mutations: mutationsArb(3, TOKENS.length),
  maxMessageBytes: fc.oneof(
    { arbitrary: fc.constant(4096), weight: 3 },
    fc.integer({ min: 1, max: 8192 }),
  ),
});

/** The payload as a plain JSON object, or `undefined` if it is not one. */
function referenceObject(
  payload: Uint8Array,
): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(strictDecoder.decode(payload));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

const lenientDecoder = new TextDecoder();

function lenientObject(
  payload: Uint8Array,
): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(lenientDecoder.decode(payload));
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return undefined;
    }
    return typeof value.id === "string" && value.id.includes("\uFFFD")
      ? { ...value, id: undefined }
      : value;
  } catch {
    return undefined;
  }
}

function isUtf8(payload: Uint8Array): boolean {
  try {
    strictDecoder.decode(payload);
    return true;
  } catch {
    return false;
  }
}

function topLevelWellFormed(object: Record<string, unknown>): boolean {
  return Object.entries(object).every(([key, value]) =>
    key.isWellFormed() && (typeof value !== "string" || value.isWellFormed())
  );
}

const CHAT_CODES = new Set<string>(Object.values(ChatErrorCode));

function checkChatError(
  error: unknown,
  object: Record<string, unknown> | undefined,
  where: string,
  tally: Tally,
): ChatError {
  if (!(error instanceof ChatError)) {
    throw new Error(`${where} threw ${describeThrown(error)}`);
  }
  if (!CHAT_CODES.has(error.code)) {
    throw new Error(`${where}: code ${error.code} is not a ChatErrorCode`);
  }
  assertDocumented(error.code, where);
  if (error.id !== undefined) {
    if (
      typeof error.id !== "string" || error.id === "" ||
      error.id.length > MAX_ID_CHARS || object?.id !== error.id
    ) {
      throw new Error(
        `${where}: error id ${JSON.stringify(error.id)} is not the input's`,
      );
    }
  }
  tally.refuse(error.code);
  return error;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

function checkCommand(
  payload: Uint8Array,
  maxMessageBytes: number,
  tally: Tally,
  illFormed: { count: number },
): void {
  const object = referenceObject(payload);
  let command;
  try {
    command = parseChatCommand(payload, maxMessageBytes);
  } catch (error) {
    // The id of a payload that is not UTF-8 is read leniently, and echoed
    // only when its own bytes were intact.
    const refusal = checkChatError(
      error,
      object ?? lenientObject(payload),
      "parseChatCommand",
      tally,
    );
    // Invalid UTF-8 is INVALID_TEXT, other non-objects INVALID_JSON; an
    // object gets INVALID_TEXT only for a lone surrogate at its top level.
    const expected = !isUtf8(payload)
      ? ChatErrorCode.InvalidText
      : object === undefined
      ? ChatErrorCode.InvalidJson
      : undefined;
    check(
      expected !== undefined
        ? refusal.code === expected
        : refusal.code !== ChatErrorCode.InvalidJson &&
          (refusal.code !== ChatErrorCode.InvalidText ||
            !topLevelWellFormed(object!)),
      `parseChatCommand: ${refusal.code} for ${
        object ? "a JSON object" : "a non-object"
      }`,
    );
    return;
  }
  check(object !== undefined, "parseChatCommand accepted a non-object");
  const o = object!;
  check(command.op === o.op, "op changed");
  if (command.op === "read") {
    check(o.id === undefined || command.id === o.id, "read id changed");
    check(Number.isSafeInteger(command.seq) && command.seq >= 0, "bad seq");
  } else {
    check(command.id === o.id, "id changed");
  }
  if (command.id !== undefined) {
    check(
      command.id.length >= 1 && command.id.length <= MAX_ID_CHARS,
      "bad id",
    );
  }
  if ("chat" in command) {
    check(
      command.chat === o.chat && typeof command.chat === "string",
      "chat changed",
    );
    try {
      const address = parseChatAddress(
        command.chat,
        command.op.startsWith("admin_"),
      );
      const names = address.kind === "room"
        ? [address.room]
        : [address.user, address.otherUser ?? address.user];
      check(
        names.every((name) => NAME_PATTERN.test(name)),
        "bad name accepted",
      );
    } catch (error) {
      checkChatError(error, o, "parseChatAddress", tally);
    }
  }
  if ("user" in command) {
    check(
      command.user === o.user && NAME_PATTERN.test(command.user),
      "bad user accepted",
    );
  }
  if ("text" in command) {
    check(command.text === o.text, "text changed");
    check(command.text !== "", "empty text accepted");
    check(
      encoder.encode(command.text).length <= maxMessageBytes,
      "text above maxMessageBytes accepted",
    );
    if (!command.text.isWellFormed()) {
      check(!TEXT_INTEGRITY_ENFORCED, "text with a lone surrogate accepted");
      illFormed.count++;
    }
  }
  if (command.op === "history") {
    check(
      Number.isInteger(command.limit) && command.limit >= 1 &&
        command.limit <= MAX_HISTORY_LIMIT,
      "bad limit",
    );
    check(o.limit === undefined || command.limit === o.limit, "limit changed");
    check(command.before === o.before, "before changed");
  }
}

function checkLogin(payload: Uint8Array, tally: Tally): void {
  const object = referenceObject(payload);
  const isLogin = object !== undefined &&
    (object.type === "chat" || object.type === "chat-admin");
  let login;
  try {
    login = parseChatLogin(payload);
  } catch (error) {
    // Invalid UTF-8 in what still reads as a chat login is INVALID_TEXT.
    const lenient = object ?? lenientObject(payload);
    const refusal = checkChatError(error, lenient, "parseChatLogin", tally);
    const looksLikeLogin = lenient !== undefined &&
      (lenient.type === "chat" || lenient.type === "chat-admin");
    check(
      isLogin ||
        (looksLikeLogin && refusal.code === ChatErrorCode.InvalidText),
      "parseChatLogin refused what is not a chat login",
    );
    return;
  }
  if (login === undefined) {
    check(!isLogin, "parseChatLogin ignored a chat login");
    return;
  }
  check(isLogin, "parseChatLogin accepted what is not a chat login");
  const o = object!;
  check(login.type === o.type && login.id === o.id, "type or id changed");
  if (login.type === "chat") {
    check(login.user === o.user && NAME_PATTERN.test(login.user), "bad user");
    if ("resume" in login.proof) {
      check(
        login.proof.resume === o.resume && o.password === undefined &&
          login.proof.resume.length <= 128,
        "bad resume token",
      );
    } else {
      check(
        login.proof.password === o.password &&
          login.proof.password.length <= MAX_PASSWORD_CHARS,
        "bad password",
      );
    }
    check(
      login.remember === (o.remember === true ? true : undefined),
      "bad remember",
    );
  } else {
    check(
      login.token === o.token && typeof login.token === "string",
      "bad token",
    );
  }
}

/** Runs one case; throws on any broken invariant. */
export function checkChatCase(
  testCase: ChatCase,
  tally: Tally,
  illFormed = { count: 0 },
): void {
  const valid = "json" in testCase.source
    ? encoder.encode(JSON.stringify(testCase.source.json))
    : testCase.source.raw;
  const payload = applyMutations(valid, testCase.mutations, undefined, TOKENS);
  if (testCase.kind === "command") {
    checkCommand(payload, testCase.maxMessageBytes, tally, illFormed);
  } else {
    checkLogin(payload, tally);
  }
}

/** Runs the `chat` target. */
export async function fuzzChat(budget: FuzzBudget): Promise<FuzzResult> {
  const tally = new Tally();
  const illFormed = { count: 0 };
  const result = await runProperty(
    "chat",
    fc.property(
      caseArb,
      (testCase) => checkChatCase(testCase, tally, illFormed),
    ),
    budget,
    tally,
  );
  if (illFormed.count > 0) {
    tally.notes.push(
      `${illFormed.count} sends with a lone surrogate accepted (issue 9 item 4)`,
    );
  }
  return result;
}
