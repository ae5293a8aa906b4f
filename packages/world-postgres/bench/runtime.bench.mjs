// `npm run bench -w @wfkit/world-postgres` (after `npm run build`): the runtime's
// figures on the PostgreSQL World next to the embedded SQLite World, in one run
// on this machine (database, app processes and driver share its cores).
//
// - seq10 / par50: start→done latency of one run at a time, in this process;
// - throughput: 200 concurrent seq10 runs, in steps/s, with 1 app process (this
//   one) and, on PostgreSQL, with 2 app processes (children, 100 runs each);
// - commits per step at throughput: `xact_commit` of the bench's database in
//   pg_stat_database (every transaction, reads included) and the World's own
//   write transactions (`world.stats().batches`).
//
// The database is made for the run and dropped after: WFKIT_BENCH_POSTGRES_URL
// (default postgres://postgres@127.0.0.1:5432/postgres) must allow CREATE DATABASE.
import { execFileSync, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildStepBundle, buildWorkflowBundle } from "@wfkit/builder";
import { Runtime } from "@wfkit/core";
import { sqliteWorld } from "@wfkit/world-sqlite";
import postgres from "postgres";
import { openPostgresWorld } from "../dist/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const coreBench = path.resolve(here, "../../core/bench");
const id = (name) => `workflow//workflows//${name}`;

async function loadWorkflows() {
  const workflows = await buildWorkflowBundle({ root: coreBench, files: ["workflows.ts"] });
  const steps = await buildStepBundle({
    root: coreBench,
    files: ["workflows.ts"],
    outDir: mkdtempSync(path.join(tmpdir(), "wfkit-pg-bench-steps-")),
  });
  await import(pathToFileURL(steps.file).href);
  return workflows;
}

async function runBatch(rt, n) {
  const t0 = performance.now();
  const runs = await Promise.all(Array.from({ length: n }, (_, i) => rt.start(id("seq10"), [i])));
  await Promise.all(runs.map((r) => r.returnValue));
  return performance.now() - t0;
}

function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { n: s.length, median: at(0.5), p95: at(0.95) };
}
const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

// A child app process: opens its runtime, then runs a batch of seq10 runs for each "go".
if (process.argv[2] === "--child") {
  const url = process.argv[3];
  const workflows = await loadWorkflows();
  const runtime = new Runtime({ world: await openPostgresWorld(url), workflows, log: () => {} });
  await runtime.recover();
  process.on("message", async (message) => {
    if (message.type === "go") process.send({ type: "done", ms: await runBatch(runtime, message.n) });
    if (message.type === "stop") {
      await runtime.close();
      process.exit(0);
    }
  });
  process.send({ type: "ready" });
} else {
  await main();
}

