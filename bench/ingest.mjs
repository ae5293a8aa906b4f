// Webhook ingest benchmark (issue 16): N runs wait on a webhook (`webhookWait`), then one
// POST per webhook URL goes out with C requests in flight. Prints req/s, POST latency
// percentiles, status counts, whether every 202'd body reached a completed run (0 lost),
// and the noise on the box. Same /bench/* route contract as ../shared/peer-bench.
//   node bench/ingest.mjs [--runs 1000] [--concurrency 300] [--port 3420]
//     [--peer-app DIR | --no-peer] [--peer-runs 300] [--peer-port 3421]
//     [--data-root DIR] [--only ours|peer] [--reps 1] [--cpu-prof DIR] [--server-env K=V,...]
//     [--floor] [--warm-connections] [--trace FILE] [--json FILE]
// INGEST_PRELOAD=FILE loads FILE into our server (node --import) first: a probe of its own
// (group-commit batch sizes, loop turns), kept out of this script.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = parseArgs(process.argv.slice(2));
const opt = {
  runs: Number(args.runs ?? 1000),
  concurrency: Number(args.concurrency ?? 300),
  port: Number(args.port ?? 3420),
  peerRuns: Number(args["peer-runs"] ?? 300),
  peerConcurrency: Number(args["peer-concurrency"] ?? args.concurrency ?? 300),
  peerPort: Number(args["peer-port"] ?? 3421),
  dataRoot: path.resolve(args["data-root"] ?? path.join(os.tmpdir(), "wfkit-ingest")),
  timeoutMs: Number(args["timeout-ms"] ?? 600_000),
  reps: Number(args.reps ?? 1),
  only: args.only,
  cpuProf: args["cpu-prof"] && path.resolve(args["cpu-prof"]),
  serverEnv: Object.fromEntries(
    (args["server-env"] ?? "")
      .split(",")
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  ),
};
const defaultPeer = "/work/peer-bench/app";
const peerApp =
  args["no-peer"] || opt.only === "ours"
    ? undefined
    : (args["peer-app"] ??
      (fs.existsSync(path.join(defaultPeer, ".output/server/index.mjs")) ? defaultPeer : undefined));

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) continue;
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) out[a.slice(2)] = true;
    else out[a.slice(2)] = argv[++i];
  }
  return out;
}

// ——— HTTP: one keep-alive agent with room for every request in flight ———
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 1024 });
function request(url, { method = "GET", body, headers } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
async function json(url, body) {
  const res = await request(url, {
    method: body === undefined ? "GET" : "POST",
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? undefined : { "content-type": "application/json" },
  });
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${res.text.slice(0, 200)}`);
  return JSON.parse(res.text);
}
/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ——— /proc: server CPU, everyone else's CPU, CPU pressure ———
let tck = 100;
try {
  tck = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
} catch {}
function procTicks(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return 0;
  }
}
function systemTicks() {
  const l = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { busy: l.reduce((a, b) => a + b, 0) - l[3] - l[4] - l[7], steal: l[7] };
}
function pressureUs() {
  try {
    return Number(fs.readFileSync("/proc/pressure/cpu", "utf8").match(/^some .*total=(\d+)/m)[1]);
  } catch {
    return null;
  }
}
function rssMb(pid) {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)/m)[1]) / 1024;
  } catch {
    return null;
  }
}
function window(pid) {
  const t0 = performance.now();
  const cpu0 = procTicks(pid);
  const sys0 = systemTicks();
  const psi0 = pressureUs();
  const me0 = process.cpuUsage();
  return () => {
    const wallS = (performance.now() - t0) / 1000;
    const cpuS = (procTicks(pid) - cpu0) / tck;
    const sys1 = systemTicks();
    const psi1 = pressureUs();
    const me = process.cpuUsage(me0);
    const driverS = (me.user + me.system) / 1e6;
    return {
      wallS: round(wallS, 3),
      serverCpuS: round(cpuS, 2),
      serverAvgCores: round(cpuS / wallS, 2),
      // Everything but the server (this driver included, also shown apart).
      otherCpuAvgCores: round(Math.max(0, (sys1.busy - sys0.busy) / tck - cpuS) / wallS, 2),
      driverCpuS: round(driverS, 2),
      stealAvgCores: round((sys1.steal - sys0.steal) / tck / wallS, 2),
      cpuPressurePct: psi0 === null ? null : round(((psi1 - psi0) / 1e6 / wallS) * 100, 1),
    };
  };
}
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

// ——— servers ———
async function spawnServer(kind, rep) {
  const port = kind === "peer" ? opt.peerPort : opt.port;
  const dataDir = path.join(opt.dataRoot, `${kind}-${rep}-${Date.now()}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    NITRO_PORT: String(port),
    NITRO_HOST: "127.0.0.1",
  };
  let cmd;
  let cwd;
  if (kind === "floor") {
    // The ceiling of this box and client: a bare node:http server that reads the body and answers 202.
    cwd = root;
    const bare = `const s=require("node:http").createServer((q,r)=>{q.resume();q.on("end",()=>{r.writeHead(202);r.end()})});s.listen(${port},"127.0.0.1")`;
    cmd = [process.execPath, "-e", bare];
  } else if (kind === "ours") {
    cwd = root;
    const prof = opt.cpuProf
      ? ["--cpu-prof", "--cpu-prof-interval=100", `--cpu-prof-dir=${opt.cpuProf}`]
      : [];
    cmd = [
      process.execPath,
      ...prof,
      ...(process.env.INGEST_PRELOAD ? ["--import", process.env.INGEST_PRELOAD] : []),
      "bench/peer/server.mjs",
    ];
    Object.assign(env, { WORKFLOW_DATA_DIR: path.join(dataDir, "wf") }, opt.serverEnv);
  } else {
    cwd = peerApp;
    cmd = [process.execPath, ".output/server/index.mjs"];
    env.WORKFLOW_LOCAL_DATA_DIR = path.join(dataDir, "wl");
  }
  const log = fs.openSync(path.join(dataDir, "server.log"), "w");
  const child = spawn(cmd[0], cmd.slice(1), { cwd, env, stdio: ["ignore", log, log] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null)
      throw new Error(`${kind} server exited (${child.exitCode}); see ${dataDir}/server.log`);
    try {
      if (kind === "floor") await request(`${base}/`);
      else await json(`${base}/bench/info`);
      break;
    } catch {
      if (i > 600) throw new Error(`${kind} server did not answer on ${base}`);
      await sleep(100);
    }
  }
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.once("exit", () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill("SIGTERM");
    });
  return { base, pid: child.pid, stop, dataDir };
}

