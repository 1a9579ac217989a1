// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import { writeAll, type Writer, WriteZeroError } from "../../mod.ts";
import {
  concat,
  findPatternMismatch,
  patternBytes,
  randomBytes,
  randomInt,
  rawTcpPair,
  readToEnd,
  seededRandom,
} from "./_utils.ts";

// Since Deno 2.8 the op and resource sanitizers are off unless asked for:
// every test here must close its sockets and settle its ops.
Deno.test.sanitizer({ ops: true, resources: true });

/**
 * A writer that accepts `accept(requested, call)` bytes per call and keeps a
 * copy of them, plus the length it was offered each time.
 */
function scriptedWriter(accept: (requested: number, call: number) => number) {
  const chunks: Uint8Array[] = [];
  const offered: number[] = [];
  const writer: Writer = {
    write(bytes) {
      // A writeAll that loops on zero-byte writes fails here instead of
      // hanging the test run.
      if (offered.length > 100_000) throw new Error("write() called forever");
      const count = accept(bytes.length, offered.length);
      offered.push(bytes.length);
      chunks.push(bytes.slice(0, Math.max(0, Math.min(count, bytes.length))));
      return Promise.resolve(count);
    },
  };
  return { writer, offered, received: () => concat(chunks) };
}

Deno.test("writeAll writes every byte in order through a writer that takes one byte per call", async () => {
  const bytes = randomBytes(seededRandom(1), 1000);
  const { writer, offered, received } = scriptedWriter(() => 1);
  await writeAll(writer, bytes);
  assert.deepEqual(received(), bytes);
  assert.equal(offered.length, 1000);
  // Each call is offered exactly the unwritten rest, never bytes twice.
  assert.deepEqual(offered, Array.from({ length: 1000 }, (_, i) => 1000 - i));
});

Deno.test("writeAll writes every byte in order through writers that take random short counts", async () => {
  for (let seed = 1; seed <= 50; seed++) {
    const random = seededRandom(seed);
    const bytes = randomBytes(random, randomInt(random, 1, 5000));
    const accepted: number[] = [];
    const { writer, offered, received } = scriptedWriter((requested) => {
      accepted.push(randomInt(random, 1, Math.min(requested, 700)));
      return accepted[accepted.length - 1];
    });
    await writeAll(writer, bytes);
    assert.deepEqual(received(), bytes, `seed ${seed}`);
    // The offers shrink by exactly what was accepted each time.
    assert.equal(offered[0], bytes.length, `seed ${seed}`);
    for (let call = 1; call < offered.length; call++) {
      assert.equal(offered[call], offered[call - 1] - accepted[call - 1]);
    }
    assert.equal(offered.at(-1), accepted.at(-1), `seed ${seed}`);
  }
});

Deno.test("writeAll delivers any bytes exactly under any schedule of short writes", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 2048 }),
      fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1 }),
      async (bytes, schedule) => {
        const { writer, offered, received } = scriptedWriter((
          requested,
          call,
        ) => Math.min(requested, schedule[call % schedule.length]));
        await writeAll(writer, bytes);
        assert.deepEqual(received(), bytes);
        let rest = bytes.length;
        for (let call = 0; call < offered.length; call++) {
          assert.equal(offered[call], rest);
          rest -= Math.min(rest, schedule[call % schedule.length]);
        }
        assert.equal(rest, 0);
      },
    ),
    { seed: 20260201, numRuns: 200 },
  );
});

Deno.test("writeAll does not call write for an empty buffer", async () => {
  const { writer, offered } = scriptedWriter(() => 0);
  await writeAll(writer, new Uint8Array(0));
  assert.equal(offered.length, 0);
});

Deno.test("writeAll throws WriteZeroError on a zero-byte write instead of spinning", async () => {
  // Three bytes per call, then the writer stalls.
  const { writer, offered, received } = scriptedWriter((_, call) =>
    call < 2 ? 3 : 0
  );
  const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  await assert.rejects(writeAll(writer, bytes), (error) => {
    assert(error instanceof WriteZeroError);
    assert.equal(error.code, "WRITE_ZERO");
    assert.equal(error.name, "WriteZeroError");
    assert.equal(error.writtenBytes, 6);
    assert.equal(error.totalBytes, 10);
    return true;
  });
  // One zero-byte write is enough to give up.
  assert.deepEqual(offered, [10, 7, 4]);
  assert.deepEqual(received(), new Uint8Array([1, 2, 3, 4, 5, 6]));
});

Deno.test("writeAll throws WriteZeroError with writtenBytes 0 when the first write returns 0", async () => {
  const { writer, offered } = scriptedWriter(() => 0);
  await assert.rejects(writeAll(writer, new Uint8Array(5)), (error) => {
    assert(error instanceof WriteZeroError);
    assert.equal(error.writtenBytes, 0);
    assert.equal(error.totalBytes, 5);
    return true;
  });
  assert.equal(offered.length, 1);
});

Deno.test("writeAll throws RangeError when a write claims more bytes than it was given", async () => {
  const { writer, offered } = scriptedWriter((requested, call) =>
    call === 0 ? 4 : requested + 1
  );
  await assert.rejects(writeAll(writer, new Uint8Array(10)), (error) => {
    assert(error instanceof RangeError);
    assert(!(error instanceof WriteZeroError));
    assert.match(error.message, /returned 7 for 6 bytes/);
    return true;
  });
  assert.deepEqual(offered, [10, 6]);
});

Deno.test("writeAll throws RangeError for a negative or fractional write count", async () => {
  // Each case names a count a broken writer might return.
  for (const count of [-1, 1.5, Number.NaN, Infinity]) {
    const { writer, offered } = scriptedWriter(() => count);
    await assert.rejects(
      writeAll(writer, new Uint8Array(8)),
      RangeError,
      `count ${count}`,
    );
    assert.equal(offered.length, 1, `count ${count}`);
  }
});

Deno.test("writeAll passes a writer's error through unchanged", async () => {
  const failure = new Deno.errors.BrokenPipe("peer went away");
  let calls = 0;
  const writer: Writer = {
    write() {
      calls++;
      return calls === 1 ? Promise.resolve(2) : Promise.reject(failure);
    },
  };
  await assert.rejects(writeAll(writer, new Uint8Array(4)), (error) => {
    assert.equal(error, failure);
    return true;
  });
  assert.equal(calls, 2);
});

Deno.test("writeAll writes 8 MiB to a real TCP socket byte-exact", async () => {
  using pair = await rawTcpPair();
  const bytes = patternBytes(8 * 1024 * 1024, 7);
  const reading = readToEnd(pair.server);
  await writeAll(pair.client, bytes);
  await pair.client.closeWrite();
  const received = await reading;
  assert.equal(received.length, bytes.length);
  assert.equal(findPatternMismatch(received, 7), -1);
});
