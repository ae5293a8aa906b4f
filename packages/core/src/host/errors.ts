import { WorkflowError } from "../runtime/errors.js";
import type { StandardSchemaLike } from "../runtime/hooks.js";

/** Checks a payload against a Standard Schema; a failure records nothing and lists the issues. */
export async function validate(schema: StandardSchemaLike<unknown>, payload: unknown): Promise<unknown> {
  const result = (await schema["~standard"].validate(payload)) as {
    value?: unknown;
    issues?: ReadonlyArray<{ message: string; path?: ReadonlyArray<unknown> }>;
  };
  if (!result.issues) return result.value;
  const list = result.issues.map(
    (i) =>
      `${i.path?.length ? `${i.path.map((p) => (typeof p === "object" && p && "key" in p ? (p as { key: unknown }).key : p)).join(".")}: ` : ""}${i.message}`,
  );
  const error = new WorkflowError(
    "WF_HOOK_PAYLOAD_INVALID",
    `The payload does not match the hook's schema, so nothing was recorded:\n  - ${list.join("\n  - ")}`,
    "Send a payload that satisfies the schema given to defineHook({ schema }).",
  );
  Object.assign(error, { issues: result.issues });
  throw error;
}

export function runNotFound(runId: string): WorkflowError {
  const error = new WorkflowError(
    "WF_RUN_NOT_FOUND",
    `There is no run with id ${runId}.`,
    "Check the id; runs are kept in the World the runtime was started with.",
  );
  error.name = "WorkflowRunNotFoundError";
  return error;
}

export function hookNotFound(token: string): WorkflowError {
  const error = new WorkflowError(
    "WF_HOOK_NOT_FOUND",
    `No live hook has the token ${token}.`,
    "The run may not have created the hook yet, may have disposed it, or may have ended. Check the token, or wait until the run reaches createHook().",
  );
  error.name = "HookNotFoundError";
  return error;
}