async function main() {
  const admin = process.env.WFKIT_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const dbName = `wfkit_bench_${process.pid}`;
  const psql = (command) => execFileSync("psql", ["-X", "-q", "-d", admin, "-c", command]);
  psql(`CREATE DATABASE ${dbName}`);
  const url = new URL(admin);
  url.pathname = `/${dbName}`;
  const pgUrl = url.href;
  const workflows = await loadWorkflows();
  const rows = [];
  const row = (world, scenario, value, unit, note = "") => {
    rows.push({ world, scenario, value, unit, note });
    console.log(
      `${world.padEnd(9)} ${scenario.padEnd(34)} ${f(value).padStart(9)} ${unit}${note ? `  ${note}` : ""}`,
    );
  };
  console.log(
    `wfkit runtime on each World — node ${process.version}, PostgreSQL at ${url.host}, SQLite synchronous=FULL\n`,
  );
  try {
    for (const kind of ["sqlite", "postgres"]) {
      const open = async () => {
        if (kind === "postgres") return { world: await openPostgresWorld(pgUrl), done: async () => {} };
        const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-pg-bench-sqlite-"));
        return {
          world: sqliteWorld({ dataDir }),
          done: async () => rmSync(dataDir, { recursive: true, force: true }),
        };
      };
      const withRuntime = async (fn) => {
        const { world, done } = await open();
        const rt = new Runtime({ world, workflows, log: () => {} });
        await rt.recover();
        try {
          return await fn(rt, world);
        } finally {
          await rt.close();
          await done();
        }
      };
      for (const [scenario, workflow, reps, warmup] of [
        ["seq10 start→done (median)", "seq10", 50, 5],
        ["par50 start→done (median)", "par50", 20, 3],
      ]) {
        await withRuntime(async (rt) => {
          const times = [];
          for (let i = 0; i < warmup + reps; i++) {
            const t0 = performance.now();
            const run = await rt.start(id(workflow), [0]);
            await run.returnValue;
            if (i >= warmup) times.push(performance.now() - t0);
          }
          const st = stats(times);
          row(kind, scenario, st.median, "ms", `p95 ${f(st.p95)} ms`);
        });
      }
      const commits = kind === "postgres" ? await xactCommits(pgUrl) : undefined;
      let steps = 0;
      let batchesBefore = 0;
      let batchesAfter = 0;
      await withRuntime(async (rt, world) => {
        batchesBefore = world.stats?.().batches ?? 0;
        const rates = [];
        for (let b = 0; b < 4; b++) {
          const n = b === 0 ? 20 : 200;
          const ms = await runBatch(rt, n);
          steps += n * 10;
          if (b > 0) rates.push((n * 10) / (ms / 1000));
        }
        batchesAfter = world.stats?.().batches ?? 0;
        row(kind, "200×seq10, 1 app process", stats(rates).median, "steps/s");
      });
      if (commits) {
        const used = (await commits.after()) - commits.before;
        row(
          kind,
          "xact_commit per step (1 process)",
          used / steps,
          "",
          "every transaction of the database, reads included",
        );
        row(
          kind,
          "World write txns per step",
          (batchesAfter - batchesBefore) / steps,
          "",
          "group-committed createRun/append",
        );
        const rates = await twoProcesses(pgUrl);
        row(kind, "200×seq10, 2 app processes", stats(rates).median, "steps/s", "100 runs in each");
      }
    }
  } finally {
    psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
  console.log(
    "\ntargets (issue 12): seq10 <= 15 ms; >= 2,500 steps/s with 2 processes; <= 1 commit per step at throughput",
  );
  if (process.env.BENCH_JSON) console.log(JSON.stringify(rows));
}

/** Reads xact_commit now; `after()` waits until the server's counters settled (backends flush every second or at exit). */
async function xactCommits(url) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const read = async () => {
    const [r] =
      await sql`SELECT xact_commit::int8 AS n FROM pg_stat_database WHERE datname = current_database()`;
    return Number(r.n);
  };
  const before = await read();
  return {
    before,
    async after() {
      // Our own reads are transactions too: count them out.
      let last = await read();
      let mine = 1;
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setTimeout(r, 1_200));
        const now = await read();
        mine += 1;
        if (now - last <= 1) break;
        last = now;
      }
      await sql.end();
      return last - mine;
    },
  };
}

async function twoProcesses(url) {
  const children = [0, 1].map(() =>
    fork(fileURLToPath(import.meta.url), ["--child", url], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  const next = (child, type) =>
    new Promise((resolve, reject) => {
      const on = (m) => {
        if (m.type === type) {
          child.off("message", on);
          resolve(m);
        }
      };
      child.on("message", on);
      child.once("exit", (code) => reject(new Error(`bench child exited (${code})`)));
    });
  await Promise.all(children.map((c) => next(c, "ready")));
  const rates = [];
  for (let b = 0; b < 4; b++) {
    const n = b === 0 ? 10 : 100;
    const t0 = performance.now();
    const done = Promise.all(children.map((c) => next(c, "done")));
    for (const c of children) c.send({ type: "go", n });
    await done;
    const ms = performance.now() - t0;
    if (b > 0) rates.push((2 * n * 10) / (ms / 1000));
  }
  for (const c of children) c.send({ type: "stop" });
  await Promise.all(children.map((c) => new Promise((r) => c.once("exit", r))));
  return rates;
}
