// The cases of scripts/peer-workbench.mjs: each drives one workflow of the peer's
// workbench the way its packages/core/e2e/e2e.test.ts does, with that test's
// assertions, over the app and routes peer-workbench.mjs sets up.
import assert from "node:assert/strict";
import { getRun } from "workflow/api";

/** Cases that fail by a documented difference (docs/migrating-from-workflow.md), and why. */
export const KNOWN = {
  "addTenWorkflow 99": "ids name the file without its extension",
  "addTenWorkflow 98": "ids name the file without its extension",
  webhookWorkflow: "createWebhook() takes no custom token",
  "webhook route with invalid token": "unknown webhook tokens answer 404 with a JSON body",
  workflowAndStepMetadataWorkflow: "getWorkflowMetadata() also carries workflowName",
  fetchWorkflow: "calls a public URL (passes where the network reaches it; see the local-URL case)",
};

/**
 * The cases by name. `base` is the driver's address (its /api/hook, /api/stream and
 * /api/test-direct-step-call routes), `runtime` the app's runtime, `trigger` starts a
 * workflow of a workbench file, `returnValue` reads a run's result as the workbench's
 * trigger route answers it.
 */
export function workbenchCases({ base, runtime, trigger, returnValue }) {
  const waitHook = async (token) => {
    for (let i = 0; i < 500; i++) {
      if (await runtime.world.getHook(token)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`hook ${token} never made`);
  };
  const post = (p, body) => fetch(new URL(p, base), { method: "POST", body: JSON.stringify(body) });
  const rand = () => Math.random().toString(36).slice(2);
  const events = (runId) => runtime.world.readEvents(runId);

  return {
    async "addTenWorkflow 99"() {
      const run = await trigger("addTenWorkflow", [123]);
      assert.equal(await returnValue(run.runId), 133);
      const r = await runtime.world.getRun(run.runId);
      assert.equal(r.status, "completed");
      const name = await getRun(run.runId).workflowName;
      assert.ok(
        [
          "workflow//example/workflows/99_e2e.ts//addTenWorkflow",
          "workflow//workflows/99_e2e.ts//addTenWorkflow",
          "workflow//src/workflows/99_e2e.ts//addTenWorkflow",
        ].includes(name),
        `workflowName ${name}`,
      );
    },
    async "addTenWorkflow 98"() {
      const run = await trigger("addTenWorkflow", [123], "workflows/98_duplicate_case.ts");
      assert.equal(await returnValue(run.runId), 133);
      const name = await getRun(run.runId).workflowName;
      assert.ok(
        [
          "workflow//example/workflows/98_duplicate_case.ts//addTenWorkflow",
          "workflow//workflows/98_duplicate_case.ts//addTenWorkflow",
        ].includes(name),
        `workflowName ${name}`,
      );
    },
    async promiseAllWorkflow() {
      assert.equal(await returnValue((await trigger("promiseAllWorkflow", [])).runId), "ABC");
    },
    async promiseRaceWorkflow() {
      assert.equal(await returnValue((await trigger("promiseRaceWorkflow", [])).runId), "B");
    },
    async promiseAnyWorkflow() {
      assert.equal(await returnValue((await trigger("promiseAnyWorkflow", [])).runId), "B");
    },
    async readableStreamWorkflow() {
      const v = await returnValue((await trigger("readableStreamWorkflow", [])).runId);
      assert.ok(v instanceof ReadableStream, "a ReadableStream");
      const d = new TextDecoder();
      let s = "";
      for await (const c of v) s += d.decode(c, { stream: true });
      assert.equal(s, "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n");
    },
    async hookWorkflow() {
      const token = rand();
      const customData = rand();
      const run = await trigger("hookWorkflow", [token, customData]);
      await waitHook(token);
      let res = await post("/api/hook", { token, data: { message: "one" } });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).runId, run.runId);
      res = await post("/api/hook", { token: "invalid" });
      assert.ok([404, 422].includes(res.status));
      assert.equal(await res.json(), null);
      res = await post("/api/hook", { token, data: { message: "two" } });
      assert.equal((await res.json()).runId, run.runId);
      res = await post("/api/hook", { token, data: { message: "three", done: true } });
      assert.equal((await res.json()).runId, run.runId);
      const v = await returnValue(run.runId);
      assert.deepEqual(
        v.map((p) => [p.message, p.customData, p.done]),
        [
          ["one", customData, undefined],
          ["two", customData, undefined],
          ["three", customData, true],
        ],
      );
    },
    async webhookWorkflow() {
      const [t1, t2, t3] = [rand(), rand(), rand()];
      const run = await trigger("webhookWorkflow", [t1, t2, t3]);
      const v = await returnValue(run.runId);
      if (v?.cause) throw new Error(`run failed: ${v.cause.code} ${v.cause.message.split("\n")[0]}`);
    },
    async "webhook route with invalid token"() {
      const res = await post(`/.well-known/workflow/v1/webhook/invalid`, {});
      assert.equal(res.status, 404);
      assert.equal(await res.text(), "", "empty body");
    },
    async sleepingWorkflow() {
      const v = await returnValue((await trigger("sleepingWorkflow", [])).runId);
      assert.ok(v.startTime < v.endTime);
      assert.ok(v.endTime - v.startTime > 9999, `slept ${v.endTime - v.startTime}`);
    },
    async nullByteWorkflow() {
      assert.equal(await returnValue((await trigger("nullByteWorkflow", [])).runId), "null byte \0");
    },
    async workflowAndStepMetadataWorkflow() {
      const run = await trigger("workflowAndStepMetadataWorkflow", []);
      // Over HTTP the workbench answers Response.json(returnValue): Dates become strings.
      const v = JSON.parse(JSON.stringify(await returnValue(run.runId)));
      assert.deepEqual(v.workflowMetadata, v.innerWorkflowMetadata);
      assert.equal(v.workflowMetadata.workflowRunId, run.runId);
      assert.equal(v.stepMetadata.workflowRunId, undefined);
      assert.equal(typeof v.workflowMetadata.workflowStartedAt, "string");
      assert.equal(v.stepMetadata.workflowStartedAt, undefined);
      assert.equal(typeof v.workflowMetadata.url, "string");
      assert.equal(v.stepMetadata.url, undefined);
      assert.equal(v.workflowMetadata.stepId, undefined);
      assert.ok(v.stepMetadata.attempt >= 1);
      assert.equal(typeof v.stepMetadata.stepStartedAt, "string");
    },
    async outputStreamWorkflow() {
      const run = await trigger("outputStreamWorkflow", []);
      const rd = (ns) =>
        fetch(`${base}/api/stream?runId=${run.runId}&output-stream=${ns}`).then((r) =>
          r.body.pipeThrough(new TextDecoderStream()).getReader(),
        );
      const [a, b] = await Promise.all([rd("1"), rd("test")]);
      assert.equal(
        Buffer.from(JSON.parse((await a.read()).value).data, "base64").toString(),
        "Hello, world!",
      );
      assert.equal(
        Buffer.from(JSON.parse((await b.read()).value).data, "base64").toString(),
        "Hello, named stream!",
      );
      assert.deepEqual(JSON.parse((await a.read()).value), { foo: "test" });
      assert.deepEqual(JSON.parse((await b.read()).value), { foo: "bar" });
      assert.equal((await a.read()).done, true);
      assert.equal((await b.read()).done, true);
      assert.equal(await returnValue(run.runId), "done");
    },
    async outputStreamInsideStepWorkflow() {
      const run = await trigger("outputStreamInsideStepWorkflow", []);
      const rd = (ns) =>
        fetch(`${base}/api/stream?runId=${run.runId}&output-stream=${ns}`).then((r) =>
          r.body.pipeThrough(new TextDecoderStream()).getReader(),
        );
      const [a, b] = await Promise.all([rd("1"), rd("step-ns")]);
      assert.equal(
        Buffer.from(JSON.parse((await a.read()).value).data, "base64").toString(),
        "Hello from step!",
      );
      assert.deepEqual(JSON.parse((await b.read()).value), { message: "Hello from named stream in step!" });
      assert.equal(
        Buffer.from(JSON.parse((await a.read()).value).data, "base64").toString(),
        "Second message",
      );
      assert.deepEqual(JSON.parse((await b.read()).value), { counter: 42 });
      assert.equal((await a.read()).done, true);
      assert.equal((await b.read()).done, true);
      assert.equal(await returnValue(run.runId), "done");
    },
    async fetchWorkflow() {
      const v = await returnValue((await trigger("fetchWorkflow", [])).runId);
      if (v?.cause) throw new Error(`run failed: ${v.cause.code} ${v.cause.message.split("\n")[0]}`);
      assert.equal(v.id, 1);
    },
    async "fetchWorkflow (local URL)"() {
      const v = await returnValue((await trigger("fetchWorkflow", [], "workflows/fetch_local.ts")).runId);
      if (v?.cause) throw new Error(`run failed: ${v.cause.code} ${v.cause.message.split("\n")[0]}`);
      assert.deepEqual(v, { userId: 1, id: 1, title: "delectus aut autem", completed: false });
    },
    async promiseRaceStressTestWorkflow() {
      assert.deepEqual(
        await returnValue((await trigger("promiseRaceStressTestWorkflow", [])).runId),
        [0, 1, 2, 3, 4],
      );
    },
    async retryAttemptCounterWorkflow() {
      const run = await trigger("retryAttemptCounterWorkflow", []);
      assert.deepEqual(await returnValue(run.runId), { finalAttempt: 3 });
      const ev = await events(run.runId);
      const done = ev.find((e) => e.type === "step_completed");
      assert.ok(done);
      assert.equal(ev.filter((e) => e.type === "step_retrying").length, 2);
    },
    async retryableAndFatalErrorWorkflow() {
      const v = await returnValue((await trigger("retryableAndFatalErrorWorkflow", [])).runId);
      if (v?.cause) throw new Error(`run failed: ${v.cause.code} ${v.cause.message.split("\n")[0]}`);
      assert.equal(v.retryableResult.attempt, 2);
      assert.ok(v.retryableResult.duration > 10_000, `duration ${v.retryableResult.duration}`);
      assert.equal(v.gotFatalError, true);
    },
    async stepDirectCallWorkflow() {
      const res = await post("/api/test-direct-step-call", { x: 3, y: 5 });
      assert.ok(res.ok, await res.clone().text());
      assert.equal((await res.json()).result, 8);
    },
    async crossFileErrorWorkflow() {
      const run = await trigger("crossFileErrorWorkflow", []);
      const v = await returnValue(run.runId);
      assert.equal(v.name, "WorkflowRunFailedError");
      assert.ok(v.cause.message.includes("Error from imported helper module"));
      assert.equal(typeof v.cause.stack, "string");
      for (const s of ["helpers.ts", "throwError", "callThrower", "99_e2e.ts", "crossFileErrorWorkflow"])
        assert.ok(v.cause.stack.includes(s), `stack has ${s}:\n${v.cause.stack}`);
      assert.ok(!v.cause.stack.includes("evalmachine"));
      assert.equal((await runtime.world.getRun(run.runId)).status, "failed");
    },
    async hookCleanupTestWorkflow() {
      const token = rand();
      const customData = rand();
      for (const n of [1, 2]) {
        const run = await trigger("hookCleanupTestWorkflow", [token, customData]);
        await waitHook(token);
        const res = await post("/api/hook", { token, data: { message: `test-message-${n}`, customData } });
        assert.equal(res.status, 200, await res.clone().text());
        assert.equal((await res.json()).runId, run.runId);
        const v = await returnValue(run.runId);
        assert.deepEqual(v, {
          message: `test-message-${n}`,
          customData,
          hookCleanupTestData: "workflow_completed",
        });
        // The hook is released once the run ends: wait for that before the token is taken again.
        for (let i = 0; i < 500 && (await runtime.world.getHook(token)); i++)
          await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stepFunctionPassingWorkflow() {
      const run = await trigger("stepFunctionPassingWorkflow", []);
      assert.equal(await returnValue(run.runId), 40);
      const ev = await events(run.runId);
      assert.equal(ev.filter((e) => e.type === "step_completed").length, 1);
    },
  };
}
