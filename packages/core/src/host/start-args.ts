import type { RunId, World } from "@wfkit/world";
import { WorkflowError } from "../errors/workflow-error.js";
import { serializeAsync } from "../serialization/index.js";
import { DEFAULT_MAX_JSON_DEPTH, jsonTooDeepError, type PayloadLimits, valueTooDeep } from "./body.js";
import type { WorkflowRef } from "./runtime-options.js";
import { StepStreams } from "./streams.js";
import { type UnbuiltFile, workflowBuildFailed } from "./unbuilt.js";

// What `Runtime.start` checks and stores before a run exists: the runtime open,
// the workflow it was given, and its arguments serialized (streams among them
// piped to the run).

/** A closed runtime neither records nor drives a run: throws WF_RUNTIME_UNAVAILABLE when `closed`. */
export function assertOpen(closed: boolean): void {
  if (closed)
    throw new WorkflowError(
      "WF_RUNTIME_UNAVAILABLE",
      "The workflow runtime was closed, so it can neither record nor drive a run.",
      "Close a runtime only after the work that uses it has finished, or create a new one.",
    );
}

/**
 * The workflow id `start(workflow, args)` names, once the call is valid: a
 * workflow function (or id), arguments as an array not nested past the limit,
 * and a workflow whose file built. Throws a coded WorkflowError otherwise.
 */
export function startableWorkflow(
  workflow: WorkflowRef,
  args: unknown,
  unbuilt: (id: string) => UnbuiltFile | undefined,
  limits: PayloadLimits,
): string {
  const workflowId = typeof workflow === "string" ? workflow : workflow?.workflowId;
  if (!workflowId) {
    throw new WorkflowError(
      "WF_NOT_A_WORKFLOW",
      `start() was given ${typeof workflow === "function" ? `the function ${workflow.name || "(anonymous)"}` : String(workflow)}, which is not a workflow.`,
      'Pass a function marked "use workflow" from a file the workflow compiler transformed (withWorkflow in next.config, the Vite plugin, or `wf run`).',
    );
  }
  if (!Array.isArray(args)) {
    throw new WorkflowError(
      "WF_START_ARGS",
      "start(workflow, args) takes the arguments as an array.",
      "Write start(fn, [a, b]) rather than start(fn, a, b).",
    );
  }
  const file = unbuilt(workflowId);
  if (file) throw workflowBuildFailed(workflowId, file);
  // The serializer recurses: a million nested arrays must be a coded refusal, not a stack overflow.
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  if (valueTooDeep(args, maxDepth + 1)) throw jsonTooDeepError("The workflow's arguments", maxDepth);
  return workflowId;
}

/**
 * The new run's serialized input. A ReadableStream among the arguments becomes a
 * stream of the run; its chunks are stored as they come (a live source keeps
 * flowing after start() returns), and a failure to store them is logged.
 */
export async function serializeStartArgs(
  streamStore: World["streams"],
  runId: RunId,
  args: unknown[],
  log: (level: string, args: unknown[]) => void,
): Promise<string> {
  let streams: StepStreams | undefined;
  const input = await serializeAsync(args, "args", {
    storeReadable: (stream) => {
      streams ??= new StepStreams(streamStore, runId, "start");
      const namespace = `start-${streams.pipeCount}`;
      streams.pipeFrom(stream, namespace);
      return [runId, namespace];
    },
  });
  streams
    ?.settle()
    .catch((error: unknown) => log("error", [`run ${runId}: storing a stream argument failed:`, error]));
  return input;
}
