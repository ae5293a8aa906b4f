// @wfkit/next: the Next.js integration of wfkit. Apps use it through `workflow/next`,
// which binds the embedded SQLite World. See docs/next.md.
export { type NextErrorCode, WorkflowNextError } from "./errors.js";
export type { LoaderOptions } from "./loader.js";
export type { WithWorkflowOptions, WorldContext, WorldOption } from "./options.js";
export { type NextConfigInput, withWorkflow } from "./with-workflow.js";
