// `npm run bench -w @wfkit/core`: the runtime's figures, in one process on the
// embedded SQLite world (synchronous=FULL), against the built packages.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Runtime } from "@wfkit/core";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { loadBenchWorkflows } from "./bench-workflows.mjs";

const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);

const { workflows, id } = await loadBenchWorkflows();

async function withRuntime(fn) {
  const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-bench-"));
  const runtime = new Runtime({ world: sqliteWorld({ dataDir }), workflows, log: () => {} });
  await runtime.recover();
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { n: s.length, median: at(0.5), p95: at(0.95), min: s[0], max: s.at(-1) };
}
const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const results = {};
function report(name, st, unit = "ms", extra = "") {
  results[name] = st;
  console.log(
    `${name.padEnd(28)} median ${f(st.median).padStart(8)} ${unit}  p95 ${f(st.p95).padStart(8)} ${unit}  (n=${st.n})${extra}`,
  );
}

async function latency(name, workflow, args, reps, warmup = 5) {
  await withRuntime(async (rt) => {
    const times = [];
    for (let i = 0; i < warmup + reps; i++) {
      const t0 = performance.now();
      const run = await rt.start(id(workflow), args);
      await run.returnValue;
      if (i >= warmup) times.push(performance.now() - t0);
    }
    report(name, stats(times));
  });
}

console.log(
  `wfkit runtime bench — node ${process.version}, ${path.basename(process.execPath)}, SQLite synchronous=FULL`,
);
if (want("noop")) await latency("noop start→done", "noop", [], 50);
if (want("seq10")) await latency("seq10 start→done", "seq10", [0], 50);
// The same after the code is compiled: a sandbox worker is an isolate of its own whose JIT
// warms up over its first few hundred runs (docs/performance.md), so the line above is the
// cold path of a new process and this one its steady state.
if (want("seq10-warm")) await latency("seq10 warm (after 800)", "seq10", [0], 200, 800);
if (want("par50")) await latency("par50 start→done", "par50", [0], 20, 3);

if (want("seq1000")) {
  await withRuntime(async (rt) => {
    const marks = globalThis.__benchMarks;
    const ratios = [];
    const early = [];
    const late = [];
    for (let rep = 0; rep < 3; rep++) {
      marks.length = 0;
      const run = await rt.start(id("seqMarked"), [1000]);
      await run.returnValue;
      const deltas = marks.slice(1).map((m, i) => m - marks[i]);
      const e = stats(deltas.slice(1, 20)).median;
      const l = stats(deltas.slice(979, 999)).median;
      early.push(e);
      late.push(l);
      ratios.push(l / e);
    }
    report("seq1000 step-10 cost", stats(early));
    report("seq1000 step-1000 cost", stats(late));
    report("seq1000 ratio 1000/10", stats(ratios), "x ");
  });
}

if (want("sleep")) {
  await withRuntime(async (rt) => {
    const over = [];
    for (let i = 0; i < 6; i++) {
      const run = await rt.start(id("sleep1s"), [1000]);
      const { sleptMs } = await run.returnValue;
      if (i > 0) over.push(sleptMs - 1000);
    }
    report("sleep(1s) overshoot", stats(over));
  });
}

async function hookReady(rt, runId) {
  for (;;) {
    const [hook] = await rt.world.listHooks({ runId });
    if (hook) return hook;
    await new Promise((r) => setImmediate(r));
  }
}

if (want("hooks")) {
  await withRuntime(async (rt) => {
    const resume = [];
    const post202 = [];
    const postDone = [];
    const manual = [];
    for (let i = 0; i < 35; i++) {
      const warm = i >= 5;
      // resumeHook → run completion
      let run = await rt.start(id("hookWait"), [`bench:${i}`]);
      await hookReady(rt, run.runId);
      let t0 = performance.now();
      await rt.resumeHook(`bench:${i}`, { value: i });
      await run.returnValue;
      if (warm) resume.push(performance.now() - t0);
      // webhook POST → 202, and → run completion
      run = await rt.start(id("webhookWait"));
      let hook = await hookReady(rt, run.runId);
      const url = `${rt.webhookBaseUrl}/.well-known/workflow/v1/webhook/${hook.token}`;
      t0 = performance.now();
      const res = await rt.handleWebhook(new Request(url, { method: "POST", body: "ping" }));
      const t202 = performance.now() - t0;
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
      await run.returnValue;
      if (warm) {
        post202.push(t202);
        postDone.push(performance.now() - t0);
      }
      // manual respondWith (from a step) → response
      run = await rt.start(id("webhookManual"));
      hook = await hookReady(rt, run.runId);
      t0 = performance.now();
      const answer = await rt.handleWebhook(
        new Request(`${rt.webhookBaseUrl}/.well-known/workflow/v1/webhook/${hook.token}`, {
          method: "POST",
          body: "hi",
        }),
      );
      const tManual = performance.now() - t0;
      const echoed = await answer.json();
      if (echoed.echoed !== "hi") throw new Error(`manual response was ${JSON.stringify(echoed)}`);
      await run.returnValue;
      if (warm) manual.push(tManual);
    }
    report("resumeHook→done", stats(resume));
    report("webhook POST→202", stats(post202));
    report("webhook POST→done", stats(postDone));
    report("manual POST→response", stats(manual));
  });
}

if (want("throughput")) {
  await withRuntime(async (rt) => {
    const N = 200;
    const batches = [];
    for (let b = 0; b < 6; b++) {
      const n = b === 0 ? 20 : N;
      const cpu0 = process.cpuUsage();
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 25);
      const t0 = performance.now();
      const runs = await Promise.all(Array.from({ length: n }, (_, i) => rt.start(id("seq10"), [i])));
      await Promise.all(runs.map((r) => r.returnValue));
      const ms = performance.now() - t0;
      clearInterval(sampler);
      const cpu = process.cpuUsage(cpu0);
      if (b === 0) continue; // warm-up batch
      batches.push({
        ms,
        stepsPerSec: (n * 10) / (ms / 1000),
        cpuMsPerRun: (cpu.user + cpu.system) / 1000 / n,
        peakRssMB: peak / 2 ** 20,
      });
    }
    report("throughput 200×seq10 steps/s", stats(batches.map((b) => b.stepsPerSec)), "st/s");
    report("throughput batch time", stats(batches.map((b) => b.ms)));
    report("throughput CPU per run", stats(batches.map((b) => b.cpuMsPerRun)));
    report("throughput peak RSS", stats(batches.map((b) => b.peakRssMB)), "MB");
  });
}

console.log("(hook figures call the Web-standard webhook handler in process, without an HTTP server)");
console.log(
  "\ntargets: seq10 <= 8 ms, par50 <= 40 ms, step-1000 <= 1.2x step-10, sleep overshoot <= 3 ms, >= 4000 steps/s; resumeHook→done <= 2 ms, POST→202 <= 1.5 ms, POST→done <= 4 ms, manual <= 4 ms",
);
if (process.env.BENCH_JSON) console.log(JSON.stringify(results));
