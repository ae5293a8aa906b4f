import { mkdirSync, mkdtempSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildStepBundle, buildWorkflowBundle } from "@wfkit/builder";
import type { World } from "@wfkit/world";
import { memoryWorld } from "@wfkit/world/memory";
import { Runtime, type RuntimeOptions } from "../src/host/runtime.js";

const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures");
// Step bundles keep their package imports external: written inside the package
// (under the git-ignored .wfkit/), they resolve them from its node_modules.
const stepsDir = path.join(fixtures, "..", "..", ".wfkit");

/**
 * A real runtime on a fresh in-memory World, with the given fixture files compiled in
 * both modes. Tests of durability across a crash or a reopen use SQLite instead (crash.test.ts).
 */
export async function testRuntime(
  files: string[],
  options: Partial<RuntimeOptions> = {},
  wrapWorld: (world: World) => World = (w) => w,
) {
  const workflows = await buildFixtures(files);
  const runtime = new Runtime({
    world: wrapWorld(memoryWorld()),
    workflows,
    retry: { initialDelayMs: 2, maxDelayMs: 20 },
    log: () => {},
    ...options,
  });
  await runtime.recover();
  const id = (file: string, name: string) => `workflow//${file.replace(/\.ts$/, "")}//${name}`;
  return { runtime, manifest: workflows.manifest, id };
}

/** The fixture files compiled in both modes: the workflow bundle, with the step bundle loaded into this process. */
export async function buildFixtures(files: string[]) {
  const [workflows, steps] = await Promise.all([
    buildWorkflowBundle({ root: fixtures, files }),
    buildStepBundle({
      root: fixtures,
      files,
      outDir: mkdtempSync(path.join(mkdirSync(stepsDir, { recursive: true }) ?? stepsDir, "steps-")),
    }),
  ]);
  await import(pathToFileURL(steps.file).href);
  return workflows;
}
