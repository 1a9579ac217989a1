// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  FrameTooLargeError,
  FrameType,
  receiveMessages,
  sendMessages,
  UnknownFrameTypeError,
} from "../../mod.ts";
import { tcpPair } from "./_utils.ts";

// Since Deno 2.8 the op and resource sanitizers are off unless asked for:
// every test here must close its sockets and settle its ops.
Deno.test.sanitizer({ ops: true, resources: true });

Deno.test("sendMessages and receiveMessages round-trip strings, unicode included", async () => {
  const messages = [
    "hello!",
    "",
    "héllo wörld",
    "日本語のテキスト",
    "emoji 🎉 and a family 👨‍👩‍👧 (ZWJ sequence)",
    "\u0000 NUL and \r\n line ends",
    "x".repeat(100_000),
  ];
  using pair = await tcpPair();
  await sendMessages(pair.client, messages);
  await pair.client.closeWrite();
  assert.deepEqual(
    await Array.fromAsync(receiveMessages(pair.server)),
    messages,
  );
  assert.equal(pair.server.stats.framesReceived, messages.length);
});

Deno.test("sendMessages sends each string as one Chat frame of its UTF-8 bytes", async () => {
  using pair = await tcpPair();
  await sendMessages(pair.client, ["é", "🎉"]);
  const first = await pair.server.receive();
  assert.equal(first?.type, FrameType.Chat);
  assert.deepEqual(first?.payload, new Uint8Array([0xc3, 0xa9]));
  const second = await pair.server.receive();
  assert.deepEqual(second?.payload, new Uint8Array([0xf0, 0x9f, 0x8e, 0x89]));
});

Deno.test("receiveMessages returns exactly the strings sent, for any strings", async () => {
  using pair = await tcpPair();
  const received = receiveMessages(pair.server);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.string({ unit: "grapheme", maxLength: 50 }), {
        maxLength: 20,
      }),
      async (messages) => {
        await sendMessages(pair.client, messages);
        for (const message of messages) {
          const next = await received.next();
          assert.equal(next.done, false);
          assert.equal(next.value, message);
        }
      },
    ),
    { seed: 4242, numRuns: 60 },
  );
  await pair.client.closeWrite();
  assert.equal((await received.next()).done, true);
});

Deno.test("sendMessages and receiveMessages use the frame type given", async () => {
  using pair = await tcpPair();
  await sendMessages(pair.client, ["a", "b"], { type: 200 });
  assert.equal((await pair.server.receive())?.type, 200);
  await pair.client.closeWrite();
  assert.deepEqual(
    await Array.fromAsync(receiveMessages(pair.server, { type: 200 })),
    ["b"],
  );
});

Deno.test("sendMessages replaces a lone surrogate with U+FFFD", async () => {
  using pair = await tcpPair();
  await sendMessages(pair.client, ["a\uD800b"]);
  await pair.client.closeWrite();
  assert.deepEqual(
    await Array.fromAsync(receiveMessages(pair.server)),
    ["a\uFFFDb"],
  );
});

Deno.test("receiveMessages throws TypeError on invalid UTF-8 after the messages before it", async () => {
  // Each case names a way bytes fail to be UTF-8.
  const invalid: [string, number[]][] = [
    ["a byte that never starts a character", [0xff]],
    ["a two-byte sequence cut short", [0x61, 0xc3]],
    ["an overlong encoding of NUL", [0xc0, 0x80]],
    ["an encoded UTF-16 surrogate", [0xed, 0xa0, 0x80]],
    ["a continuation byte alone", [0x80]],
  ];
  using pair = await tcpPair();
  for (const [name, bytes] of invalid) {
    await pair.client.sendMany([
      { type: FrameType.Chat, payload: new TextEncoder().encode("fine") },
      { type: FrameType.Chat, payload: new Uint8Array(bytes) },
    ]);
    const messages = receiveMessages(pair.server);
    assert.deepEqual(await messages.next(), { done: false, value: "fine" });
    await assert.rejects(messages.next(), TypeError, name);
  }
});

Deno.test("receiveMessages throws UnknownFrameTypeError for a frame of another type", async () => {
  using pair = await tcpPair();
  await sendMessages(pair.client, ["first"]);
  await pair.client.send({ type: 200, payload: new Uint8Array(1) });
  const messages = receiveMessages(pair.server);
  assert.deepEqual(await messages.next(), { done: false, value: "first" });
  await assert.rejects(messages.next(), (error) => {
    assert(error instanceof UnknownFrameTypeError);
    assert.equal(error.frameType, 200);
    return true;
  });
});

Deno.test("sendMessages sends nothing when one message's UTF-8 exceeds the send limit", async () => {
  using pair = await tcpPair({ maxSendFrameLength: 5 });
  // Three characters, six bytes: the limit counts bytes.
  await assert.rejects(
    sendMessages(pair.client, ["ok", "ééé", "fine"]),
    (error) => {
      assert(error instanceof FrameTooLargeError);
      assert.equal(error.length, 6);
      assert.equal(error.direction, "send");
      return true;
    },
  );
  assert.equal(pair.client.stats.bytesSent, 0);
  await sendMessages(pair.client, ["éé"]);
  await pair.client.closeWrite();
  assert.deepEqual(await Array.fromAsync(receiveMessages(pair.server)), [
    "éé",
  ]);
});

Deno.test("sendMessages rejects, never throws, when the iterable throws midway", async () => {
  using pair = await tcpPair();
  function* messages(): Generator<string> {
    yield "hello!";
    throw new Error("source failed");
  }
  let sending: Promise<void> | undefined;
  assert.doesNotThrow(() => {
    sending = sendMessages(pair.client, messages());
  });
  await assert.rejects(sending!, /source failed/);
  assert.equal(pair.client.stats.framesSent, 0);
});
