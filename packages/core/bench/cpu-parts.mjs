// `npm run bench:cpu-parts -w @wfkit/core` (after `npm run build`): where the CPU of a
// step goes. Runs 200 concurrent seq10 runs (the throughput scenario) on the embedded
// SQLite world under V8's sampling profiler, and prints µs of CPU per step per part.
// Workflow code runs in this thread (WORKFLOW_SANDBOX=vm) so one profile sees it all:
// a sandbox worker does the same work ("vm:" parts) on its own thread.
//   --worker workflow code in its sandbox worker (the default elsewhere): the profile then
//            sees this thread only; the per-thread CPU line shows the worker's share
//   --no-profile  only the CPU figures (the sampler's own thread costs CPU too)
//   --top=N  also the N functions with the most self time in each part
//   --save=FILE  also writes the profile (.cpuprofile: Chrome DevTools opens it)
//   --http   the same through bench/peer/server.mjs, loaded into this process (the
//            load generator's own fetch() shows up as "client"; it is not the server's).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

if (process.argv.includes("--worker")) process.env.WORKFLOW_SANDBOX = "worker";
process.env.WORKFLOW_SANDBOX ??= "vm";
const here = path.dirname(fileURLToPath(import.meta.url));
const http = process.argv.includes("--http");
const batches = Number(process.env.BENCH_BATCHES ?? 5);
const N = 200;

// A sample is charged to the first part (in this order) that a frame of its stack names:
// the runtime's frames under a request handler count as the runtime, not as HTTP.
const PARTS = [
  [
    "vm: context + bundle evaluation",
    (f) =>
      /^(SandboxInstance|SandboxRealm|createSandboxContext)$/.test(f.fn) && f.file.endsWith("sandbox-vm.js"),
  ],
  [
    "vm: activation (workflow code, engine)",
    (f) => f.fn === "runActivation" || f.file.startsWith("wfkit-workflows-"),
  ],
  ["serialization (host)", (f) => f.file.includes("/serialization/")],
  ["event encoding (rows)", (f) => f.file.includes("/world/dist/rows/")],
  [
    "append path (SQLite, group commit, fsync)",
    (f) => f.file.includes("/world-sqlite/") || f.file.includes("better-sqlite3"),
  ],
  ["runtime host (actors, steps, queue)", (f) => f.file.includes("/core/dist/")],
  ["client (load generator)", (f) => f.file.includes("undici") || f.file.endsWith("cpu-parts.mjs")],
  [
    "HTTP handling (server)",
    (f) =>
      f.file.endsWith("bench/peer/server.mjs") ||
      /^node:(_http|http|net|stream|internal\/(http|streams|stream_base))/.test(f.file),
  ],
  ["GC", (f) => f.fn === "(garbage collector)"],
];

