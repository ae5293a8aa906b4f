// Micro-benchmark of SqliteWorld.append on the built package (run `npm run build` first).
//
//   npm run bench -w @wfkit/world-sqlite
//   BENCH_DIR=/mnt/disk npm run bench -w @wfkit/world-sqlite   # measure another disk
//
// Measures, for each group-commit flush mode:
// - the latency of one append (1 event) with nothing else going on: one
//   transaction, one fsync (synchronous=FULL);
// - appends/s with 200 concurrent appenders (one run each), and how many appends
//   share a commit; "plain" appenders call append in a loop, "uneven reads" ones
//   first await 0 to 3 reads (appender i: i % 4), as a runtime reading state
//   before it writes does, so their appends arrive in different microtasks.
// fsync is the cost being measured: a tmpfs BENCH_DIR makes the numbers meaningless.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { SqliteWorld } from "../dist/index.js";

const SINGLE_APPENDS = Number(process.env.BENCH_SINGLE ?? 500);
const CONCURRENCY = 200;
const DURATION_MS = Number(process.env.BENCH_MS ?? 3_000);
const base = process.env.BENCH_DIR ?? tmpdir();

const event = (i) => ({ v: 1, type: "sleep_fired", opId: i, at: Date.now() });

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** A fresh World in its own directory, with a counter of commits (group-commit batches). */
function openWorld(flushOn) {
  const dataDir = mkdtempSync(join(base, "wfkit-bench-"));
  const world = new SqliteWorld({ dataDir, flushOn });
  const stats = { commits: 0 };
  // Reaching into the (TypeScript-private) committer only to count its batches.
  const committer = world.committer;
  const flush = committer.flush.bind(committer);
  committer.flush = () => {
    if (committer.queue.length > 0) stats.commits += 1;
    flush();
  };
  return {
    world,
    stats,
    async dispose() {
      await world.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function singleAppendLatency(flushOn) {
  const { world, dispose } = openWorld(flushOn);
  await world.createRun({ runId: "wrun_single", workflowId: "bench", input: "[]", at: Date.now() });
  for (let i = 0; i < 20; i++) await world.append({ runId: "wrun_single", events: [event(i)] });
  const samples = [];
  for (let i = 0; i < SINGLE_APPENDS; i++) {
    const start = performance.now();
    const result = await world.append({ runId: "wrun_single", events: [event(i)] });
    samples.push(performance.now() - start);
    if (!result.ok) throw new Error(JSON.stringify(result));
  }
  await dispose();
  samples.sort((a, b) => a - b);
  return { median: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function concurrentThroughput(flushOn, uneven) {
  const { world, stats, dispose } = openWorld(flushOn);
  const runIds = Array.from({ length: CONCURRENCY }, (_, i) => `wrun_c${i}`);
  await Promise.all(
    runIds.map((runId) => world.createRun({ runId, workflowId: "bench", input: "[]", at: 0 })),
  );
  stats.commits = 0;
  let appends = 0;
  const deadline = performance.now() + DURATION_MS;
  const start = performance.now();
  await Promise.all(
    runIds.map(async (runId, w) => {
      const reads = uneven ? w % 4 : 0;
      for (let i = 0; performance.now() < deadline; i++) {
        for (let r = 0; r < reads; r++) await world.getRun(runId);
        const result = await world.append({ runId, events: [event(i)] });
        if (!result.ok) throw new Error(JSON.stringify(result));
        appends += 1;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1_000;
  const commits = stats.commits;
  await dispose();
  return { perSecond: appends / seconds, perCommit: appends / commits };
}

const fmt = (n, digits = 2) => n.toFixed(digits);
console.log(`@wfkit/world-sqlite append benchmark (node ${process.version}, dir ${base}, synchronous=FULL)`);
for (const flushOn of ["immediate", "microtask"]) {
  const single = await singleAppendLatency(flushOn);
  console.log(
    `[flushOn=${flushOn}] single append (1 event), ${SINGLE_APPENDS} sequential: ` +
      `median ${fmt(single.median, 3)} ms, p99 ${fmt(single.p99, 3)} ms`,
  );
  for (const uneven of [false, true]) {
    const t = await concurrentThroughput(flushOn, uneven);
    console.log(
      `[flushOn=${flushOn}] ${CONCURRENCY} concurrent appenders (${uneven ? "uneven reads" : "plain"}), ` +
        `${DURATION_MS / 1_000} s: ${Math.round(t.perSecond)} appends/s, ${fmt(t.perCommit, 1)} appends per commit`,
    );
  }
}
