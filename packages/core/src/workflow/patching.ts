import { WorkflowError } from "../errors/workflow-error.js";
import { requireWorkflowHost } from "./realm.js";

// Patching: changing a workflow's code while runs are in flight, with both the old
// and the new path kept until no run needs the old one (docs/versioning.md).

function checkId(patchId: unknown, what: string): string {
  if (typeof patchId !== "string" || patchId.length === 0 || patchId.length > 200) {
    throw new WorkflowError(
      "WF_PATCH_ID_INVALID",
      `${what} takes a patch id, a non-empty string of at most 200 characters, but was given ${JSON.stringify(patchId) ?? String(patchId)}.`,
      `Name each change once and keep the name: ${what.replace("()", "")}("fix-refund").`,
    );
  }
  return patchId;
}

/**
 * Whether this run takes the change named `patchId` at this point of the workflow:
 * `if (patched("fix-refund")) { new code } else { old code }`.
 *
 * True on new runs and on runs that reach this point after the change was deployed
 * (the answer is recorded in the run's log, so it stays true on every replay). False
 * when the run passed this point on code without the patch: its history is replayed
 * with the old branch, so it does not diverge. Once no run from before the change
 * is left, replace the call with {@link deprecatePatch} and drop the old branch.
 *
 * Workflow code only (else `WF_WORKFLOW_ONLY`).
 */
export function patched(patchId: string): boolean {
  const host = requireWorkflowHost("patched()");
  return host.patched!(checkId(patchId, "patched()"));
}

/**
 * The retirement of `patched(patchId)`: the patched branch is now the only code.
 * Records the same marker `patched()` does (so a deployment still running the code
 * with `patched()` replays this run's history the patched way) and accepts
 * histories with or without it. Remove the call once no run from before it is left.
 *
 * Workflow code only (else `WF_WORKFLOW_ONLY`).
 */
export function deprecatePatch(patchId: string): void {
  const host = requireWorkflowHost("deprecatePatch()");
  host.patched!(checkId(patchId, "deprecatePatch()"));
}
