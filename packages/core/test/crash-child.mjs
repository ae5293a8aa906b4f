// Runs fixtures/crash.ts on a data dir until the run ends; the crash test kills it with SIGKILL.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildStepBundle, buildWorkflowBundle } from "@wfkit/builder";
import { Runtime } from "@wfkit/core";
import { sqliteWorld } from "@wfkit/world-sqlite";

const [dataDir, logFile] = process.argv.slice(2);
process.env.CRASH_LOG = logFile;
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
const workflows = await buildWorkflowBundle({ root, files: ["crash.ts"] });
const steps = await buildStepBundle({
  root,
  files: ["crash.ts"],
  outDir: mkdtempSync(path.join(tmpdir(), "wfkit-crash-")),
});
await import(pathToFileURL(steps.file).href);
const runtime = new Runtime({
  world: sqliteWorld({ dataDir }),
  workflows,
  retry: { initialDelayMs: 5 },
  log: () => {},
});
await runtime.recover();
const run = await runtime.start("workflow//crash//crashy", [], { idempotencyKey: "the-crash-run" });
console.log(`STARTED ${run.runId}`);
const value = await run.returnValue;
console.log(`RESULT ${JSON.stringify(value)}`);
await runtime.close();
