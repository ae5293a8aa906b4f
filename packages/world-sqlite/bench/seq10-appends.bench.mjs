// The World's share of a seq10 run (run `npm run build` first):
//
//   npm run bench:seq10 -w @wfkit/world-sqlite
//
// Writes what the runtime writes for 200 concurrent seq10 runs (10 sequential steps): each
// run's creation with its first turn, then either one append per step (a step's result and
// the next step's scheduling: "per step") or the whole rest of the run in one append
// ("merged": the runtime merges turns while an append is in flight, as under load). Prints
// the CPU per step of this process, fsyncs included.
//
// CPU time on a shared VM is noisy. For a figure that repeats exactly, count instructions:
// run it under `valgrind --tool=callgrind` with ROUNDS=1 and ROUNDS=6 (WARM=2) and divide the
// difference of the two totals by 5 rounds x 2,000 steps.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteWorld } from "../dist/index.js";

const RUNS = 200;
const STEPS = 10;
const WARM = Number(process.env.WARM ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 30);
const base = process.env.BENCH_DIR ?? tmpdir();

let next = 0;
const stepPayload = (x) => JSON.stringify({ stepId: "step//bench//inc", name: "inc", input: `j[[${x}]]` });
const scheduled = (op, x, at) => ({
  v: 1,
  type: "step_scheduled",
  opId: op,
  stepId: "step//bench//inc",
  input: `j[[${x}]]`,
  at,
});
const completed = (op, x, at) => ({
  v: 1,
  type: "step_completed",
  opId: op,
  output: `j${x}`,
  attempt: 1,
  at,
});

/** The creation of one run, as the runtime asks for it: its first step scheduled and held. */
function creation(runId, x, at) {
  return {
    runId,
    workflowId: "workflow//bench//seq10",
    input: `j[${x}]`,
    at,
    firstTurn: {
      events: [scheduled(1, x, at)],
      enqueue: [{ runId, kind: "step", opId: 1, attempt: 1, payload: stepPayload(x), leased: true }],
      run: { startedAt: at, status: "running" },
    },
  };
}

/** Step `k`'s result (1-based) and what it leads to: the next step, or the run's end. */
function stepTurn(x, k, at) {
  const last = k === STEPS;
  return {
    events: [
      completed(k, x + k, at),
      last ? { v: 1, type: "run_completed", output: `j${x + k}`, at } : scheduled(k + 1, x + k, at),
    ],
    dedupeKeys: [`step:${k}`],
    ...(last ? { run: { status: "completed", output: `j${x + k}`, completedAt: at } } : {}),
  };
}

async function run(world, merged) {
  const at = Date.now();
  const ids = Array.from({ length: RUNS }, () => `wrun_bench${String(next++).padStart(20, "0")}`);
  const made = await Promise.all(ids.map((id, i) => world.createRun(creation(id, i, at))));
  const results = await Promise.all(
    ids.map(async (runId, i) => {
      const ack = made[i].messages.map((m) => m.id);
      if (merged) {
        const turns = Array.from({ length: STEPS }, (_, k) => stepTurn(i, k + 1, at));
        return world.append({
          runId,
          expectedSeq: 2,
          events: turns.flatMap((t) => t.events),
          dedupeKeys: turns.flatMap((t) => t.dedupeKeys),
          ack,
          run: turns[STEPS - 1].run,
        });
      }
      let result;
      for (let k = 1; k <= STEPS; k++) {
        const turn = stepTurn(i, k, at);
        result = await world.append({ runId, expectedSeq: 2 * k, ...turn, ack: k === 1 ? ack : [] });
        if (!result.ok) return result;
      }
      return result;
    }),
  );
  for (const r of results) if (!r.ok) throw new Error(`append refused: ${JSON.stringify(r)}`);
}

async function measure(merged) {
  const dataDir = mkdtempSync(join(base, "wfkit-bench-"));
  const world = new SqliteWorld({ dataDir });
  for (let i = 0; i < WARM; i++) await run(world, merged);
  const perStep = [];
  for (let i = 0; i < ROUNDS; i++) {
    const before = process.cpuUsage();
    await run(world, merged);
    const used = process.cpuUsage(before);
    perStep.push((used.user + used.system) / (RUNS * STEPS));
  }
  await world.close();
  rmSync(dataDir, { recursive: true, force: true });
  perStep.sort((a, b) => a - b);
  const at = (q) => perStep[Math.min(perStep.length - 1, Math.floor(perStep.length * q))].toFixed(1);
  return `median ${at(0.5)} µs, p25 ${at(0.25)}, p75 ${at(0.75)}`;
}

console.log(
  `@wfkit/world-sqlite: CPU of this process per seq10 step (${RUNS} concurrent runs, ${ROUNDS} rounds; node ${process.version})`,
);
// MODE=per-step or MODE=merged measures one of the two.
const modes = { "per-step": [false], merged: [true] }[process.env.MODE] ?? [false, true];
for (const merged of modes) {
  console.log(`  ${merged ? "merged  " : "per step"}: ${await measure(merged)}`);
}
