// Copyright 2026 the framewire authors. MIT license.
// The clocks of one served connection, driven by hand: each test feeds
// samples at chosen times and checks the verdict, so no test waits.
import assert from "node:assert/strict";
import {
  Liveness,
  type LivenessLimits,
  type LivenessSample,
  type LivenessVerdict,
  sweepPeriodMs,
} from "../../transport/_liveness.ts";
import { seededRandom } from "./_server_utils.ts";

const OFF: LivenessLimits = {
  idleTimeoutMs: undefined,
  sendTimeoutMs: Infinity,
  heartbeatMs: Infinity,
  heartbeatTimeoutMs: Infinity,
  frameStallMs: Infinity,
  firstFrameTimeoutMs: Infinity,
};

const QUIET: LivenessSample = {
  bytesIn: 0,
  appBytesIn: 0,
  framesIn: 1,
  insideFrame: false,
  busy: false,
  queuedBytes: 0,
  bytesWritten: 0,
};

/** The verdicts of `liveness` at each `[time, sample]`, in order. */
function run(
  limits: Partial<LivenessLimits>,
  steps: [number, Partial<LivenessSample>][],
): LivenessVerdict[] {
  const liveness = new Liveness(0);
  return steps.map(([now, sample]) =>
    liveness.check(now, { ...QUIET, ...sample }, { ...OFF, ...limits })
  );
}

const code = (verdict: LivenessVerdict) =>
  verdict?.action === "close" ? verdict.code : verdict?.action;

Deno.test("Liveness closes a connection without a complete frame at firstFrameTimeoutMs, not before", () => {
  const verdicts = run({ firstFrameTimeoutMs: 100 }, [
    [99, { framesIn: 0, bytesIn: 3 }],
    [100, { framesIn: 0, bytesIn: 3 }],
  ]);
  assert.deepEqual(verdicts.map(code), [undefined, "FIRST_FRAME_TIMEOUT"]);
  // Bytes alone do not count: only a complete frame proves the peer.
  assert.deepEqual(
    run({ firstFrameTimeoutMs: 100 }, [[150, { framesIn: 0, bytesIn: 99 }]])
      .map(code),
    ["FIRST_FRAME_TIMEOUT"],
  );
  assert.deepEqual(
    run({ firstFrameTimeoutMs: 100 }, [[150, { framesIn: 1 }]]).map(code),
    [undefined],
  );
});

Deno.test("Liveness closes a started frame after frameStallMs without a byte, and never one that keeps moving", () => {
  const stalled = run({ frameStallMs: 100 }, [
    [10, { insideFrame: true, bytesIn: 5 }],
    [109, { insideFrame: true, bytesIn: 5 }],
    [110, { insideFrame: true, bytesIn: 5 }],
  ]);
  assert.deepEqual(stalled.map(code), [undefined, undefined, "FRAME_STALLED"]);
  // A byte every 90 ms for a long time: slow, but moving.
  const steps: [number, Partial<LivenessSample>][] = [];
  for (let i = 1; i <= 100; i++) {
    steps.push([i * 90, { insideFrame: true, bytesIn: i }]);
  }
  assert.ok(run({ frameStallMs: 100 }, steps).every((v) => v === undefined));
  // Silence between frames is the heartbeat's business, not a stall.
  assert.deepEqual(
    run({ frameStallMs: 100 }, [[500, { insideFrame: false }]]).map(code),
    [undefined],
  );
});

Deno.test("Liveness pings a silent peer after heartbeatMs and closes it heartbeatTimeoutMs after the Ping", () => {
  const verdicts = run({ heartbeatMs: 100, heartbeatTimeoutMs: 50 }, [
    [99, {}],
    [100, {}],
    [120, {}],
    [149, {}],
    [150, {}],
  ]);
  assert.deepEqual(verdicts.map(code), [
    undefined,
    "ping",
    undefined,
    undefined,
    "HEARTBEAT_TIMEOUT",
  ]);
});

Deno.test("Liveness takes any byte after a Ping as an answer, and pings again after the next silence", () => {
  const verdicts = run({ heartbeatMs: 100, heartbeatTimeoutMs: 50 }, [
    [100, {}],
    [140, { bytesIn: 6 }],
    [200, { bytesIn: 6 }],
    [240, { bytesIn: 6 }],
    [290, { bytesIn: 6 }],
  ]);
  assert.deepEqual(verdicts.map(code), [
    "ping",
    undefined,
    undefined,
    "ping",
    "HEARTBEAT_TIMEOUT",
  ]);
});

