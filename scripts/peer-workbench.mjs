#!/usr/bin/env node
// The check issue 10's "Why" describes: the `workflow` package's own end-to-end
// workbench (the workflow files of vercel/workflow's workbench/example/workflows,
// used as they are) driven case by case the way its packages/core/e2e/e2e.test.ts
// drives them, on wfkit. The driver is ours: routes equivalent to the workbench's
// /api/trigger, /api/hook and /api/test-direct-step-call over wfkit's public API,
// the assertions of each case, and `wf inspect`-like checks read from the World.
// The cases are in peer-workbench-cases.mjs; this file sets up the app and its routes
// and runs them.
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
import { KNOWN, workbenchCases } from "./peer-workbench-cases.mjs";

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

const cases = workbenchCases({ base, runtime, trigger, returnValue });

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
