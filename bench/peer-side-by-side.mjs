// `npm run bench:peer` (builds first): the shared peer-bench driver
// (../shared/peer-bench/driver.mjs, over HTTP, a fresh server and data folder per
// scenario) against wfkit's bench server (bench/peer/server.mjs, embedded SQLite
// World) and, in the same run and interleaved scenario by scenario, the peer's app
// (`workflow` 4.8.9 on world-local, built by ../shared/peer-bench/setup-peer.sh)
// when one is found (--peer-app DIR, else $PEER_BENCH/app).
//
// Options: --scenarios noop,seq10,...  --reps <driver syntax, ours>  --peer-reps <driver syntax>
//   --rounds N (A, B, A, B...: each scenario N times per implementation; default 1)
//   --peer-app DIR  --driver FILE  --out-dir DIR
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { driveScenario, fmt, noiseOf } from "./lib/driver.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ALL = ["noop", "seq10", "par50", "hook", "webhook", "manual", "sleep", "throughput"];

function parseArgs(argv) {
  const o = {
    scenarios: ALL,
    reps: "noop=30,seq10=30,par50=10,hook=30,webhook=30,manual=30,sleep=5,throughput=3",
    // The peer takes ~0.3 s per seq10 and ~40 s per 200-run throughput batch.
    peerReps: "noop=15,seq10=15,par50=5,hook=15,webhook=15,manual=15,sleep=5,throughput=1",
    rounds: 1,
    peerApp: path.join(process.env.PEER_BENCH ?? path.resolve(repo, "../peer-bench"), "app"),
    driver: process.env.PEER_BENCH_DRIVER ?? path.resolve(repo, "../shared/peer-bench/driver.mjs"),
    outDir: path.join(
      repo,
      ".workflow-data/peer-side-by-side",
      new Date().toISOString().replace(/[:.]/g, "-"),
    ),
  };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    const flag = argv[i];
    if (flag === "--scenarios") o.scenarios = value().split(",");
    else if (flag === "--reps") o.reps = value();
    else if (flag === "--peer-reps") o.peerReps = value();
    else if (flag === "--rounds") o.rounds = Number(value());
    else if (flag === "--peer-app") o.peerApp = path.resolve(value());
    else if (flag === "--driver") o.driver = path.resolve(value());
    else if (flag === "--out-dir") o.outDir = path.resolve(value());
    else throw new Error(`unknown argument ${flag}`);
  }
  for (const s of o.scenarios)
    if (!ALL.includes(s)) throw new Error(`unknown scenario ${s} (${ALL.join(", ")})`);
  return o;
}

const o = parseArgs(process.argv.slice(2));
if (!existsSync(o.driver)) throw new Error(`no peer-bench driver at ${o.driver} (--driver FILE)`);
mkdirSync(o.outDir, { recursive: true });
const peerBuilt = existsSync(path.join(o.peerApp, ".output/server/index.mjs"));

const targets = [
  {
    key: "wfkit",
    cmd: "node bench/peer/server.mjs",
    cwd: repo,
    env: ["WORKFLOW_DATA_DIR={dataDir}/wf"],
    reps: o.reps,
    warmup: 2,
  },
];
if (peerBuilt)
  targets.push({
    key: "peer",
    cmd: "node .output/server/index.mjs",
    cwd: o.peerApp,
    env: ["WORKFLOW_LOCAL_DATA_DIR={dataDir}/wl"],
    reps: o.peerReps,
    warmup: 1,
  });

/** The headline figure of each scenario, as the issue's table names it. */
const HEADLINE = {
  noop: ["e2eMs", "start→done ms"],
  seq10: ["e2eMs", "start→done ms"],
  par50: ["e2eMs", "start→done ms"],
  hook: ["resumeToCompleteMs", "resumeHook→done ms"],
  webhook: ["postToCompleteMs", "POST→done ms"],
  manual: ["postToResponseMs", "POST→response ms"],
  sleep: ["e2eOverheadMs", "sleep overshoot ms"],
};