Deno.test("Liveness does not count heartbeat Pongs as activity for idleTimeoutMs", () => {
  // Pongs keep arriving (bytesIn moves) but appBytesIn does not.
  const verdicts = run({ idleTimeoutMs: 100, heartbeatMs: 30 }, [
    [30, {}],
    [40, { bytesIn: 5 }],
    [70, { bytesIn: 5 }],
    [80, { bytesIn: 10 }],
    [100, { bytesIn: 10 }],
  ]);
  assert.deepEqual(verdicts.map(code), [
    "ping",
    undefined,
    "ping",
    undefined,
    "IDLE_TIMEOUT",
  ]);
  // Application bytes do reset it.
  assert.deepEqual(
    run({ idleTimeoutMs: 100 }, [[60, { bytesIn: 5, appBytesIn: 5 }], [
      150,
      { bytesIn: 5, appBytesIn: 5 },
    ]]).map(code),
    [undefined, undefined],
  );
});

Deno.test("Liveness restarts every clock while the server is busy with the peer's frames", () => {
  const verdicts = run(
    { heartbeatMs: 100, idleTimeoutMs: 100, frameStallMs: 100 },
    [[90, { busy: true, insideFrame: true }], [180, { insideFrame: true }]],
  );
  assert.deepEqual(verdicts.map(code), [undefined, undefined]);
});

Deno.test("Liveness closes a peer whose queue made no progress for sendTimeoutMs, without an Error frame", () => {
  const verdicts = run({ sendTimeoutMs: 100 }, [
    [10, { queuedBytes: 500, bytesWritten: 0 }],
    [60, { queuedBytes: 400, bytesWritten: 100 }],
    [159, { queuedBytes: 400, bytesWritten: 100 }],
    [160, { queuedBytes: 400, bytesWritten: 100 }],
  ]);
  assert.deepEqual(verdicts.map(code), [
    undefined,
    undefined,
    undefined,
    "SLOW_READER",
  ]);
  const last = verdicts[3];
  assert.ok(last?.action === "close" && !last.sendError);
});

Deno.test("Liveness with every limit at Infinity never acts", () => {
  const verdicts = run({}, [[1e9, { framesIn: 0, insideFrame: true }]]);
  assert.deepEqual(verdicts, [undefined]);
});

Deno.test("sweepPeriodMs is an eighth of the shortest timeout, bounded, and undefined when all are off", () => {
  assert.equal(sweepPeriodMs(OFF, 5, 1000), undefined);
  assert.equal(sweepPeriodMs({ ...OFF, frameStallMs: 800 }, 5, 1000), 100);
  assert.equal(sweepPeriodMs({ ...OFF, idleTimeoutMs: 16 }, 5, 1000), 5);
  assert.equal(sweepPeriodMs({ ...OFF, sendTimeoutMs: 60_000 }, 5, 1000), 1000);
  // Without Pings there is nothing to time out.
  assert.equal(
    sweepPeriodMs({ ...OFF, heartbeatTimeoutMs: 80 }, 5, 1000),
    undefined,
  );
});

Deno.test("Liveness closes at most 25% late and never early when swept every sweepPeriodMs", () => {
  const random = seededRandom(9);
  for (let trial = 0; trial < 200; trial++) {
    // A stall timeout and another, shorter or longer, that sets the period.
    const frameStallMs = 40 + Math.floor(random() * 5000);
    const limits: LivenessLimits = {
      ...OFF,
      frameStallMs,
      heartbeatMs: 40 + Math.floor(random() * 5000),
    };
    const period = sweepPeriodMs(limits, 5, 1000)!;
    const openedAt = random() * period;
    const lastByteAt = openedAt + random() * 3 * period;
    const liveness = new Liveness(openedAt);
    let closedAt: number | undefined;
    // Sweeps on their own grid; the peer's last byte lands between two.
    for (let now = period; closedAt === undefined; now += period) {
      const sample = {
        ...QUIET,
        insideFrame: true,
        bytesIn: now >= lastByteAt ? 2 : 1,
        appBytesIn: now >= lastByteAt ? 2 : 1,
      };
      // Answer heartbeat Pings never: only the stall may close here.
      const verdict = liveness.check(now, sample, {
        ...limits,
        heartbeatMs: Infinity,
      });
      if (verdict?.action === "close") {
        assert.equal(verdict.code, "FRAME_STALLED");
        closedAt = now;
      }
    }
    const silence = closedAt - lastByteAt;
    assert.ok(silence >= frameStallMs, `early: ${silence} < ${frameStallMs}`);
    assert.ok(
      silence <= frameStallMs * 1.25,
      `late: ${silence} > 1.25 × ${frameStallMs} (period ${period})`,
    );
  }
});
