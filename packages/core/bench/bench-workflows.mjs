// The benchmark workflows built as an app's build would build them: the workflow bundle
// for a Runtime, and the step bundle imported into this process so its steps register.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildStepBundle, buildWorkflowBundle } from "@wfkit/builder";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Builds `file` (next to this one); `id(name)` is the id of its workflow `name`. */
export async function loadBenchWorkflows(
  file = "workflows.ts",
  outDir = mkdtempSync(path.join(tmpdir(), "wfkit-bench-steps-")),
) {
  const workflows = await buildWorkflowBundle({ root: here, files: [file] });
  const steps = await buildStepBundle({ root: here, files: [file], outDir });
  await import(pathToFileURL(steps.file).href);
  const module = file.replace(/\.ts$/, "");
  return { workflows, id: (name) => `workflow//${module}//${name}` };
}
