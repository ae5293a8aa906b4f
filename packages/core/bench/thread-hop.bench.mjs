// `npm run bench:thread-hop -w @wfkit/core`: what one round trip to another thread costs on
// this machine, with no wfkit code in it: a message to a worker thread that answers at once
// (as the runtime sends an activation to its sandbox worker), and the same over a shared
// buffer with Atomics.wait/notify (the cheapest wake-up there is). A seq10 run makes 11 such
// round trips (its first activation, then one per step result), so their cost bounds what
// workflow code in a worker thread can cost against code in the runtime's own thread.
import { Worker } from "node:worker_threads";

const ROUNDS = 5000;
const WARMUP = 500;

async function measure(name, once) {
  for (let i = 0; i < WARMUP; i++) await once();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) await once();
  const us = ((performance.now() - t0) / ROUNDS) * 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = (cpu.user + cpu.system) / ROUNDS;
  console.log(
    `${name.padEnd(34)} ${us.toFixed(1).padStart(6)} µs a round trip, ${cpuUs.toFixed(1)} µs CPU (both threads)`,
  );
}

// A message each way, shaped like an activation and its answer.
const echo = new Worker(
  `const { parentPort } = require("node:worker_threads");
   parentPort.on("message", (m) => parentPort.postMessage({ t: "results", results: [{ id: m.acts[0].id, answer: { state: '{"status":"running"}', commands: "[]" } }], done: true }));`,
  { eval: true },
);
const act = {
  t: "acts",
  acts: [{ id: 1, sandbox: 1, activation: { op: "apply", event: '{"type":"step_completed","seq":3}' } }],
  drop: [],
  base: "http://127.0.0.1:3000",
};
await measure(
  "MessagePort (postMessage)",
  () =>
    new Promise((resolve) => {
      echo.once("message", resolve);
      echo.postMessage(act);
    }),
);
await echo.terminate();

// The thread sleeps in Atomics.wait; this one in Atomics.waitAsync.
const shared = new Int32Array(new SharedArrayBuffer(4));
const waiter = new Worker(
  `const { workerData } = require("node:worker_threads");
   const a = new Int32Array(workerData);
   for (;;) {
     while (Atomics.load(a, 0) !== 1) Atomics.wait(a, 0, 0);
     Atomics.store(a, 0, 2);
     Atomics.notify(a, 0);
   }`,
  { eval: true, workerData: shared.buffer },
);
await measure("shared buffer (Atomics.wait/notify)", async () => {
  Atomics.store(shared, 0, 1);
  Atomics.notify(shared, 0);
  while (Atomics.load(shared, 0) !== 2) {
    const waited = Atomics.waitAsync(shared, 0, 1);
    if (waited.async) await waited.value;
  }
  Atomics.store(shared, 0, 0);
});
await waiter.terminate();
