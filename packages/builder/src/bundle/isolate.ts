// One workflow file that does not build must not take the app down: the
// others keep running. When the bundles of all files fail, each file is built
// on its own to find the ones at fault; the app is built without them, and the
// runtime is told which they are (core's host/unbuilt.ts).
import path from "node:path";
import type { UnbuiltFile } from "@wfkit/core";
import {
  type BuildOptions,
  buildStepBundle,
  buildWorkflowBundle,
  bundleStepCode,
  type StepBundle,
  type WorkflowBundle,
} from "./bundle.js";

/** Both bundles of an app, and the files left out of them because they did not build. */
export interface AppBundles {
  workflows: WorkflowBundle;
  steps: StepBundle;
  /** Files that did not build on their own, with the build's errors; empty when all built. */
  unbuilt: UnbuiltFile[];
}

function isBuildFailure(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "WF_BUILD_FAILED";
}

/**
 * The errors of a failed build, each with its code, place and frame: the message
 * without its first line ("Building the … failed:") and its own last Fix/See lines
 * (the diagnostics inside keep theirs).
 */
function errorsOf(error: unknown): string {
  const text = String((error as { message?: unknown }).message ?? error);
  const end = text.lastIndexOf("\n  Fix: ");
  return (end < 0 ? text : text.slice(0, end)).replace(
    /^.*?Building the (?:workflow|step) bundle failed:\n/,
    "",
  );
}

async function buildBoth(options: BuildOptions & { outDir?: string }) {
  const [workflows, steps] = await Promise.all([buildWorkflowBundle(options), buildStepBundle(options)]);
  return { workflows, steps };
}

/**
 * Builds the workflow and step bundles of an app. A file whose own build fails
 * is left out (and listed in `unbuilt`) while other files build; a failure that
 * no single file explains, or of every file, still throws `WF_BUILD_FAILED`.
 */
export async function buildAppBundles(options: BuildOptions & { outDir?: string }): Promise<AppBundles> {
  const root = path.resolve(options.root);
  const files = options.files.map((f) => path.resolve(root, f));
  let firstError: unknown;
  try {
    return { ...(await buildBoth({ ...options, root, files })), unbuilt: [] };
  } catch (error) {
    if (!isBuildFailure(error) || files.length < 2) throw error;
    firstError = error;
  }
  const checkDir = path.join(options.outDir ?? path.join(root, ".wfkit"), "check");
  const checked = await Promise.all(
    files.map(async (file): Promise<UnbuiltFile | undefined> => {
      try {
        await Promise.all([
          buildWorkflowBundle({ root, files: [file] }),
          bundleStepCode({ root, files: [file] }, checkDir),
        ]);
        return undefined;
      } catch (error) {
        if (!isBuildFailure(error)) throw error;
        return { file: path.relative(root, file).split(path.sep).join("/"), message: errorsOf(error) };
      }
    }),
  );
  const unbuilt = checked.filter((c): c is UnbuiltFile => c !== undefined);
  // No file to blame, or none left to run: the build fails as a whole, as before (the host
  // keeps its previous build, or reports WF_BUILD_FAILED at start-up).
  if (unbuilt.length === 0 || unbuilt.length === files.length) throw firstError;
  const built = files.filter((_, i) => checked[i] === undefined);
  return { ...(await buildBoth({ ...options, root, files: built })), unbuilt };
}
