// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeFrame } from "../../mod.ts";
import { ChatError } from "../../chat/mod.ts";
import {
  encodeChatFrame,
  parseChatAddress,
  parseChatCommand,
  utf8Length,
} from "../../chat/_wire.ts";
import { parseChatLogin } from "../../chat/_login_wire.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("parseChatAddress reads @user, #room and the admin's @a,b", () => {
  assert.deepEqual(parseChatAddress("@bob"), { kind: "direct", user: "bob" });
  assert.deepEqual(parseChatAddress("#dev-ops.2"), {
    kind: "room",
    room: "dev-ops.2",
  });
  assert.deepEqual(parseChatAddress("@alice,bob", true), {
    kind: "direct",
    user: "alice",
    otherUser: "bob",
  });
  // Without the admin form the comma is part of a (bad) name.
  assert.throws(() => parseChatAddress("@alice,bob"), { code: "INVALID_NAME" });
  // [address, code]: each breaks one rule of the naming pattern.
  const bad: [string, string][] = [
    ["", "INVALID_FIELD"],
    ["bob", "INVALID_FIELD"],
    ["@", "INVALID_NAME"], // empty name
    ["#", "INVALID_NAME"],
    ["@-bob", "INVALID_NAME"], // must start with a letter or digit
    ["@bob smith", "INVALID_NAME"], // space
    ["@" + "a".repeat(33), "INVALID_NAME"], // 33 characters
    ["@bób", "INVALID_NAME"], // not ASCII
  ];
  for (const [address, code] of bad) {
    assert.throws(() => parseChatAddress(address), { code }, address);
  }
  assert.deepEqual(parseChatAddress("@" + "a".repeat(32)).kind, "direct");
});

Deno.test("parseChatCommand accepts every op in its documented shape", () => {
  const cases: [string, unknown][] = [
    ['{"op":"send","id":"1","chat":"#r","text":"hi"}', {
      op: "send",
      id: "1",
      chat: "#r",
      text: "hi",
    }],
    ['{"op":"open","id":"2","chat":"@bob"}', {
      op: "open",
      id: "2",
      chat: "@bob",
    }],
    ['{"op":"read","chat":"@bob","seq":3}', {
      op: "read",
      chat: "@bob",
      seq: 3,
    }],
    ['{"op":"read","id":"r","chat":"@bob","seq":0}', {
      op: "read",
      id: "r",
      chat: "@bob",
      seq: 0,
    }],
    ['{"op":"history","id":"4","chat":"@bob"}', {
      op: "history",
      id: "4",
      chat: "@bob",
      limit: 20,
    }],
    ['{"op":"history","id":"5","chat":"@bob","limit":100,"before":7}', {
      op: "history",
      id: "5",
      chat: "@bob",
      limit: 100,
      before: 7,
    }],
    ['{"op":"chats","id":"6","extra":true}', { op: "chats", id: "6" }],
    ['{"op":"admin_send","id":"7","chat":"@a,b","text":"x"}', {
      op: "admin_send",
      id: "7",
      chat: "@a,b",
      text: "x",
    }],
  ];
  for (const [payload, expected] of cases) {
    assert.deepEqual(parseChatCommand(bytes(payload), 4096), expected, payload);
  }
});

Deno.test("parseChatCommand names the failed field and keeps the id", () => {
  const cases: [string, string, string, string | undefined][] = [
    [
      '{"op":"read","chat":"@bob","seq":-1}',
      "INVALID_FIELD",
      'Cannot handle "read": field "seq" must be an integer from 0 to 9007199254740991',
      undefined,
    ],
    [
      '{"op":"read","id":"r","chat":"@bob"}',
      "MISSING_FIELD",
      'Cannot handle "read": missing field "seq"',
      "r",
    ],
    [
      '{"op":"history","id":"h","chat":"@bob","limit":101}',
      "INVALID_FIELD",
      'Cannot handle "history": field "limit" must be an integer from 1 to 100',
      "h",
    ],
    [
      '{"op":"open","id":7,"chat":"@bob"}',
      "INVALID_FIELD",
      'Cannot handle "open": field "id" must be a string of 1 to 64 characters',
      undefined,
    ],
    [
      '{"op":5,"id":"x"}',
      "INVALID_FIELD",
      'Cannot handle message: field "op" must be a string',
      "x",
    ],
    [
      "null",
      "INVALID_JSON",
      "Cannot parse message: expected a JSON object",
      undefined,
    ],
  ];
  for (const [payload, code, message, id] of cases) {
    assert.throws(
      () => parseChatCommand(bytes(payload), 4096),
      (error: unknown) => {
        assert.ok(error instanceof ChatError);
        assert.deepEqual([error.code, error.message, error.id], [
          code,
          message,
          id,
        ]);
        return true;
      },
      payload,
    );
  }
});