function figures(scenario, r) {
  if (r.fatal) return { text: `error: ${String(r.fatal).split("\n")[0].slice(0, 70)}` };
  const noise = noiseOf(r);
  if (scenario === "throughput") {
    const steps = r.summary?.stepsPerSec?.median;
    const ok = `${r.batches.reduce((a, b) => a + b.completed, 0)}/${r.batches.reduce((a, b) => a + b.n, 0)} ok`;
    // The driver's CPU is the server's process tree over the batch; a seq10 run has 10 steps.
    const usPerStep = noise.cpuMsPerRun === undefined ? undefined : (noise.cpuMsPerRun * 1000) / 10;
    // Each batch's own figure too: the first batches pay the JIT's warm-up (docs/performance.md).
    const byBatch = r.batches.map((b) => {
      const ms = b.resources?.serverCpuMsPerRun;
      return ms === undefined ? "?" : fmt((ms * 1000) / 10);
    });
    return {
      value: steps,
      text: `${fmt(steps)} steps/s (${r.batches.map((b) => fmt(b.stepsPerSec)).join(", ")}; ${ok}); ${fmt(usPerStep)} µs CPU/step (${byBatch.join(", ")})`,
      noise,
    };
  }
  const [metric, unit] = HEADLINE[scenario];
  const m = r.metrics?.[metric];
  const extra = [];
  if (scenario === "webhook") extra.push(`POST RTT ${fmt(r.metrics?.postRttMs?.median)} ms`);
  if (scenario === "noop" || scenario === "seq10")
    extra.push(`start RTT ${fmt(r.metrics?.startRttMs?.median)} ms`);
  return {
    value: m?.median,
    text: `${fmt(m?.median)} ${unit} (p95 ${fmt(m?.p95)}; ${r.okRuns}/${r.reps} ok${extra.length ? `; ${extra.join("; ")}` : ""})`,
    noise,
  };
}

const rows = [];
console.error(`peer side by side: raw driver output in ${o.outDir}`);
if (!peerBuilt)
  console.error(
    `peer: no built app at ${o.peerApp} (../shared/peer-bench/setup-peer.sh; --peer-app DIR); left out`,
  );
for (const scenario of o.scenarios) {
  for (let round = 1; round <= o.rounds; round++) {
    for (const t of targets) {
      const name = `${scenario}-${t.key}-${round}`;
      const load = os.loadavg()[0];
      console.error(`== ${scenario} on ${t.key}, round ${round} (load ${load.toFixed(2)})`);
      try {
        const r = await driveScenario({
          driver: o.driver,
          scenario,
          cmd: t.cmd,
          cwd: t.cwd,
          dataRoot: path.join(o.outDir, name),
          out: path.join(o.outDir, `${name}.json`),
          reps: t.reps,
          warmup: t.warmup,
          label: `${t.key} ${scenario}`,
          env: t.env,
        });
        rows.push({ scenario, target: t.key, round, load, disk: r.disk, ...figures(scenario, r) });
      } catch (error) {
        rows.push({ scenario, target: t.key, round, load, text: `error: ${error?.message ?? error}` });
      }
    }
  }
}

const version = (pkg) => {
  try {
    return JSON.parse(readFileSync(path.join(o.peerApp, "node_modules", pkg, "package.json"), "utf8"))
      .version;
  } catch {
    return "?";
  }
};
console.log(
  `\nwfkit vs the peer over HTTP — ${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} cores; ` +
    (peerBuilt
      ? `peer: workflow ${version("workflow")} on world-local`
      : "peer: not measured (no built app)"),
);
console.log(
  "latency: medians, from the client's send to the server-recorded completedAt; a fresh server and data folder per scenario",
);
console.log(
  "noise: load = 1-min load before; other = cores used by other processes (driver included); psi = % of time a task waited for CPU; steal = hypervisor steal\n",
);
for (const row of rows) {
  const n = row.noise;
  const noise = n
    ? `cpu ${fmt(n.cpuMsPerRun)} ms/run; load ${fmt(row.load)}, other ${fmt(n.other)}, psi ${fmt(n.psi)}%, steal ${fmt(n.steal)}`
    : `load ${fmt(row.load)}`;
  const disk = row.disk?.bytesPerRun ? `; disk ${fmt(row.disk.bytesPerRun / 1024)} KB/run` : "";
  console.log(
    `${row.scenario.padEnd(11)} ${`${row.target}${o.rounds > 1 ? ` #${row.round}` : ""}`.padEnd(9)} ${row.text}${disk}; ${noise}`,
  );
}
if (peerBuilt) {
  console.log("\nratios (peer / wfkit, medians over rounds; throughput wfkit / peer)");
  for (const scenario of o.scenarios) {
    const med = (key) => {
      const v = rows
        .filter((r) => r.scenario === scenario && r.target === key && Number.isFinite(r.value))
        .map((r) => r.value)
        .sort((a, b) => a - b);
      return v.length ? v[Math.ceil(v.length / 2) - 1] : undefined;
    };
    const ours = med("wfkit");
    const peer = med("peer");
    if (ours === undefined || peer === undefined || scenario === "sleep") continue;
    const ratio = scenario === "throughput" ? ours / peer : peer / Math.max(ours, 1);
    console.log(`${scenario.padEnd(11)} ${fmt(ratio)}x  (wfkit ${fmt(ours)}, peer ${fmt(peer)})`);
  }
}
console.log(
  "\ntargets (issue 16): seq10 <= 5 ms; noop <= 3 ms; resumeHook→done and webhook POST→done <= 2 ms; manual <= 3 ms; >= 5,000 steps/s at <= 150 µs CPU per step",
);