// ——— one measurement ———
/** The same ingest window against the bare server: `n` POSTs, `c` in flight. */
async function measureFloor(rep) {
  const server = await spawnServer("floor", rep);
  try {
    const latencies = [];
    const statuses = {};
    const url = `${server.base}/.well-known/workflow/v1/webhook/x`;
    if (args["warm-connections"])
      await pool(Array(opt.concurrency), opt.concurrency, () => request(`${server.base}/`));
    const noise = window(server.pid);
    const w0 = performance.now();
    await pool(Array(opt.runs), opt.concurrency, async (_, i) => {
      const s = performance.now();
      const res = await request(url, {
        method: "POST",
        body: `ingest ${i}`,
        headers: { "content-type": "text/plain" },
      });
      latencies.push(performance.now() - s);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    });
    const ingestS = (performance.now() - w0) / 1000;
    const ingestWindow = noise();
    latencies.sort((a, b) => a - b);
    const q = (p) => round(pct(latencies, p));
    return {
      impl: "floor",
      runs: opt.runs,
      inFlight: opt.concurrency,
      reqPerSec: round(latencies.length / ingestS, 0),
      latencyMs: { p50: q(50), p95: q(95), p99: q(99), max: round(latencies.at(-1)) },
      statuses,
      lost: 0,
      completedWithBody: "-",
      allDoneAfterS: round(ingestS, 2),
      serverCpuMsPerReq: round((ingestWindow.serverCpuS * 1000) / opt.runs, 2),
      ingestWindow,
    };
  } finally {
    await server.stop();
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  }
}