Deno.test("parseChatCommand measures the limit in UTF-8 bytes, not characters", () => {
  const text = "é".repeat(3); // 3 characters, 6 bytes
  const payload = bytes(
    JSON.stringify({ op: "send", id: "1", chat: "@b", text }),
  );
  assert.equal(parseChatCommand(payload, 6).op, "send");
  assert.throws(() => parseChatCommand(payload, 5), {
    code: "MESSAGE_TOO_LONG",
    message: "Cannot send: text is 6 bytes, more than the limit of 5",
  });
});

Deno.test("parseChatLogin leaves ClientType payloads of other protocols alone", () => {
  assert.equal(parseChatLogin(bytes("pinger")), undefined);
  assert.equal(parseChatLogin(bytes('{"type":"files"}')), undefined);
  assert.equal(parseChatLogin(bytes("{broken")), undefined);
  assert.deepEqual(
    parseChatLogin(bytes('{"type":"chat-admin","token":"t","id":"l"}')),
    {
      type: "chat-admin",
      token: "t",
      id: "l",
    },
  );
  assert.throws(
    () =>
      parseChatLogin(
        bytes('{"type":"chat","user":"Al","password":"x","id":"l"}'),
      ),
    { code: "INVALID_NAME", id: "l" },
  );
  assert.throws(
    () =>
      parseChatLogin(
        bytes(
          JSON.stringify({
            type: "chat",
            user: "al",
            password: "p".repeat(1025),
          }),
        ),
      ),
    { code: "INVALID_FIELD" },
  );
});

Deno.test("parseChatLogin takes a password or a resume token, never both", () => {
  const login = (value: Record<string, unknown>) =>
    parseChatLogin(
      bytes(JSON.stringify({ type: "chat", user: "al", ...value })),
    );
  assert.deepEqual(login({ password: "secret12", remember: true }), {
    type: "chat",
    user: "al",
    proof: { password: "secret12" },
    register: undefined,
    remember: true,
    id: undefined,
  });
  // Only `true` asks for a token.
  assert.equal(login({ password: "secret12", remember: "yes" })?.type, "chat");
  assert.deepEqual(
    (login({ password: "secret12", remember: "yes" }) as { remember?: true })
      .remember,
    undefined,
  );
  assert.deepEqual(login({ resume: "tok", id: "l" }), {
    type: "chat",
    user: "al",
    proof: { resume: "tok" },
    register: undefined,
    remember: undefined,
    id: "l",
  });
  assert.throws(() => login({ password: "secret12", resume: "tok", id: "l" }), {
    code: "INVALID_FIELD",
    id: "l",
    message: 'Cannot log in: give "password" or "resume", not both',
  });
  assert.throws(() => login({ resume: "t".repeat(129) }), {
    code: "INVALID_FIELD",
  });
  assert.throws(() => login({ resume: 7 }), { code: "INVALID_FIELD" });
  assert.throws(() => login({}), {
    code: "MISSING_FIELD",
    message: 'Cannot log in: missing field "password"',
  });
});

Deno.test("utf8Length equals TextEncoder's byte count for any string", () => {
  const encoder = new TextEncoder();
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 64 }), (text) => {
      assert.equal(utf8Length(text), encoder.encode(text).length);
    }),
    { numRuns: 200 },
  );
  // Lone surrogates are written as U+FFFD (3 bytes).
  assert.equal(utf8Length("\ud800"), 3);
  assert.equal(utf8Length("\udc00x"), 4);
});

