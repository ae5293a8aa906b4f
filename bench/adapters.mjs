// `npm run bench:adapters` (builds first): the HTTP path through each way users
// serve wfkit, with the same workflows (packages/core/bench/workflows.ts):
//   - server: the bench server (bench/peer/server.mjs, plain node:http over the builder's handler);
//   - next:   bench/apps/next under `next build` + `next start`;
//   - vite:   bench/apps/vite under `vite build` + `node server.mjs`;
//   - vite-dev: the same app under the Vite dev server;
//   - wf-dev: `wf dev` over the same workflows file, driven through its /api routes.
// The first four serve the peer-bench route contract (bench/peer/routes.mjs) and are
// measured by the shared driver (../shared/peer-bench/driver.mjs); `wf dev` has its
// own API, so this script drives it the same way: the client's send time to the
// run's completedAt as the server recorded it (read from the inspect route).
//
// Options: --targets server,next,vite,vite-dev,wf-dev  --scenarios noop,seq10,hook,webhook,manual
//   --reps N (default 30)  --rounds N (targets A, B, C, A, B, C...; default 1)  --out-dir DIR
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { driveScenario, fmt, freePort, noiseOf } from "./lib/driver.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const apps = path.join(repo, "bench/apps");
const bin = (p) => path.join(repo, "node_modules", p);
const TARGETS = ["server", "next", "vite", "vite-dev", "wf-dev"];
const SCENARIOS = ["noop", "seq10", "hook", "webhook", "manual"];

const o = {
  targets: TARGETS,
  scenarios: SCENARIOS,
  reps: 30,
  rounds: 1,
  driver: process.env.PEER_BENCH_DRIVER ?? path.resolve(repo, "../shared/peer-bench/driver.mjs"),
  outDir: path.join(repo, ".workflow-data/adapters", new Date().toISOString().replace(/[:.]/g, "-")),
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const value = () =>
    argv[++i] ??
    (() => {
      throw new Error(`${argv[i - 1]} needs a value`);
    })();
  const flag = argv[i];
  if (flag === "--targets") o.targets = value().split(",");
  else if (flag === "--scenarios") o.scenarios = value().split(",");
  else if (flag === "--reps") o.reps = Number(value());
  else if (flag === "--rounds") o.rounds = Number(value());
  else if (flag === "--out-dir") o.outDir = path.resolve(value());
  else throw new Error(`unknown argument ${flag}`);
}
for (const t of o.targets)
  if (!TARGETS.includes(t)) throw new Error(`unknown target ${t} (${TARGETS.join(", ")})`);
