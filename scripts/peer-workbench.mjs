#!/usr/bin/env node
// The check issue 10's "Why" describes: the `workflow` package's own end-to-end
// workbench (the workflow files of vercel/workflow's workbench/example/workflows,
// used as they are) driven case by case the way its packages/core/e2e/e2e.test.ts
// drives them, on wfkit. The driver is ours: routes equivalent to the workbench's
// /api/trigger, /api/hook and /api/test-direct-step-call over wfkit's public API,
// the assertions of each case, and `wf inspect`-like checks read from the World.
//
//   npm run build && node scripts/peer-workbench.mjs <vercel/workflow checkout> [case ...]
//
// Not a test of the suite: it needs the peer's checkout and takes ~25 s (its cases
// sleep 10-20 s). Cases that fail by a difference docs/migrating-from-workflow.md
// lists are marked "known"; the exit code is 1 only for other failures.
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { clientTransform, createAppRuntime } from "@wfkit/builder";
import { toNodeHandler } from "@wfkit/core/node";
import { sqliteWorld } from "@wfkit/world-sqlite";
import * as esbuild from "esbuild";
import { getHookByToken, getRun, resumeHook, start } from "workflow/api";

const repo = fileURLToPath(new URL("..", import.meta.url));
const [checkout, ...only] = process.argv.slice(2);
const workbench = checkout && path.join(checkout, "workbench/example/workflows");
if (!workbench || !existsSync(path.join(workbench, "99_e2e.ts"))) {
  console.error("usage: node scripts/peer-workbench.mjs <vercel/workflow checkout> [case ...]");
  process.exit(2);
}
// The app: the peer's files as they are, in a folder that resolves `workflow` to this repository's.
const root = mkdtempSync(path.join(tmpdir(), "wfkit-peer-workbench-"));
mkdirSync(path.join(root, "workflows"));
for (const file of ["99_e2e.ts", "98_duplicate_case.ts", "helpers.ts"])
  writeFileSync(path.join(root, "workflows", file), readFileSync(path.join(workbench, file)));
symlinkSync(path.join(repo, "node_modules"), path.join(root, "node_modules"));
writeFileSync(path.join(root, "package.json"), '{ "type": "module", "private": true }');

/** Cases that fail by a documented difference (docs/migrating-from-workflow.md), and why. */
const KNOWN = {
  "addTenWorkflow 99": "ids name the file without its extension",
  "addTenWorkflow 98": "ids name the file without its extension",
  webhookWorkflow: "createWebhook() takes no custom token",
  "webhook route with invalid token": "unknown webhook tokens answer 404 with a JSON body",
  workflowAndStepMetadataWorkflow: "getWorkflowMetadata() also carries workflowName",
  fetchWorkflow: "calls a public URL (passes where the network reaches it; see the local-URL case)",
};