Deno.test("encodeChatFrame produces the bytes of docs/PROTOCOL.md section 15.1", () => {
  const hex = Array.from(
    encodeFrame(encodeChatFrame({ op: "who", id: "7" })),
    (byte) => byte.toString(16).padStart(2, "0"),
  ).join(" ");
  assert.equal(
    hex,
    "00 00 00 00 15 7b 22 6f 70 22 3a 22 77 68 6f 22 2c 22 69 64 22 3a 22 37 22 7d",
  );
});

Deno.test("parseChatCommand refuses text that would not round-trip with INVALID_TEXT and the command's id", () => {
  const invalidText = (id: string | undefined) => (error: unknown) =>
    error instanceof ChatError && error.code === "INVALID_TEXT" &&
    error.id === id;
  // A lone surrogate, as the JSON escape a client would send.
  const cases: [string, string, string | undefined][] = [
    ["text", '{"op":"send","id":"1","chat":"@bob","text":"a\\ud800b"}', "1"],
    ["low half", '{"op":"send","id":"2","chat":"@bob","text":"\\udc00"}', "2"],
    [
      "reversed pair",
      '{"op":"send","id":"3","chat":"@bob","text":"\\udc00\\ud800"}',
      "3",
    ],
    ["room name", '{"op":"join","id":"4","chat":"#r\\ud800"}', "4"],
    [
      "key",
      '{"op":"send","id":"5","chat":"@bob","text":"hi","\\ud800":1}',
      "5",
    ],
    [
      "id",
      '{"op":"send","id":"6\\ud800","chat":"@bob","text":"hi"}',
      "6\ud800",
    ],
  ];
  for (const [what, json, id] of cases) {
    assert.throws(
      () => parseChatCommand(bytes(json), 4096),
      invalidText(id),
      what,
    );
  }
  // Invalid UTF-8: refused, not decoded to U+FFFD; the id is still found.
  const broken = new Uint8Array([
    ...bytes('{"op":"send","id":"7","chat":"@bob","text":"'),
    0xff,
    0xc3, // a lead byte without its continuation
    ...bytes('"}'),
  ]);
  assert.throws(() => parseChatCommand(broken, 4096), invalidText("7"));
  // Broken bytes inside the id itself: no id rather than an altered one.
  const brokenId = new Uint8Array([
    ...bytes('{"op":"send","id":"7'),
    0xff,
    ...bytes('","chat":"@bob","text":"hi"}'),
  ]);
  assert.throws(
    () => parseChatCommand(brokenId, 4096),
    invalidText(undefined),
  );
  assert.throws(
    () => parseChatCommand(new Uint8Array([0x7b, 0xff, 0x7d]), 4096),
    invalidText(undefined),
  );
  // A well-formed pair is one character and passes as sent.
  const emoji = parseChatCommand(
    bytes(
      '{"op":"send","id":"8","chat":"@bob","text":"\\ud83d\\ude00 \u00e9"}',
    ),
    4096,
  );
  assert.equal(emoji.op === "send" && emoji.text, "\u{1f600} \u00e9");
});

Deno.test("parseChatLogin refuses a chat login with a lone surrogate or invalid UTF-8, and ignores other protocols' frames", () => {
  const invalidText = { code: "INVALID_TEXT", id: "login" };
  assert.throws(
    () =>
      parseChatLogin(
        bytes(
          '{"type":"chat","user":"bob","password":"pass\\ud800word","id":"login"}',
        ),
      ),
    invalidText,
  );
  assert.throws(
    () =>
      parseChatLogin(
        bytes('{"type":"chat-admin","token":"\\udfff","id":"login"}'),
      ),
    invalidText,
  );
  assert.throws(
    () =>
      parseChatLogin(
        new Uint8Array([
          ...bytes('{"type":"chat","user":"bob","password":"pass'),
          0xfe,
          ...bytes('word","id":"login"}'),
        ]),
      ),
    invalidText,
  );
  // Not a chat login: another protocol's business, even when broken.
  assert.equal(
    parseChatLogin(
      new Uint8Array([...bytes('{"type":"files","x":"'), 0xff, ...bytes('"}')]),
    ),
    undefined,
  );
  assert.equal(
    parseChatLogin(bytes('{"type":"files","x":"\\ud800"}')),
    undefined,
  );
});
