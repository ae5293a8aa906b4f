// `npm run bench:postgres` (after `npm run build`): the shared peer-bench driver
// (../shared/peer-bench/driver.mjs, over HTTP) against, in one run and interleaved
// scenario by scenario:
//   - wfkit's bench server (bench/peer/server.mjs) on the embedded SQLite World;
//   - the same server on the PostgreSQL World, 1 app process;
//   - the same server as 2 app processes on one port (bench/peer/cluster.mjs), throughput only;
//   - the peer's app (`workflow` 4.8.9 + `@workflow/world-postgres`) on its PostgreSQL World,
//     when a built peer app is found (--peer-app, else $PEER_BENCH/app).
// Each PostgreSQL measurement gets a fresh database (created here, dropped after),
// and prints commits per step: the database's `pg_stat_database.xact_commit` over
// the whole driver run (schema set-up, start-up, warm-up, measured runs) divided
// by the steps the workflows ran. It counts every transaction, reads included,
// so the driver's status polls (`GET /bench/run` every 10 ms per run in the
// latency scenarios, `POST /bench/runs` every 200 ms in throughput) are in it.
//
// The peer app is not built from this repository: build it with
// ../shared/peer-bench/setup-peer.sh, add `@workflow/world-postgres` to it and a
// Nitro plugin that calls `getWorld().start()` (the peer's docs, "Postgres World");
// this script runs its schema set-up (`bin/setup.js`) on each fresh database.
//
// Options: --scenarios seq10,par50,throughput  --reps <driver syntax, ours>
//   --peer-reps <driver syntax>  --peer-app DIR  --driver FILE  --out-dir DIR
//   --admin-url URL (or WFKIT_BENCH_POSTGRES_URL; default postgres://postgres@127.0.0.1:5432/postgres,
//   must allow CREATE DATABASE).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { driveScenario, fmt as f, noiseOf } from "./lib/driver.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function parseArgs(argv) {
  const o = {
    scenarios: ["seq10", "par50", "throughput"],
    reps: "seq10=30,par50=10,throughput=3",
    peerReps: "seq10=10,par50=3,throughput=1",
    peerApp: process.env.PEER_BENCH ? path.join(process.env.PEER_BENCH, "app") : undefined,
    driver: process.env.PEER_BENCH_DRIVER ?? path.resolve(repo, "../shared/peer-bench/driver.mjs"),
    outDir: path.join(
      repo,
      ".workflow-data/postgres-side-by-side",
      new Date().toISOString().replace(/[:.]/g, "-"),
    ),
    adminUrl: process.env.WFKIT_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    switch (argv[i]) {
      case "--scenarios":
        o.scenarios = value().split(",");
        break;
      case "--reps":
        o.reps = value();
        break;
      case "--peer-reps":
        o.peerReps = value();
        break;
      case "--peer-app":
        o.peerApp = path.resolve(value());
        break;
      case "--driver":
        o.driver = path.resolve(value());
        break;
      case "--out-dir":
        o.outDir = path.resolve(value());
        break;
      case "--admin-url":
        o.adminUrl = value();
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  for (const s of o.scenarios)
    if (!["noop", "seq10", "par50", "throughput"].includes(s))
      throw new Error(`scenario ${s}: this script runs noop, seq10, par50 and throughput`);
  return o;
}

const o = parseArgs(process.argv.slice(2));
if (!existsSync(o.driver)) throw new Error(`no peer-bench driver at ${o.driver} (--driver FILE)`);
mkdirSync(o.outDir, { recursive: true });

// --- PostgreSQL helpers (psql on the admin database: our reads never count in the measured one)
const psql = (sql) =>
  execFileSync("psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", o.adminUrl, "-c", sql])
    .toString()
    .trim();
const dbUrl = (name) => {
  const url = new URL(o.adminUrl);
  url.pathname = `/${name}`;
  return url.href;
};
const xactCommit = (name) =>
  Number(psql(`SELECT xact_commit FROM pg_stat_database WHERE datname = '${name}'`));