const server = createServer();
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}`;
// fetchWorkflow calls a public URL this machine cannot reach: the same workflow body, on a local URL.
writeFileSync(
  path.join(root, "workflows/fetch_local.ts"),
  readFileSync(path.join(root, "workflows/99_e2e.ts"), "utf8").replace(
    "https://jsonplaceholder.typicode.com/todos/1",
    `${base}/todos/1`,
  ),
);
const app = await createAppRuntime({
  root,
  files: ["workflows/99_e2e.ts", "workflows/98_duplicate_case.ts", "workflows/fetch_local.ts"],
  world: sqliteWorld({ dataDir: path.join(root, ".data") }),
  setDefault: true,
  runtime: { webhookBaseUrl: base, log: () => {} },
});
for (const u of app.unbuilt()) console.log("UNBUILT", u.file, u.message);
const { runtime } = app;
const ids = new Map(app.manifest().workflows.map((w) => [`${w.file}:${w.exportName}`, w.id]));

// The workbench's trigger route: start(fn, args); GET returnValue or a framed stream.
async function trigger(fn, args, file = "workflows/99_e2e.ts") {
  const id = ids.get(`${file}:${fn}`);
  assert.ok(id, `no workflow ${file}:${fn}`);
  return start({ workflowId: id }, args);
}
async function returnValue(runId) {
  try {
    return await getRun(runId).returnValue;
  } catch (error) {
    if (error?.name === "WorkflowRunFailedError") {
      const cause = error.cause;
      return {
        ...error,
        name: error.name,
        message: error.message,
        cause: { message: cause.message, stack: cause.stack, code: cause.code },
      };
    }
    throw error;
  }
}
function outputStream(runId, namespace) {
  const framing = new TransformStream({
    transform(chunk, c) {
      const data = chunk instanceof Uint8Array ? { data: Buffer.from(chunk).toString("base64") } : chunk;
      c.enqueue(`${JSON.stringify(data)}\n`);
    },
  });
  return getRun(runId).getReadable({ namespace }).pipeThrough(framing);
}
async function hookRoute(request) {
  const { token, data } = await request.json();
  let hook;
  try {
    hook = await getHookByToken(token);
  } catch {
    return Response.json(null, { status: 404 });
  }
  await resumeHook(hook.token, { ...data, customData: hook.metadata?.customData });
  return Response.json(hook);
}
// Client-mode compile of 99_e2e.ts, as app code importing it gets it.
async function clientModule() {
  const file = path.join(root, "workflows/99_e2e.ts");
  const out = await clientTransform(readFileSync(file, "utf8"), { filename: file, root });
  if (out.errorMessage) throw new Error(out.errorMessage);
  mkdirSync(path.join(root, "client"), { recursive: true });
  writeFileSync(path.join(root, "client/99_e2e.ts"), out.code);
  writeFileSync(path.join(root, "client/helpers.ts"), readFileSync(path.join(root, "workflows/helpers.ts")));
  await esbuild.build({
    entryPoints: [path.join(root, "client/99_e2e.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    outfile: path.join(root, "client/99_e2e.mjs"),
    packages: "external",
  });
  return import(pathToFileURL(path.join(root, "client/99_e2e.mjs")).href);
}
server.on(
  "request",
  toNodeHandler(async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/api/hook") return hookRoute(request);
    if (url.pathname === "/todos/1")
      return Response.json({ userId: 1, id: 1, title: "delectus aut autem", completed: false });
    if (url.pathname === "/api/test-direct-step-call") {
      const { x, y } = await request.json();
      const { add } = await clientModule();
      return Response.json({ result: await add(x, y) });
    }
    if (url.pathname === "/api/stream") {
      const ns = url.searchParams.get("output-stream");
      return new Response(outputStream(url.searchParams.get("runId"), ns === "1" ? undefined : ns), {
        headers: { "content-type": "application/octet-stream" },
      });
    }
    return app.handler(request);
  }),
);
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

const cases = {
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
    assert.equal(Buffer.from(JSON.parse((await a.read()).value).data, "base64").toString(), "Hello, world!");
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
    assert.equal(Buffer.from(JSON.parse((await a.read()).value).data, "base64").toString(), "Second message");
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

const names = Object.keys(cases).filter((n) => !only.length || only.includes(n));
const results = await Promise.all(
  names.map(async (name) => {
    const t = Date.now();
    let timer;
    try {
      const timeout = new Promise(
        (_, reject) => (timer = setTimeout(() => reject(new Error("timeout 90 s")), 90_000)),
      );
      await Promise.race([cases[name](), timeout]);
      return { name, ms: Date.now() - t };
    } catch (error) {
      const failure = String(error?.message ?? error)
        .split("\n")
        .slice(0, 6)
        .join(" | ");
      return { name, ms: Date.now() - t, failure };
    } finally {
      clearTimeout(timer);
    }
  }),
);
const peerCases = results.filter((r) => !r.name.includes("(local URL)"));
for (const { name, ms, failure } of results) {
  const mark = failure ? (KNOWN[name] ? `✗ known (${KNOWN[name]})` : "✗") : "✓";
  console.log(`${mark} ${name} (${ms} ms)${failure ? `\n    ${failure}` : ""}`);
}
const unexpected = results.filter((r) => r.failure && !KNOWN[r.name]);
console.log(
  `${peerCases.filter((r) => !r.failure).length} of ${peerCases.length} peer cases pass; ` +
    `${unexpected.length} unexpected failure(s)`,
);
server.close();
await app.close();
rmSync(root, { recursive: true, force: true });
process.exit(unexpected.length ? 1 : 0);
