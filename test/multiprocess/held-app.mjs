// The holder of ownership.test.ts's kill test: a runtime on the PostgreSQL World that
// starts a run (held by it alone, so pipelined) and is SIGKILLed while a step of it is
// held at its start. Every step attempt is noted in the ledger file.
import { appendFileSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Runtime } from "@wfkit/core";
import { openPostgresWorld } from "@wfkit/world-postgres";

const env = (name) => process.env[name] ?? process.exit(2);
const stopAt = Number(env("WF_STOP_AT"));
const world = await openPostgresWorld({ url: env("WF_DB_URL"), heartbeatMs: 100, instanceTtlMs: 1000 });
await import(pathToFileURL(env("WF_STEPS")).href);
globalThis.__heldGate = {
  enter: async (runId, i) => {
    const events = await world.readEvents(runId);
    const s = events.find((e) => e.type === "step_scheduled" && e.input === `j[[${i}]]`);
    const completed = !!s && events.some((e) => e.type === "step_completed" && e.opId === s.opId);
    appendFileSync(env("WF_LEDGER"), `${JSON.stringify({ runId, i, completed })}\n`);
    console.log(`entered ${i}`);
    // Killed here: this step held, later turns maybe not yet committed.
    if (i === stopAt) await new Promise(() => {});
  },
};
const workflows = JSON.parse(readFileSync(env("WF_BUNDLE"), "utf8"));
const runtime = new Runtime({ world, workflows, log: () => {}, leaseMs: 2_000 });
await runtime.recover();
const run = await runtime.start(env("WF_WORKFLOW"), JSON.parse(env("WF_ARGS")));
console.log(`run ${run.runId} ${world.ownership.holds(run.runId)}`);
setInterval(() => {}, 1000);
