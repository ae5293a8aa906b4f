import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildStepBundle, buildWorkflowBundle } from "@wfkit/builder";
import type { World } from "@wfkit/world";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { Runtime, type RuntimeOptions } from "../src/host/runtime.js";

const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures");

/** A real runtime on a fresh SQLite file, with the given fixture files compiled in both modes. */
export async function testRuntime(
  files: string[],
  options: Partial<RuntimeOptions> = {},
  wrapWorld: (world: World) => World = (w) => w,
) {
  const [workflows, steps] = await Promise.all([
    buildWorkflowBundle({ root: fixtures, files }),
    buildStepBundle({ root: fixtures, files, outDir: mkdtempSync(path.join(tmpdir(), "wfkit-steps-")) }),
  ]);
  await import(pathToFileURL(steps.file).href);
  const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-data-"));
  const runtime = new Runtime({
    world: wrapWorld(sqliteWorld({ dataDir })),
    workflows,
    retry: { initialDelayMs: 2, maxDelayMs: 20 },
    log: () => {},
    ...options,
  });
  await runtime.recover();
  const id = (file: string, name: string) => `workflow//${file.replace(/\.ts$/, "")}//${name}`;
  return { runtime, dataDir, manifest: workflows.manifest, id };
}