function byPart(profile) {
  const parent = new Map();
  const nodes = new Map();
  for (const n of profile.nodes) {
    nodes.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const rank = new Map(); // node id -> index of the best part in its stack (PARTS.length: none)
  const rankOf = (id) => {
    if (rank.has(id)) return rank.get(id);
    const n = nodes.get(id);
    const frame = { fn: n.callFrame.functionName, file: n.callFrame.url.replace(/^file:\/\//, "") };
    let r = PARTS.findIndex(([, test]) => test(frame));
    if (r < 0) r = PARTS.length;
    const p = parent.get(id);
    if (p !== undefined) r = Math.min(r, rankOf(p));
    rank.set(id, r);
    return r;
  };
  const resolve = (id) => {
    if (nodes.get(id).callFrame.functionName === "(idle)") return null;
    const r = rankOf(id);
    return r < PARTS.length ? PARTS[r][0] : "other (Node internals, timers, microtasks)";
  };
  const us = new Map();
  const fns = new Map(); // part -> (function -> µs), for --top
  profile.samples.forEach((id, i) => {
    const part = resolve(id);
    if (!part) return;
    const dt = profile.timeDeltas[i] ?? 0;
    us.set(part, (us.get(part) ?? 0) + dt);
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const fn = `${functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}:${lineNumber + 1}`;
    if (!fns.has(part)) fns.set(part, new Map());
    fns.get(part).set(fn, (fns.get(part).get(fn) ?? 0) + dt);
  });
  return { us, fns };
}

const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-cpu-parts-"));
let start;
let close;
if (http) {
  const port = Number(process.env.PORT ?? 3449);
  process.env.PORT = String(port);
  process.env.WORKFLOW_DATA_DIR = dataDir;
  await import(pathToFileURL(path.join(here, "../../../bench/peer/server.mjs")).href);
  const base = `http://127.0.0.1:${port}/bench`;
  const post = async (p, body) =>
    (await fetch(`${base}/${p}`, { method: "POST", body: JSON.stringify(body) })).json();
  start = async (n) => {
    const ids = (
      await Promise.all(Array.from({ length: n }, (_, i) => post("start", { workflow: "seq10", args: [i] })))
    ).map((r) => r.runId);
    for (;;) {
      const { runs } = await post("runs", { runIds: ids });
      if (runs.every((r) => r.status === "completed")) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  close = () => process.kill(process.pid, "SIGTERM");
} else {
  const { loadBenchWorkflows } = await import("./bench-workflows.mjs");
  const { Runtime } = await import("@wfkit/core");
  const { sqliteWorld } = await import("@wfkit/world-sqlite");
  const { workflows } = await loadBenchWorkflows("workflows.ts", path.join(dataDir, "steps"));
  const rt = new Runtime({ world: sqliteWorld({ dataDir }), workflows, log: () => {} });
  await rt.recover();
  start = async (n) => {
    const runs = await Promise.all(
      Array.from({ length: n }, (_, i) => rt.start("workflow//workflows//seq10", [i])),
    );
    await Promise.all(runs.map((r) => r.returnValue));
  };
  close = () => rt.close().then(() => rmSync(dataDir, { recursive: true, force: true }));
}

/** Each thread's name (`comm`), from /proc. */
const names = new Map();
/** CPU ticks (1/100 s) of each thread of this process, from /proc (Linux). */
function threadTicks() {
  const ticks = new Map();
  try {
    for (const tid of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks.set(Number(tid), Number(f[11]) + Number(f[12]));
      names.set(Number(tid), readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim());
    }
  } catch {}
  return ticks;
}

await start(20); // warm-up
const profiling = !process.argv.includes("--no-profile");
const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 100 });
if (profiling) await session.post("Profiler.start");
const ticks0 = threadTicks();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let b = 0; b < batches; b++) await start(N);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const ticks1 = threadTicks();
const { profile } = profiling
  ? await session.post("Profiler.stop")
  : { profile: { nodes: [], samples: [], timeDeltas: [] } };
session.disconnect();
const save = process.argv.find((a) => a.startsWith("--save="))?.slice(7);
if (save && profiling) writeFileSync(save, JSON.stringify(profile));

const steps = batches * N * 10;
const { us: parts, fns } = byPart(profile);
const top = Number(process.argv.find((a) => a.startsWith("--top="))?.slice(6) ?? 0);
const sampled = [...parts.values()].reduce((a, b) => a + b, 0);
console.log(
  `cpu-parts ${http ? "HTTP (bench/peer/server.mjs)" : "in process"}, sandbox=${process.env.WORKFLOW_SANDBOX}, ${batches}×${N} seq10: ` +
    `${((steps / ms) * 1000).toFixed(0)} steps/s, process CPU ${((cpu.user + cpu.system) / steps).toFixed(0)} µs/step${profiling ? " (profiler on)" : ""}`,
);
// The busiest threads but this one are the sandbox workers (in worker mode); the rest are
// V8's helpers (concurrent GC, compilers) and libuv's pool (fsync does not run there).
const perThread = [...ticks1].map(([tid, t]) => [tid, (t - (ticks0.get(tid) ?? 0)) * 10_000]);
const main = perThread.find(([tid]) => tid === process.pid)?.[1] ?? 0;
const others = perThread.filter(([tid]) => tid !== process.pid).sort((a, b) => b[1] - a[1]);
// Sandbox workers: as many as the runtime starts (sandbox.workers), the busiest threads but this one.
const workerCount = Number(process.env.WORKFLOW_SANDBOX_WORKERS || (availableParallelism() <= 2 ? 1 : 2));
const worker =
  process.env.WORKFLOW_SANDBOX === "worker"
    ? others.splice(0, workerCount).reduce((a, [, t]) => a + t, 0)
    : 0;
const rest = others.reduce((a, [, t]) => a + t, 0);
if (perThread.length > 0)
  console.log(
    `  per thread (/proc, 10 ms ticks): main ${(main / steps).toFixed(0)} µs/step` +
      (worker ? `, sandbox workers ${(worker / steps).toFixed(0)} µs/step` : "") +
      `, other threads ${(rest / steps).toFixed(0)} µs/step (` +
      others
        .filter(([, t]) => t / steps >= 1)
        .map(([tid, t]) => `${names.get(tid) ?? tid} ${(t / steps).toFixed(0)}`)
        .join(", ") +
      ")",
  );
console.log("  profile of this thread, by part:");
for (const [name, us] of [...parts].sort((a, b) => b[1] - a[1])) {
  console.log(
    `  ${name.padEnd(44)} ${(us / steps).toFixed(1).padStart(7)} µs/step  ${((100 * us) / sampled).toFixed(1).padStart(5)}%`,
  );
  for (const [fn, t] of [...fns.get(name)].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`      ${(t / steps).toFixed(1).padStart(6)} µs/step  ${fn}`);
}
await close();