async function measure(kind, rep) {
  if (kind === "floor") return measureFloor(rep);
  const n = kind === "ours" ? opt.runs : opt.peerRuns;
  const c = kind === "ours" ? opt.concurrency : opt.peerConcurrency;
  const server = await spawnServer(kind, rep);
  try {
    const idleRss = rssMb(server.pid);
    // Start the runs and wait until each has registered its webhook.
    const t0 = performance.now();
    const runIds = new Array(n);
    await pool(runIds, 50, async (_, i) => {
      runIds[i] = (await json(`${server.base}/bench/start`, { workflow: "webhookWait", args: [] })).runId;
    });
    const urls = new Array(n);
    await pool(runIds, 50, async (runId, i) => {
      for (;;) {
        const { hooks } = await json(`${server.base}/bench/hooks?runId=${encodeURIComponent(runId)}`);
        if (hooks.length > 0) return void (urls[i] = hooks[0].url);
        await sleep(20);
      }
    });
    const setupS = (performance.now() - t0) / 1000;
    const waitingRss = rssMb(server.pid);

    // The ingest window: one POST per webhook, c in flight.
    // Open the connections first (--warm-connections): the window then measures requests, not TCP handshakes.
    if (args["warm-connections"]) await pool(urls.slice(0, c), c, () => request(`${server.base}/bench/info`));
    const bodies = runIds.map((id, i) => `ingest ${i} ${id}`);
    const latencies = [];
    const statuses = {};
    const accepted = new Set();
    const errors = [];
    const trace = [];
    const noise = window(server.pid);
    const w0 = performance.now();
    await pool(urls, c, async (url, i) => {
      const s = performance.now();
      try {
        const res = await request(url, {
          method: "POST",
          body: bodies[i],
          headers: { "content-type": "text/plain" },
        });
        latencies.push(performance.now() - s);
        if (args.trace) trace.push([round(s - w0), round(performance.now() - s), i]);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status === 202) accepted.add(i);
      } catch (error) {
        statuses.error = (statuses.error ?? 0) + 1;
        if (errors.length < 3) errors.push(String(error?.message ?? error));
      }
    });
    const ingestS = (performance.now() - w0) / 1000;
    const ingestNoise = noise();

    // Every accepted body must end up as the output of a completed run.
    const drain = window(server.pid);
    const deadline = Date.now() + opt.timeoutMs;
    let open = runIds.map((_, i) => i);
    while (open.length > 0 && Date.now() < deadline) {
      const { runs } = await json(`${server.base}/bench/runs`, { runIds: open.map((i) => runIds[i]) });
      const done = new Set(
        runs.filter((r) => r.status !== "pending" && r.status !== "running").map((r) => r.runId),
      );
      open = open.filter((i) => !done.has(runIds[i]));
      if (open.length > 0) await sleep(200);
    }
    const drainS = (performance.now() - w0) / 1000;
    const drainNoise = drain();
    let completedWithBody = 0;
    let lost = 0;
    const lostSamples = [];
    await pool(
      runIds.map((id, i) => [id, i]),
      20,
      async ([id, i]) => {
        const run = await json(`${server.base}/bench/run?runId=${encodeURIComponent(id)}`);
        const ok =
          run.status === "completed" && run.output?.method === "POST" && run.output?.body === bodies[i];
        if (ok) completedWithBody++;
        else if (accepted.has(i)) {
          lost++;
          if (lostSamples.length < 3) lostSamples.push({ runId: id, status: run.status, output: run.output });
        }
      },
    );
    latencies.sort((a, b) => a - b);
    if (args.trace) fs.writeFileSync(path.resolve(args.trace), trace.map((t) => t.join(" ")).join("\n"));
    return {
      impl: kind,
      runs: n,
      inFlight: c,
      setupS: round(setupS, 1),
      reqPerSec: round(latencies.length / ingestS, 0),
      latencyMs: {
        p50: round(pct(latencies, 50)),
        p95: round(pct(latencies, 95)),
        p99: round(pct(latencies, 99)),
        max: round(latencies.at(-1)),
      },
      statuses,
      errors,
      accepted: accepted.size,
      completedWithBody,
      lost,
      notDoneAtTimeout: open.length,
      ...(lostSamples.length && { lostSamples }),
      allDoneAfterS: round(drainS, 2),
      // Server CPU from the first POST until every run completed, per request: steadier than req/s on a busy box.
      serverCpuMsPerReq: round(((ingestNoise.serverCpuS + drainNoise.serverCpuS) * 1000) / n, 2),
      rssMb: {
        idle: round(idleRss ?? 0),
        waiting: round(waitingRss ?? 0),
        end: round(rssMb(server.pid) ?? 0),
      },
      ingestWindow: ingestNoise,
      drainWindow: drainNoise,
    };
  } finally {
    await server.stop();
    if (!args["keep-data"]) fs.rmSync(server.dataDir, { recursive: true, force: true });
  }
}

const kinds = [];
if (args.floor) kinds.push("floor");
if (opt.only !== "peer") kinds.push("ours");
if (peerApp && opt.only !== "ours") kinds.push("peer");
console.log(
  `webhook ingest: ours ${opt.runs} runs / ${opt.concurrency} in flight` +
    (kinds.includes("peer")
      ? `; peer (${peerApp}) ${opt.peerRuns} runs / ${opt.peerConcurrency} in flight (smaller: it ingests ~13 req/s)`
      : "; peer not run") +
    (args.floor ? "; floor = a bare node:http server answering 202 (this box's and client's ceiling)" : ""),
);
const results = [];
for (let rep = 0; rep < opt.reps; rep++) {
  for (const kind of kinds) {
    const r = await measure(kind, rep);
    results.push(r);
    const l = r.latencyMs;
    const w = r.ingestWindow;
    console.log(
      `${kind.padEnd(4)} rep ${rep}: ${r.reqPerSec} req/s  p50 ${l.p50} ms  p95 ${l.p95} ms  p99 ${l.p99} ms  max ${l.max} ms  ` +
        `statuses ${JSON.stringify(r.statuses)}  lost ${r.lost}  completed-with-body ${r.completedWithBody}/${r.runs}  ` +
        `all done after ${r.allDoneAfterS} s, server CPU ${r.serverCpuMsPerReq} ms/req | server ${w.serverAvgCores} cores, other ${w.otherCpuAvgCores} cores ` +
        `(driver ${w.driverCpuS} s), cpu pressure ${w.cpuPressurePct}%, steal ${w.stealAvgCores}`,
    );
  }
}
if (args.json) fs.writeFileSync(path.resolve(args.json), JSON.stringify(results, null, 2));
else console.log(JSON.stringify(results, null, 1));
agent.destroy();
