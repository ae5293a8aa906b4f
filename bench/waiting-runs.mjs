// Memory and start-up with many runs waiting on webhooks, in one process (issue 16).
//   npm run bench:waiting -- [--runs 100000] [--sample 1000] [--all] [--concurrency 64] [--dir D] [--keep]
// Phase "create" (a child process): starts N `webhookWait` runs on a fresh SQLite data dir,
// checks each has its webhook, prints the time, RSS and store size, then closes.
// Phase "restart" (a fresh child process on the same data dir): prints the time from
// process start to ready (runtime recovered, serving) and RSS, then POSTs to a sample of
// the webhooks (first, last and random ones; all with --all) through the Web handler and
// checks each run completes with the body it was sent.
// Children run with --expose-gc: RSS and heap are read after a full GC of the main thread (the
// output says so); the sandbox worker thread collects on its own, so RSS counts its garbage too.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({
  options: {
    runs: { type: "string", default: "100000" },
    sample: { type: "string", default: "1000" },
    all: { type: "boolean", default: false },
    concurrency: { type: "string", default: "64" },
    dir: { type: "string" },
    keep: { type: "boolean", default: false },
    phase: { type: "string" },
  },
});

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (x) => `${Math.round(x)} ms`;

/** RSS and JS heap, after a full GC when the process may run one. */
function memory() {
  const gc = typeof globalThis.gc === "function";
  if (gc) {
    globalThis.gc();
    globalThis.gc();
  }
  const m = process.memoryUsage();
  return `rss ${mb(m.rss)}, heapUsed ${mb(m.heapUsed)}, external ${mb(m.external)} (${gc ? "after a full GC of the main thread" : "no GC exposed"})`;
}

function storeSize(dir) {
  let total = 0;
  const parts = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith("world.sqlite")) continue;
    const size = statSync(path.join(dir, name)).size;
    total += size;
    parts.push(`${name} ${mb(size)}`);
  }
  return `${mb(total)} (${parts.join(", ")})`;
}

async function openApp(dataDir) {
  const { createAppRuntime } = await import("@wfkit/builder");
  const { sqliteWorld } = await import("@wfkit/world-sqlite");
  const app = await createAppRuntime({
    root: path.join(here, "../packages/core/bench"),
    files: ["workflows.ts"],
    world: sqliteWorld({ dataDir }),
    runtime: { webhookBaseUrl: "http://127.0.0.1:3410", log: () => {} },
  });
  const id = app.manifest().workflows.find((w) => w.exportName === "webhookWait").id;
  return { app, id };
}

/** Runs `task(i)` for i in [0, n) with at most `limit` in flight. */
async function pool(n, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

async function createPhase() {
  const n = Number(opts.runs);
  const dataDir = opts.dir;
  const { app, id } = await openApp(dataDir);
  const { runtime } = app;
  console.log(`idle:                 ${memory()}`);
  const runIds = new Array(n);
  const t0 = performance.now();
  let lastReport = t0;
  await pool(n, Number(opts.concurrency), async (i) => {
    runIds[i] = (await runtime.start(id, [])).runId;
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      console.log(`  ... ${i} started, ${memory()}`);
    }
  });
  const created = performance.now() - t0;
  // start() resolves once the first turn (with the webhook) is committed: check each has it.
  const tokens = new Array(n).fill(null);
  const lacking = new Map();
  for (let i = 0; i < n; i++) {
    const hooks = await runtime.world.listHooks({ runId: runIds[i] });
    if (hooks.length === 1 && hooks[0].kind === "webhook") tokens[i] = hooks[0].token;
    else {
      // Failed at start (a sandbox worker out of memory, say): counted by status and error.
      const run = await runtime.world.getRun(runIds[i]);
      const why = `${run?.status}${run?.error ? ` ${JSON.stringify(run.error).match(/WF_[A-Z_]+/)?.[0]}` : ""}`;
      lacking.set(why, (lacking.get(why) ?? 0) + 1);
    }
  }
  const missing = [...lacking.values()].reduce((a, b) => a + b, 0);
  console.log(
    `created ${n} runs:    ${ms(created)} (${Math.round(n / (created / 1000))} runs/s, ${opts.concurrency} in flight), ${missing === 0 ? "each with its webhook" : `${missing} WITHOUT their webhook: ${JSON.stringify(Object.fromEntries(lacking))}`}`,
  );
  if (missing > 0) process.exitCode = 1;
  console.log(`${n} waiting:       ${memory()}`);
  await app.close();
  console.log(`store:                ${storeSize(dataDir)}`);
  writeFileSync(path.join(dataDir, "bench-runs.json"), JSON.stringify({ runIds, tokens }));
}