for (const s of o.scenarios)
  if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s} (${SCENARIOS.join(", ")})`);
mkdirSync(o.outDir, { recursive: true });

// --- the apps: the workflows and the route contract are copied in, then built once.
function prepare(dir) {
  mkdirSync(path.join(dir, "workflows"), { recursive: true });
  copyFileSync(path.join(repo, "packages/core/bench/workflows.ts"), path.join(dir, "workflows/bench.ts"));
  if (dir.endsWith("wf-dev")) return;
  mkdirSync(path.join(dir, "lib"), { recursive: true });
  copyFileSync(path.join(repo, "bench/peer/routes.mjs"), path.join(dir, "lib/routes.mjs"));
}
const quiet = {
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
};
if (o.targets.includes("next")) {
  prepare(path.join(apps, "next"));
  console.error("building bench/apps/next (next build)");
  execFileSync(process.execPath, [bin("next/dist/bin/next"), "build"], {
    ...quiet,
    cwd: path.join(apps, "next"),
  });
}
if (o.targets.includes("vite") || o.targets.includes("vite-dev")) {
  prepare(path.join(apps, "vite"));
  console.error("building bench/apps/vite (vite build)");
  execFileSync(process.execPath, [bin("vite/bin/vite.js"), "build", "--logLevel", "warn"], {
    ...quiet,
    cwd: path.join(apps, "vite"),
  });
}
if (o.targets.includes("wf-dev")) prepare(path.join(apps, "wf-dev"));

const driven = {
  server: { cmd: "node bench/peer/server.mjs", cwd: repo },
  next: {
    cmd: `node ${bin("next/dist/bin/next")} start -p {port} -H 127.0.0.1`,
    cwd: path.join(apps, "next"),
  },
  vite: { cmd: "node server.mjs", cwd: path.join(apps, "vite") },
  "vite-dev": {
    cmd: `node ${bin("vite/bin/vite.js")} --port {port} --host 127.0.0.1 --strictPort`,
    cwd: path.join(apps, "vite"),
  },
};
const HEADLINE = {
  noop: "e2eMs",
  seq10: "e2eMs",
  hook: "resumeToCompleteMs",
  webhook: "postToCompleteMs",
  manual: "postToResponseMs",
};

// --- wf dev, driven through its own API
const until = async (what, fn, ms = 60_000) => {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};
async function measureWfDev(scenario, dataDir) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      path.join(repo, "packages/cli/dist/bin.js"),
      "dev",
      "workflows",
      "--port",
      String(port),
      "--data-dir",
      dataDir,
    ],
    { cwd: path.join(apps, "wf-dev"), stdio: "ignore" },
  );
  const call = async (method, p, body) => {
    const res = await fetch(base + p, {
      method,
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json().catch(() => undefined) };
  };
  const runStart = async (workflow, args) =>
    (await call("POST", "/api/runs", { workflow: `bench.ts#${workflow}`, args })).json.runId;
  const ended = (runId) =>
    until(`run ${runId}`, async () => {
      const r = await call("GET", `/api/runs/${runId}`);
      return ["completed", "failed", "cancelled"].includes(r.json?.status) && r.json;
    });
  const completedAt = async (runId) =>
    (await call("GET", `/.well-known/workflow/v1/inspect/runs/${runId}`)).json?.completedAt;
  const hookOf = (runId) =>
    until(`hook of ${runId}`, async () => (await call("GET", `/api/runs/${runId}/hooks`)).json?.[0]);
  try {
    await until("wf dev", async () => (await call("GET", "/api/workflows")).status === 200, 30_000);
    const times = [];
    for (let i = 0; i < 2 + o.reps; i++) {
      let t0;
      let runId;
      let headline;
      if (scenario === "noop" || scenario === "seq10") {
        t0 = Date.now();
        runId = await runStart(scenario, [0]);
      } else if (scenario === "hook") {
        runId = await runStart("hookWait", [`bench-${process.pid}-${i}`]);
        const hook = await hookOf(runId);
        t0 = Date.now();
        await call("POST", `/api/hooks/${encodeURIComponent(hook.token)}`, { value: i });
      } else {
        runId = await runStart(scenario === "webhook" ? "webhookWait" : "webhookManual", []);
        const hook = await hookOf(runId);
        const s0 = performance.now();
        t0 = Date.now();
        const res = await fetch(hook.url, { method: "POST", body: `b${i}` });
        await res.arrayBuffer();
        if (scenario === "manual") headline = performance.now() - s0;
      }
      const run = await ended(runId);
      if (run.status !== "completed") throw new Error(`${scenario} run ${runId} ended ${run.status}`);
      headline ??= (await completedAt(runId)) - t0;
      if (i >= 2) times.push(headline);
    }
    times.sort((a, b) => a - b);
    const at = (q) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
    return { median: at(0.5), p95: at(0.95), ok: times.length };
  } finally {
    child.kill("SIGTERM");
  }
}

const rows = [];
console.error(`adapters: raw output in ${o.outDir}`);
for (const scenario of o.scenarios) {
  for (let round = 1; round <= o.rounds; round++) {
    for (const target of o.targets) {
      const name = `${scenario}-${target}-${round}`;
      const load = os.loadavg()[0];
      console.error(`== ${scenario} on ${target}, round ${round} (load ${load.toFixed(2)})`);
      try {
        if (target === "wf-dev") {
          const m = await measureWfDev(scenario, path.join(o.outDir, name));
          rows.push({ scenario, target, load, ...m });
          continue;
        }
        const r = await driveScenario({
          driver: o.driver,
          scenario,
          ...driven[target],
          dataRoot: path.join(o.outDir, name),
          out: path.join(o.outDir, `${name}.json`),
          reps: String(o.reps),
          warmup: 2,
          label: `${target} ${scenario}`,
          env: ["WORKFLOW_DATA_DIR={dataDir}/wf", "NEXT_TELEMETRY_DISABLED=1"],
        });
        if (r.fatal) throw new Error(String(r.fatal).split("\n")[0]);
        const m = r.metrics[HEADLINE[scenario]];
        rows.push({
          scenario,
          target,
          load,
          median: m?.median,
          p95: m?.p95,
          ok: r.okRuns,
          noise: noiseOf(r),
        });
      } catch (error) {
        rows.push({ scenario, target, load, error: String(error?.message ?? error) });
      }
    }
  }
}

console.log(
  `\nwfkit's HTTP path per adapter — ${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} cores`,
);
console.log(
  "medians in ms: noop/seq10 start→done, hook resumeHook→done, webhook POST→done (server completedAt); manual POST→response",
);
console.log(
  "noise (driver targets): other = cores used by other processes; psi = % of time a task waited for CPU\n",
);
for (const r of rows) {
  const figure = r.error
    ? `error: ${r.error.slice(0, 80)}`
    : `${fmt(r.median)} ms (p95 ${fmt(r.p95)}; ${r.ok} ok)`;
  const noise = r.noise ? `; other ${fmt(r.noise.other)}, psi ${fmt(r.noise.psi)}%` : "";
  console.log(`${r.scenario.padEnd(8)} ${r.target.padEnd(9)} ${figure}; load ${fmt(r.load)}${noise}`);
}
console.log(
  "\ntargets (issue 16, every adapter): seq10 <= 5 ms; noop <= 3 ms; hook and webhook <= 2 ms; manual <= 3 ms",
);
