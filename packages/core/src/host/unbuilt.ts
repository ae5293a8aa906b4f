// Workflow files that did not build. The builder leaves them out of the
// bundles and says so here, so the rest of the app keeps running: starting one
// of their workflows fails with WF_WORKFLOW_BUILD_FAILED, and runs already
// under way (and their step attempts) wait, parked, until the file builds again.
import { WorkflowError } from "../errors/workflow-error.js";

/** One workflow file left out of the build, and why. */
export interface UnbuiltFile {
  /** The file, relative to the app's root (POSIX), as the user names it: `workflows/order.ts`. */
  file: string;
  /** The build's errors for it: esbuild's or the compiler's diagnostics, each with its code frame. */
  message: string;
}

/** The module part of a workflow or step id: `workflow//workflows/order//order` → `workflows/order`. */
function moduleOf(id: string): string | undefined {
  const parts = id.split("//");
  return parts.length >= 3 ? parts.slice(1, -1).join("//") : undefined;
}

/** The unbuilt files of the current build, looked up by workflow or step id. */
export class UnbuiltFiles {
  private byModule = new Map<string, UnbuiltFile>();

  /** Replaces the list (each build reports all files it left out). */
  set(files: readonly UnbuiltFile[] = []): void {
    this.byModule = new Map(files.map((f) => [f.file.replace(/\.[cm]?[jt]sx?$/, ""), f]));
  }

  get size(): number {
    return this.byModule.size;
  }

  /** The unbuilt file a workflow or step id belongs to, if it is one. */
  of(id: string): UnbuiltFile | undefined {
    if (this.byModule.size === 0) return undefined;
    const module = moduleOf(id);
    return module === undefined ? undefined : this.byModule.get(module);
  }
}

/** What `start()` throws for a workflow whose file did not build. */
export function workflowBuildFailed(workflowId: string, unbuilt: UnbuiltFile): WorkflowError {
  return new WorkflowError(
    "WF_WORKFLOW_BUILD_FAILED",
    `The workflow ${workflowId} cannot start: its file ${unbuilt.file} did not build.\n${unbuilt.message}`,
    `Fix ${unbuilt.file}. The app's other workflows keep running; runs of this file's workflows that were already under way wait and continue once it builds.`,
  );
}
