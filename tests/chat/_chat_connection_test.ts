// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { FrameType } from "../../codec/frame.ts";
import { FramedConn } from "../../transport/framed_conn.ts";
import { ChatConnection } from "../../chat/_chat_connection.ts";
import { encodeChatFrame } from "../../chat/_wire.ts";
import { HANG_BOUND_MS, within } from "../_utils.ts";

Deno.test("ChatConnection writes a turn's commands and posts in call order, and a frame the connection refuses fails only its own command", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const conn = new FramedConn(
    await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    { maxSendFrameLength: 256 },
  );
  using server = new FramedConn(await accepted);
  const chat = new ChatConnection(conn, () => undefined);
  try {
    const settled = (promise: Promise<unknown>) =>
      promise.then(() => "ok", (error) => error);
    // One turn: a small command, one too large to send, a post, another
    // small command.
    const outcomes = Promise.all([
      settled(chat.request({ op: "one" }, "a")),
      settled(chat.request({ op: "big", text: "x".repeat(300) }, "b")),
      settled(chat.post({ op: "posted" })),
      settled(chat.request({ op: "two" }, "c")),
    ]);
    const seen: unknown[] = [];
    const served = (async () => {
      for await (const frame of server) {
        assert.equal(frame.type, FrameType.Chat);
        const body = JSON.parse(new TextDecoder().decode(frame.payload));
        seen.push(body.id ?? body.op);
        if (body.id !== undefined) {
          await server.send(encodeChatFrame({ op: "ok", id: body.id }));
        }
        if (seen.length === 3) return;
      }
    })();
    const [a, b, posted, c] = await within(HANG_BOUND_MS, outcomes, "answers");
    assert.deepEqual([a, posted, c], ["ok", "ok", "ok"]);
    await within(HANG_BOUND_MS, served, "the server's reads");
    assert.deepEqual(seen, ["a", "posted", "c"]);
    assert.ok(b instanceof RangeError, `b: ${b}`);
    assert.equal((b as RangeError & { code?: string }).code, "FRAME_TOO_LARGE");
  } finally {
    await chat.close();
  }
});