/** A backend flushes its counters when it exits: wait until the server's connections are gone. */
async function settled(name) {
  for (let i = 0; i < 100; i++) {
    if (Number(psql(`SELECT count(*) FROM pg_stat_activity WHERE datname = '${name}'`)) === 0) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

const peerApp =
  o.peerApp && existsSync(path.join(o.peerApp, ".output/server/index.mjs")) ? o.peerApp : undefined;
const peerSetup = peerApp && path.join(peerApp, "node_modules/@workflow/world-postgres/bin/setup.js");
const peerVersion = (pkg) => {
  try {
    return JSON.parse(readFileSync(path.join(peerApp, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
};

const targets = [
  {
    key: "sqlite",
    label: "wfkit SQLite",
    cmd: "node bench/peer/server.mjs",
    cwd: repo,
    env: ["WORKFLOW_DATA_DIR={dataDir}/wf"],
  },
  { key: "pg1", label: "wfkit PG 1 proc", cmd: "node bench/peer/server.mjs", cwd: repo, postgres: true },
  {
    key: "pg2",
    label: "wfkit PG 2 procs",
    cmd: "node bench/peer/cluster.mjs 2",
    cwd: repo,
    postgres: true,
    only: ["throughput"],
  },
];
if (peerApp && existsSync(peerSetup)) {
  targets.push({
    key: "peer",
    label: "peer PG",
    cmd: "node .output/server/index.mjs",
    cwd: peerApp,
    env: ["WORKFLOW_TARGET_WORLD=@workflow/world-postgres"],
    postgres: true,
    setup: (url) =>
      execFileSync(process.execPath, [peerSetup], {
        cwd: peerApp,
        env: { ...process.env, WORKFLOW_POSTGRES_URL: url },
        stdio: ["ignore", "ignore", "inherit"],
      }),
    reps: o.peerReps,
    warmup: 1,
  });
}

const STEPS = { noop: 1, seq10: 10, par50: 50, throughput: 10 };
/** Steps the workflows ran in one driver run (warm-up included), from its summary. */
function stepsRan(scenario, result, warmup) {
  if (scenario === "throughput") {
    const warm = warmup > 0 ? Math.min(20, result.batches?.[0]?.n ?? 200) : 0;
    return (warm + (result.batches ?? []).reduce((a, b) => a + b.completed, 0)) * STEPS.throughput;
  }
  return (warmup + (result.okRuns ?? 0)) * STEPS[scenario];
}

const results = [];
console.error(`postgres side-by-side: raw driver output in ${o.outDir}`);
if (!peerApp) console.error(`peer: no built peer app (--peer-app DIR or PEER_BENCH); its column is left out`);
for (const scenario of o.scenarios) {
  for (const t of targets) {
    if (t.only && !t.only.includes(scenario)) continue;
    const warmup = t.warmup ?? 2;
    const out = path.join(o.outDir, `${scenario}-${t.key}.json`);
    const env = [...(t.env ?? [])];
    const db = t.postgres ? `wfbench_${t.key}_${scenario}_${process.pid}` : undefined;
    let before = 0;
    if (db) {
      psql(`CREATE DATABASE ${db}`);
      before = xactCommit(db);
      env.push(`WORKFLOW_POSTGRES_URL=${dbUrl(db)}`);
    }
    const load = os.loadavg()[0];
    console.error(`== ${scenario} on ${t.label} (load ${load.toFixed(2)})`);
    try {
      if (db && t.setup) t.setup(dbUrl(db));
      const r = await driveScenario({
        driver: o.driver,
        scenario,
        cmd: t.cmd,
        cwd: t.cwd,
        dataRoot: path.join(o.outDir, `${scenario}-${t.key}`),
        out,
        reps: t.reps ?? o.reps,
        warmup,
        label: `${t.label} ${scenario}`,
        env,
      });
      const row = { scenario, target: t.key, label: t.label, load, result: r };
      if (r.fatal) row.error = r.fatal.split("\n")[0];
      if (db && !r.fatal) {
        const clean = await settled(db);
        row.commits = xactCommit(db) - before;
        row.steps = stepsRan(scenario, r, warmup);
        row.commitsPerStep = row.commits / row.steps;
        if (!clean) row.note = "connections still open when counted";
      }
      results.push(row);
    } catch (error) {
      results.push({ scenario, target: t.key, label: t.label, load, error: String(error?.message ?? error) });
    } finally {
      if (db) psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    }
  }
}

// --- the table
function cells(row) {
  if (row.error) return { value: `error: ${row.error.slice(0, 60)}` };
  const r = row.result;
  const noise = noiseOf(r);
  const value =
    row.scenario === "throughput"
      ? `${f(r.summary?.stepsPerSec?.median)} steps/s (${r.batches.map((b) => f(b.stepsPerSec)).join(", ")}; ${r.batches.reduce((a, b) => a + b.completed, 0)}/${r.batches.reduce((a, b) => a + b.n, 0)} ok)`
      : `${f(r.metrics?.e2eMs?.median)} ms (p95 ${f(r.metrics?.e2eMs?.p95)}; ${r.okRuns}/${r.reps} ok)`;
  return { value, ...noise };
}
const line = (cols) => cols.map((c, i) => String(c).padEnd(i === 0 ? 12 : i === 1 ? 18 : 14)).join(" ");
console.log(
  `\nPostgreSQL side by side — ${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} cores; ` +
    `PostgreSQL ${psql("SHOW server_version")} at ${new URL(o.adminUrl).host}` +
    (peerApp
      ? `; peer: workflow ${peerVersion("workflow")}, @workflow/world-postgres ${peerVersion("@workflow/world-postgres")}`
      : "; peer: not measured (no built peer app)"),
);
console.log(
  "latency: median start→done (server completedAt); throughput: 200 concurrent seq10, median over batches",
);
console.log(
  "commits/step: xact_commit of the run's fresh database over the whole driver run / steps run (reads and polls included)",
);
console.log(
  "noise: load = 1-min load before the run; other = CPU cores used by other processes (driver included); psi = % of time a task waited for CPU\n",
);
console.log(line(["scenario", "implementation", "figure", "", "", "", "", ""]).trimEnd());
for (const row of results) {
  const c = cells(row);
  const commits = row.commitsPerStep === undefined ? "" : `${f(row.commitsPerStep)} commits/step`;
  const noise = row.error
    ? `load ${f(row.load)}`
    : `cpu ${f(c.cpuMsPerRun)} ms/run; load ${f(row.load)}, other ${f(c.other)}, psi ${f(c.psi)}%`;
  console.log(`${line([row.scenario, row.label])}${c.value}${commits ? `; ${commits}` : ""}; ${noise}`);
  if (row.note) console.log(`${" ".repeat(32)}(${row.note})`);
}
console.log(
  "\ntargets (issue 12): seq10 <= 15 ms; >= 2,500 steps/s with 2 processes; <= 1 commit per step at throughput",
);
if (process.env.BENCH_JSON)
  console.log(
    JSON.stringify(results.map(({ result, ...row }) => ({ ...row, ...cells({ ...row, result }) }))),
  );
