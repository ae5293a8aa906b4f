// `node bench/sandbox.bench.mjs` (after `npm run build`): the sandbox's own cost, vm contexts in this
// thread against sandbox worker threads, on the in-memory World (no fsync, so disk noise stays out):
// seq10 latency, 200×seq10 throughput and CPU per run, three rounds alternating the modes.
import { Runtime } from "@wfkit/core";
import { memoryWorld } from "@wfkit/world/memory";
import { loadBenchWorkflows } from "./bench-workflows.mjs";

const { workflows, id } = await loadBenchWorkflows();
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const round of [1, 2, 3]) {
  for (const mode of ["vm", "worker"]) {
    const rt = new Runtime({ world: memoryWorld(), workflows, log: () => {}, sandbox: { mode } });
    await rt.recover();
    const lat = [];
    for (let i = 0; i < 230; i++) {
      const t0 = performance.now();
      await (await rt.start(id("seq10"), [0])).returnValue;
      if (i >= 30) lat.push(performance.now() - t0);
    }
    const tps = [];
    const cpu = [];
    for (let r = 0; r < 5; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const runs = await Promise.all(Array.from({ length: 200 }, () => rt.start(id("seq10"), [0])));
      await Promise.all(runs.map((x) => x.returnValue));
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      tps.push((2000 / ms) * 1000);
      cpu.push((c.user + c.system) / 1000 / 200);
    }
    console.log(
      `round ${round} ${mode.padEnd(6)} seq10 median ${median(lat).toFixed(2)} ms   throughput ${median(tps).toFixed(0)} steps/s   CPU/run ${median(cpu).toFixed(2)} ms`,
    );
    await rt.close();
  }
}