async function restartPhase() {
  const dataDir = opts.dir;
  const { app } = await openApp(dataDir);
  // performance.now() counts from this process's start (its time origin).
  const ready = performance.now();
  process.send?.({ ready });
  console.log(`ready after start:    ${ms(ready)} (process start → runtime recovered)`);
  console.log(`after ready:          ${memory()}`);
  const { runIds, tokens } = JSON.parse(readFileSync(path.join(dataDir, "bench-runs.json"), "utf8"));
  // Runs that failed at start (the create phase counted them) have no webhook to call.
  const waiting = runIds.map((_, i) => i).filter((i) => tokens[i] !== null);
  const n = waiting.length;
  let picks;
  if (opts.all) picks = waiting;
  else {
    const chosen = new Set([0, n - 1]);
    const want = Math.min(n, Number(opts.sample) + 2);
    while (chosen.size < want) chosen.add(Math.floor(Math.random() * n));
    picks = [...chosen].map((k) => waiting[k]);
  }
  const t0 = performance.now();
  let failed = 0;
  await pool(picks.length, Number(opts.concurrency), async (k) => {
    const i = picks[k];
    const body = `hello ${i}`;
    const response = await app.handler(
      new Request(`http://127.0.0.1:3410/.well-known/workflow/v1/webhook/${tokens[i]}`, {
        method: "POST",
        body,
      }),
    );
    if (response.status >= 300) {
      failed++;
      console.log(`  run ${runIds[i]}: webhook answered ${response.status}: ${await response.text()}`);
      return;
    }
    const run = await app.runtime.getRun(runIds[i]).returnValue;
    if (run?.body !== body || run.method !== "POST") {
      failed++;
      console.log(`  run ${runIds[i]}: returned ${JSON.stringify(run)}`);
    }
  });
  const took = performance.now() - t0;
  console.log(
    `webhooks:             ${picks.length - failed}/${picks.length} runs completed with their body (${opts.all ? "all" : "first, last and random"}), ${ms(took)}, ${Math.round(picks.length / (took / 1000))} runs/s`,
  );
  console.log(`after the webhooks:   ${memory()}`);
  await app.close();
  if (failed > 0) process.exitCode = 1;
}

/** Runs this script as a child in `phase`; resolves with its exit and the time to its "ready" message. */
function child(phase, dataDir) {
  const args = [
    "--expose-gc",
    fileURLToPath(import.meta.url),
    "--phase",
    phase,
    "--dir",
    dataDir,
    "--runs",
    opts.runs,
    "--sample",
    opts.sample,
    "--concurrency",
    opts.concurrency,
    ...(opts.all ? ["--all"] : []),
  ];
  const spawned = performance.now();
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let readyMs;
  proc.on("message", (m) => {
    if (m?.ready !== undefined) readyMs = performance.now() - spawned;
  });
  return new Promise((resolve, reject) => {
    proc.on("exit", (code) => {
      if (code === 0) resolve({ readyMs });
      else if (code === 1) {
        // Runs lacked their webhook or did not complete: printed above; the bench goes on.
        process.exitCode = 1;
        resolve({ readyMs });
      } else reject(new Error(`the ${phase} phase exited with ${code}`));
    });
  });
}

if (opts.phase === "create") await createPhase();
else if (opts.phase === "restart") await restartPhase();
else {
  const dataDir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), "wfkit-waiting-"));
  console.log(`wfkit waiting-runs bench: ${opts.runs} webhookWait runs, data dir ${dataDir}`);
  console.log(`node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}`);
  console.log("— create (one process) —");
  await child("create", dataDir);
  console.log("— restart (a fresh process on the same data dir) —");
  const { readyMs } = await child("restart", dataDir);
  if (readyMs !== undefined) console.log(`ready (seen by parent): ${ms(readyMs)} from spawn`);
  if (!opts.keep && !opts.dir) rmSync(dataDir, { recursive: true, force: true });
}
