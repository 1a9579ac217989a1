// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { LineEditor } from "../../cli/_line_editor.ts";

/** An editor fed by hand, and everything it wrote. */
function editor(keepEntered?: (line: string) => boolean) {
  let feed!: ReadableStreamDefaultController<Uint8Array>;
  const input = new ReadableStream<Uint8Array>({
    start: (controller) => void (feed = controller),
  });
  const written: string[] = [];
  const raw: boolean[] = [];
  const line = new LineEditor({
    input,
    write: (text) => written.push(text),
    setRaw: (on) => raw.push(on),
    keepEntered,
  });
  const encoder = new TextEncoder();
  return {
    line,
    written,
    raw,
    type: (text: string) => feed.enqueue(encoder.encode(text)),
    end: () => feed.close(),
  };
}

Deno.test("LineEditor prints an incoming line above the half-typed one and draws prompt and text again", async () => {
  const e = editor();
  e.line.setPrompt("@alice> ");
  const lines = e.line.lines();
  const first = lines.next();
  e.type("I am typi");
  await Promise.resolve();
  // Let the stream deliver before the message arrives.
  while (e.line.typed !== "I am typi") {
    await new Promise((r) => setTimeout(r, 1));
  }
  e.written.length = 0;
  e.line.print("13:30 [@alice] alice: ping");
  assert.deepEqual(e.written, [
    "\r\x1b[K13:30 [@alice] alice: ping\r\n@alice> I am typi",
  ]);
  e.type("ng this\r");
  assert.deepEqual(await first, { value: "I am typing this", done: false });
  e.end();
  assert.equal((await lines.next()).done, true);
  assert.deepEqual(e.raw, [true, false]);
});

Deno.test("LineEditor edits with Backspace, Ctrl-U and Ctrl-W, skips arrow keys, and ends on Ctrl-D", async () => {
  const e = editor();
  const lines = e.line.lines();
  // Backspace removes one character (a whole emoji), arrows insert nothing.
  e.type("helo\x7f\x7fllo 👋\x7f\x1b[D\x1b[Cworld\r");
  assert.deepEqual(await lines.next(), { value: "hello world", done: false });
  e.type("gone\x15kept words\x17\r");
  assert.deepEqual(await lines.next(), { value: "kept ", done: false });
  e.type("x\x04\x7f\x04"); // Ctrl-D ends only on an empty line
  assert.equal((await lines.next()).done, true);
  assert.deepEqual(e.raw, [true, false]);
});

Deno.test("LineEditor clears an entered line that the program prints again, and keeps commands", async () => {
  const e = editor((line) => line.startsWith("/"));
  e.line.setPrompt("> ");
  const lines = e.line.lines();
  e.type("hi\r");
  await lines.next();
  assert.equal(e.written.at(-1), "\r\x1b[K> ");
  e.type("/list\r");
  await lines.next();
  assert.equal(e.written.at(-1), "\r\n> ");
  e.type("\x03"); // Ctrl-C ends the input
  assert.equal((await lines.next()).done, true);
});
