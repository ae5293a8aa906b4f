// `npm run bench:idle-gap -w @wfkit/core` (after `npm run build`): the same noop and
// seq10 runs back to back, then with the process idle 10 and 30 ms before each (the
// peer-bench driver polls every 10 ms, so its runs start after such pauses). In one
// process on the embedded SQLite World: no HTTP involved. Prints, per gap, the median
// time until start() resolved and until returnValue did; first, the same pauses before a
// fixed piece of plain JS work, which shows what the machine itself does after idling.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Runtime } from "@wfkit/core";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { loadBenchWorkflows } from "./bench-workflows.mjs";

const { workflows, id } = await loadBenchWorkflows();

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const pause = (ms) => new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
const RUNS = 60;
const WARMUP = 10;

// The machine first, with no wfkit code: a fixed piece of plain JS work after the same pauses.
function plainWork() {
  const objects = [];
  let total = 0;
  for (let i = 0; i < 20000; i++) {
    objects.push({ i, text: `k${i}` });
    total += objects[i].text.length;
  }
  return total;
}
for (const gapMs of [1, 10, 30]) {
  const took = [];
  for (let i = 0; i < 40; i++) {
    await pause(gapMs);
    const t0 = performance.now();
    plainWork();
    took.push(performance.now() - t0);
  }
  console.log(
    `plain JS work, no wfkit, idle ${String(gapMs).padStart(2)} ms before each: ${median(took).toFixed(2)} ms (median of 40)`,
  );
}

for (const workflow of ["noop", "seq10"]) {
  for (const gapMs of [0, 10, 30]) {
    const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-gap-"));
    const runtime = new Runtime({ world: sqliteWorld({ dataDir }), workflows, log: () => {} });
    await runtime.recover();
    const started = [];
    const done = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      await pause(gapMs);
      const t0 = performance.now();
      const run = await runtime.start(id(workflow), workflow === "noop" ? [] : [0]);
      const t1 = performance.now();
      await run.returnValue;
      if (i >= WARMUP) {
        started.push(t1 - t0);
        done.push(performance.now() - t0);
      }
    }
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
    console.log(
      `${workflow.padEnd(6)} idle ${String(gapMs).padStart(2)} ms before each: start() ${median(started).toFixed(2)} ms, start→done ${median(done).toFixed(2)} ms (median of ${RUNS})`,
    );
  }
}
