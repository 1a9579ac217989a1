// Copyright 2026 the framewire authors. MIT license.
// The CI slice of `deno task fuzz`: every target with a fixed seed and a
// small budget, so a broken invariant fails the suite (with fast-check's
// shrunk counterexample in the message) and the run can be replayed with
// `deno task fuzz --target NAME --seed SEED`. The full run (a million
// inputs) is `deno task fuzz`.
import assert from "node:assert/strict";
import { fuzzChat } from "../../fuzz/chat.ts";
import { fuzzDecoder } from "../../fuzz/decoder.ts";
import { fuzzFiles } from "../../fuzz/files.ts";
import { fuzzServer } from "../../fuzz/server.ts";
import type { FuzzResult } from "../../fuzz/_run.ts";
import { parseChatCommand } from "../../chat/_wire.ts";
import { ChatError } from "../../chat/errors.ts";

const SEED = 20260109;
// Generous: the slice takes a few seconds; the bound only keeps a slow
// machine from stalling the suite (an interrupted run still checks what it
// generated).
const TIME_LIMIT_MS = 20_000;

function assertPassed(result: FuzzResult, expectedCodes: string[]): void {
  assert.equal(result.failure, undefined, result.failure);
  assert.ok(result.inputs > 0, "no input was generated");
  // The generators must keep reaching the refusals they were built for.
  for (const code of expectedCodes) {
    assert.ok(
      (result.refusals.get(code) ?? 0) > 0,
      `no input provoked ${code}: ${[...result.refusals.keys()].join(", ")}`,
    );
  }
}

Deno.test("fuzz slice: FrameDecoder keeps its invariants on mutated streams in every profile", async () => {
  const result = await fuzzDecoder({
    seed: SEED,
    runs: 4000,
    timeLimitMs: TIME_LIMIT_MS,
  });
  assertPassed(result, [
    "FRAME_TOO_LARGE",
    "FRAME_TYPE_UNKNOWN",
    "FRAME_TRUNCATED",
  ]);
});

Deno.test("fuzz slice: the chat command and login parsers refuse only with documented ChatError codes", async () => {
  const result = await fuzzChat({
    seed: SEED,
    runs: 4000,
    timeLimitMs: TIME_LIMIT_MS,
  });
  assertPassed(result, [
    "INVALID_JSON",
    "MISSING_FIELD",
    "INVALID_FIELD",
    "UNKNOWN_OP",
    "INVALID_NAME",
  ]);
});

Deno.test("fuzz slice: the files wire parsers refuse only with BLOB_MALFORMED or BAD_REQUEST", async () => {
  const result = await fuzzFiles({
    seed: SEED,
    runs: 4000,
    timeLimitMs: TIME_LIMIT_MS,
  });
  assertPassed(result, ["BLOB_MALFORMED", "BAD_REQUEST"]);
});

Deno.test("fuzz slice: a live server answers fuzz connections with documented codes and keeps serving a well-behaved client", async () => {
  const result = await fuzzServer(
    { seed: SEED, runs: 40, timeLimitMs: TIME_LIMIT_MS },
    { checkEvery: 5 },
  );
  assertPassed(result, [
    "FRAME_TYPE_UNKNOWN",
    "NOT_LOGGED_IN",
    "FRAME_TOO_LARGE",
  ]);
});

// Found by the chat target: a send whose text held a lone surrogate was
// accepted and stored as U+FFFD, so the recipient read other text than was
// acknowledged. It is refused with INVALID_TEXT now.
Deno.test({
  name: "parseChatCommand refuses a send whose text holds a lone surrogate",
  fn() {
    const payload = new TextEncoder().encode(
      '{"op":"send","id":"1","chat":"@bob","text":"a\\ud800b"}',
    );
    assert.throws(
      () => parseChatCommand(payload, 4096),
      (error) => error instanceof ChatError && error.code === "INVALID_TEXT",
    );
  },
});
