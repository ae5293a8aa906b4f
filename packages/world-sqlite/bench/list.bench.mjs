// Listing runs out of many: SqliteWorld.listRuns on the built package (run `npm run build` first).
//
//   node packages/world-sqlite/bench/list.bench.mjs            # 1,000,000 runs
//   BENCH_RUNS=100000 node packages/world-sqlite/bench/list.bench.mjs
//
// Filling: the World creates its schema, then the runs are inserted straight into
// its `runs` table in one transaction (createRun would write an event and fsync per
// run: hours for a million). The rows are what createRun writes (status, created_at
// one ms apart, 10 workflows, a fifth of them completed); the indexes are the World's own.
// Then listRuns is timed through the World's API: the newest 50, the next page by
// cursor, and the newest 50 of one workflow and of one status. Median of 50 calls.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { sqliteWorld } from "../dist/index.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 1_000_000);
const dataDir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), "wfkit-list-bench-"));

try {
  await sqliteWorld({ dataDir }).close();
  const fillStart = performance.now();
  const db = new Database(join(dataDir, "world.sqlite"));
  const insert = db.prepare(
    `INSERT INTO runs (run_id, workflow_id, status, input, created_at, last_seq)
     VALUES (?, ?, ?, '[]', ?, 1)`,
  );
  const t0 = Date.UTC(2026, 0, 1);
  db.transaction(() => {
    for (let i = 0; i < RUNS; i++) {
      const id = `wrun_${String(i).padStart(12, "0")}`;
      insert.run(id, `workflow//bench//wf${i % 10}`, i % 5 === 0 ? "completed" : "running", t0 + i);
    }
  })();
  db.close();
  const fillMs = performance.now() - fillStart;

  const world = sqliteWorld({ dataDir });
  const median = async (fn) => {
    const times = [];
    for (let i = 0; i < 50; i++) {
      const start = performance.now();
      await fn();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return times[25];
  };
  const first = await world.listRuns({ limit: 50 });
  const rows = [
    ["newest 50", () => world.listRuns({ limit: 50 })],
    ["next 50 (cursor)", () => world.listRuns({ limit: 50, before: first[49] })],
    ["newest 50 of one workflow", () => world.listRuns({ limit: 50, workflowId: "workflow//bench//wf3" })],
    ["newest 50 completed", () => world.listRuns({ limit: 50, status: ["completed"] })],
    ["newest 50, time range", () => world.listRuns({ limit: 50, createdUntil: t0 + RUNS / 2 })],
  ];
  console.log(`runs stored: ${RUNS.toLocaleString("en")} (filled in ${(fillMs / 1000).toFixed(1)} s)`);
  console.log("| listRuns | median ms (50 calls) |");
  console.log("| --- | --- |");
  for (const [name, fn] of rows) {
    const result = await fn();
    if (result.length !== 50) throw new Error(`${name}: ${result.length} runs`);
    console.log(`| ${name} | ${(await median(fn)).toFixed(3)} |`);
  }
  await world.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
