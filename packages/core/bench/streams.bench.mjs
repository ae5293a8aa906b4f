// `node packages/core/bench/streams.bench.mjs` (after `npm run build`): stream
// figures in one process on the embedded SQLite world (synchronous=FULL).
// Targets (issue 10): write → read p50 <= 5 ms; 10,000 chunks of 100 bytes from one step <= 1 s.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Runtime } from "@wfkit/core";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { loadBenchWorkflows } from "./bench-workflows.mjs";

const { workflows, id } = await loadBenchWorkflows("streams-workflows.ts");

const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-bench-streams-"));
const rt = new Runtime({ world: sqliteWorld({ dataDir }), workflows, log: () => {} });
await rt.recover();

function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { n: s.length, p50: at(0.5), p95: at(0.95) };
}

try {
  // 1. Latency: a chunk written in a step, until a reader (run.getReadable()) has it.
  let release = () => {};
  globalThis.__streamsBench = { waitForReader: () => new Promise((resolve) => (release = resolve)) };
  const pings = 300;
  const warmup = 20;
  const run = await rt.start(id("ping"), [pings]);
  const latencies = [];
  let seen = 0;
  for await (const writtenAt of run.getReadable()) {
    if (seen++ >= warmup) latencies.push(performance.now() - writtenAt);
    release();
  }
  await run.returnValue;
  const l = stats(latencies);
  console.log(
    `write -> read latency        p50 ${l.p50.toFixed(2)} ms  p95 ${l.p95.toFixed(2)} ms  (n=${l.n}; target p50 <= 5 ms)`,
  );

  // 2. Throughput: 10,000 chunks of 100 bytes written by one step.
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    const bulk = await rt.start(id("bulk"), [10_000, 100]);
    const stepMs = await bulk.returnValue;
    const t1 = performance.now();
    let count = 0;
    for await (const chunk of bulk.getReadable({ namespace: "bulk" })) if (chunk.length === 100) count++;
    const readMs = performance.now() - t1;
    console.log(
      `10,000 x 100 B from one step  written in ${stepMs.toFixed(0)} ms (run ${(t1 - t0).toFixed(0)} ms; target <= 1000 ms), read back ${count} in ${readMs.toFixed(0)} ms`,
    );
  }
} finally {
  await rt.close();
  rmSync(dataDir, { recursive: true, force: true });
}
