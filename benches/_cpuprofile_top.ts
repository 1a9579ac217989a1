// Copyright 2026 the framewire authors. MIT license.
// Where a V8 CPU profile (.cpuprofile) spends its time: the functions with
// the most self time, and the framewire files with the most.
//
//   deno run -A benches/_cpuprofile_top.ts <file.cpuprofile> [--top 40]
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: {
    functionName: string;
    url: string;
    lineNumber: number;
  };
  hitCount?: number;
}

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { top: { type: "string", default: "40" } },
});
const profile = JSON.parse(await Deno.readTextFile(positionals[0])) as {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
};
// Self time per node, from the sample deltas (µs).
const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
}
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/perf-[^/]*\/|^file:\/\/.*\/(?=[a-z]+\/)/, "");
  const key = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const fileKey = file === "" ? functionName : file;
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  total += us;
}
const top = Number(values.top);
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${(us / 1000).toFixed(1).padStart(9)} ms ${
        (us / total * 100).toFixed(1).padStart(5)
      }%  ${key}`,
    );
  }
};
print("self time by function", byFunction);
print("self time by file", byFile);
