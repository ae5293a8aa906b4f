// Shared by the side-by-side benches: runs the shared peer-bench driver
// (../shared/peer-bench/driver.mjs) in spawn mode and reads what it measured.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** A port nothing listens on now (the driver's server binds it right after). */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

/**
 * Runs the driver once for one scenario against a server it spawns, and returns
 * that scenario's result from the JSON the driver wrote.
 */
export async function driveScenario({
  driver,
  scenario,
  cmd,
  cwd,
  dataRoot,
  out,
  reps,
  warmup,
  label,
  env = [],
}) {
  const port = await freePort();
  const args = [
    ...["--server-cmd", cmd, "--server-cwd", cwd, "--port", String(port)],
    ...["--data-root", dataRoot, "--out", out],
    ...["--scenarios", scenario, "--reps", reps, "--warmup", String(warmup)],
    ...["--label", label],
    ...env.flatMap((e) => ["--env", e]),
  ];
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [driver, ...args], { stdio: ["ignore", "ignore", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`driver exited ${code}`))));
  });
  return JSON.parse(readFileSync(out, "utf8")).results[scenario];
}

/** Numbers as the tables print them: 3 significant-ish digits, thousands separated. */
export const fmt = (x) =>
  x === undefined || x === null || Number.isNaN(x)
    ? "-"
    : x >= 100
      ? Math.round(x).toLocaleString("en-US")
      : x >= 10
        ? x.toFixed(1)
        : x.toFixed(2);

const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return v.length ? v[Math.ceil(v.length / 2) - 1] : undefined;
};

/** The driver's noise indicators for one result (the median over throughput batches). */
export function noiseOf(result) {
  const res = result.batches ? result.batches.map((b) => b.resources) : [result.resources];
  return {
    other: median(res.map((x) => x?.otherCpuAvgCores)),
    psi: median(res.map((x) => x?.cpuPressurePct)),
    steal: median(res.map((x) => x?.stealAvgCores)),
    cpuMsPerRun: median(res.map((x) => x?.serverCpuMsPerRun)),
  };
}
