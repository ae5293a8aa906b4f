// What `workflow` exports: the realm-neutral user API, the same in the
// workflow sandbox, in steps and in server code. Compiled code's functions
// are in ./internal.ts; realm plumbing (./realm.ts) is not public.
// Sandbox-safe error classes only (no links.ts, no Response): this module is bundled into the sandbox.
export * from "../errors/step-errors.js";
export * from "../errors/subclasses.js";
export { isWorkflowError, WorkflowError } from "../errors/workflow-error.js";
export * from "./api.js";
export * from "./duration.js";
export * from "./hooks.js";
export { deprecatePatch, patched } from "./patching.js";
export * from "./send-webhook.js";
export { getWritable, type WritableOptions } from "./streams.js";
