// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { checkEdges, findCycles } from "../../.ci/check_layers.ts";

function graph(edges: Record<string, string[]>): Map<string, Set<string>> {
  return new Map(
    Object.entries(edges).map(([from, to]) => [from, new Set(to)]),
  );
}

Deno.test("check_layers accepts downward imports of public files and internal/", () => {
  assert.deepEqual(
    checkEdges(graph({
      "cli/server.ts": ["mod.ts", "chat/mod.ts", "cli/_flags.ts"],
      "chat/chat_server.ts": ["transport/log.ts", "internal/options.ts"],
      "mod.ts": ["codec/frame.ts", "transport/server.ts"],
      "codec/frame_decoder.ts": ["codec/_header.ts", "internal/describe.ts"],
      "files/_sha256.ts": ["node:crypto"],
    })),
    [],
  );
});

Deno.test("check_layers reports upward, sideways and private imports", () => {
  assert.deepEqual(
    checkEdges(graph({
      "codec/encode.ts": ["transport/write_all.ts"],
      "chat/chat_server.ts": ["files/errors.ts"],
      "transport/framed_conn.ts": ["codec/_header.ts"],
      "internal/queue.ts": ["codec/frame.ts"],
    })),
    [
      "codec/encode.ts imports transport/write_all.ts: upward (codec/ is below transport/)",
      "chat/chat_server.ts imports files/errors.ts: sideways between chat/ and files/",
      "transport/framed_conn.ts imports codec/_header.ts, private to codec/",
      "internal/queue.ts imports codec/frame.ts: upward (internal/ is below codec/)",
    ],
  );
});

Deno.test("check_layers keeps codec/, transport/ and internal/ free of dependencies", () => {
  assert.deepEqual(
    checkEdges(graph({
      "transport/framed_conn.ts": ["node:crypto"],
      "codec/frame.ts": ["npm:fast-check@4.3.0"],
      "chat/sqlite_chat_store.ts": ["node:sqlite"],
    })),
    [
      "transport/framed_conn.ts imports node:crypto: transport/ has no dependencies",
      "codec/frame.ts imports npm:fast-check@4.3.0: codec/ has no dependencies",
    ],
  );
});

Deno.test("check_layers finds every import cycle, type-only ones too", () => {
  assert.deepEqual(
    findCycles(graph({
      "a/x.ts": ["a/y.ts"],
      "a/y.ts": ["a/z.ts"],
      "a/z.ts": ["a/x.ts"],
      "b/p.ts": ["b/q.ts"],
      "b/q.ts": ["b/p.ts"],
      "c/r.ts": ["a/x.ts"],
    })),
    [["a/x.ts", "a/y.ts", "a/z.ts"], ["b/p.ts", "b/q.ts"]],
  );
  assert.deepEqual(findCycles(graph({ "a/x.ts": ["a/y.ts"] })), []);
});
