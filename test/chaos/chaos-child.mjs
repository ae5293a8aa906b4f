// A wfkit app on a real SQLite data folder, for the SIGKILL loop (sigkill.test.ts): starts
// RUNS runs (idempotent, so every life asks again), serves hooks and webhooks over HTTP,
// and runs until killed. Plain node on the built packages (dist/).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { deserialize, Runtime } from "@wfkit/core";
import { toNodeHandler } from "@wfkit/core/node";
import { sqliteWorld } from "@wfkit/world-sqlite";

const [dataDir, cacheDir, runs] = process.argv.slice(2);
const RUNS = Number(runs);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

// The bundles are built by the first life and reused: a restart costs what a server's restart costs.
const cached = path.join(cacheDir, "workflows.json");
if (!existsSync(cached)) {
  // Imported only here: the compiler's load time would otherwise be most of every restart.
  const { buildStepBundle, buildWorkflowBundle } = await import("@wfkit/builder");
  mkdirSync(cacheDir, { recursive: true });
  const [workflows, steps] = await Promise.all([
    buildWorkflowBundle({ root, files: ["chaos.ts"] }),
    buildStepBundle({ root, files: ["chaos.ts"], outDir: path.join(cacheDir, "steps") }),
  ]);
  writeFileSync(
    `${cached}.tmp`,
    JSON.stringify({ code: workflows.code, hash: workflows.hash, steps: steps.file }),
  );
  writeFileSync(cached, readFileSync(`${cached}.tmp`));
}
const bundle = JSON.parse(readFileSync(cached, "utf8"));
await import(pathToFileURL(bundle.steps).href);

const runtime = new Runtime({
  world: sqliteWorld({ dataDir }),
  workflows: { code: bundle.code, hash: bundle.hash },
  retry: { initialDelayMs: 5, maxDelayMs: 50 },
  log: (level, args) => {
    if (level === "error") console.error(...args);
  },
});
await runtime.recover();

const server = createServer(
  toNodeHandler(async (request) => {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/.well-known/workflow/v1/webhook/")) return runtime.handleWebhook(request);
    if (url.pathname === "/hooks") {
      // The live hooks of unfinished runs: what the test may deliver to.
      const open = await runtime.world.listRuns({ status: ["pending", "running"] });
      const hooks = (await Promise.all(open.map((r) => runtime.world.listHooks({ runId: r.runId })))).flat();
      return Response.json(hooks.map((h) => ({ token: h.token, kind: h.kind, runId: h.runId })));
    }
    if (url.pathname.startsWith("/resume/") && request.method === "POST") {
      const token = decodeURIComponent(url.pathname.slice("/resume/".length));
      // Resolves once the payload is durably recorded: the 200 is the acknowledgement.
      await runtime.resumeHook(token, await request.json());
      return Response.json({ ok: true });
    }
    return undefined;
  }),
);
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${server.address().port}`;
runtime.setWebhookBase(base);
// Every life starts the runs a kill kept from starting (the idempotency key makes a race harmless);
// runs that exist are skipped, since start() runs a first activation before it learns the key is taken.
const existing = new Set((await runtime.world.listRuns()).map((run) => deserialize(run.input)[0]));
await Promise.all(
  Array.from({ length: RUNS }, (_, i) =>
    existing.has(i)
      ? undefined
      : runtime.start("workflow//chaos//chaos", [i], { idempotencyKey: `chaos-run-${i}` }),
  ),
);
console.log(`READY ${base}`);
