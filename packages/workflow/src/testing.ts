// `workflow/testing`: a runtime for tests with a virtual clock (docs/testing.md).
// Here because it compiles workflow files, which the runtime package cannot do.
import { pathToFileURL } from "node:url";
import { buildStepBundle, buildWorkflowBundle } from "@wfkit/builder";
import {
  createTestEnv as createCompiledTestEnv,
  type TestEnv,
  type TestEnvOptions,
} from "@wfkit/core/testing";

export type { ReplayDivergence, ReplayReport, RunHistory } from "@wfkit/core";
export type {
  Clock,
  ClockTimer,
  FunctionRef,
  TestEnv,
  TestEnvOptions,
  TestManifest,
  TestManifestEntry,
} from "@wfkit/core/testing";
export { VirtualClock } from "@wfkit/core/testing";
export { loadHistories, type ReplayFromFilesOptions, replayHistories } from "./testing-replay.js";

/** Options of {@link createTestEnv} given source files: they are compiled like the app's. */
export interface TestEnvFromFilesOptions extends Omit<TestEnvOptions, "workflows"> {
  /** Files with workflows and steps, relative to `root` (or absolute). */
  files: string[];
  /** The project root: workflow ids name files relative to it. Default `process.cwd()`. */
  root?: string;
}

/**
 * A test environment: a workflow runtime on a fresh in-memory World whose time is
 * virtual, moved by `env.advance("1d")`. Give it the workflow files (compiled here, in
 * both the workflow and step modes, as the app's build does), or workflows you
 * compiled yourself.
 *
 * @example
 * ```ts
 * import { createTestEnv } from "workflow/testing";
 * import { onboarding } from "../workflows/onboarding";
 *
 * const env = await createTestEnv({ files: ["workflows/onboarding.ts"] });
 * const run = await env.start(onboarding, ["ada@example.com"]);
 * await env.advance("7d");
 * expect(await run.status).toBe("completed");
 * await env.close();
 * ```
 */
export async function createTestEnv(options: TestEnvFromFilesOptions | TestEnvOptions): Promise<TestEnv> {
  if ("workflows" in options) return createCompiledTestEnv(options);
  const { files, root = process.cwd(), ...rest } = options;
  const [workflows, steps] = await Promise.all([
    buildWorkflowBundle({ root, files }),
    buildStepBundle({ root, files }),
  ]);
  // Importing the step bundle registers its steps in this process, where the runtime runs them.
  await import(pathToFileURL(steps.file).href);
  return createCompiledTestEnv({ ...rest, workflows });
}
