#!/usr/bin/env node
// `npm run demo`: builds the playground when its sources are newer than the
// last build, starts `next start`, and prints what to open and what to curl.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const next = createRequire(path.join(app, "package.json")).resolve("next/dist/bin/next");
const port = Number(process.env.PORT) || 3000;
const base = `http://localhost:${port}`;
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: process.env.NEXT_TELEMETRY_DISABLED ?? "1" };

/** Newest modification time of the files the build depends on. */
function newestSource(dir = app) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if ([".next", "node_modules", ".workflow-data", ".test-apps", "test", "scripts"].includes(entry.name))
      continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const built = statSync(path.join(app, ".next", "BUILD_ID"), { throwIfNoEntry: false });
if (!built || built.mtimeMs < newestSource()) {
  console.log("Building the playground (next build)…");
  const build = spawnSync(process.execPath, [next, "build"], { cwd: app, env, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const server = spawn(process.execPath, [next, "start", "-p", String(port)], {
  cwd: app,
  env,
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// Once the workflow runtime answers, say what to do.
for (let i = 0; i < 120; i++) {
  const ok = await fetch(`${base}/.well-known/workflow/v1/health`).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) break;
  await new Promise((resolve) => setTimeout(resolve, 250));
}
const post = (route, body) =>
  `curl -s -X POST ${base}${route} -H 'content-type: application/json' -d '${JSON.stringify(body)}'`;
console.log(`
  wfkit × Next.js playground
  Open ${base} and start runs with the buttons; the list refreshes every second.

  Or from a terminal:
    ${post("/api/runs", { scenario: "render" })}      # webhook with progress callbacks
    ${post("/api/runs", { scenario: "approval", expense: { id: "e1" } })}
    ${post("/api/approvals/e1", { approved: true, by: "you" })}      # resumeHook("approval:e1")
    ${post("/api/runs", { scenario: "quote" })}       # manual-response webhook
    curl -s ${base}/api/runs                          # runs, steps and webhook URLs
    curl -i -X POST <webhook url> -d '{"item":"gear","qty":3}'   # answered by a step
    curl -s ${base}/.well-known/workflow/v1/health

  Runs are kept in ${process.env.WORKFLOW_DATA_DIR || path.join(app, ".workflow-data")}. Ctrl+C stops the server.
`);
