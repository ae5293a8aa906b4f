// Sandbox-safe error classes only (no links.ts, no Response): this module is bundled into the sandbox.
export * from "../errors/step-errors.js";
export * from "../errors/subclasses.js";
export { isWorkflowError, WorkflowError } from "../errors/workflow-error.js";
export * from "./api.js";
export * from "./duration.js";
export * from "./hooks.js";
export {
  currentHost,
  installHost,
  type Registry,
  type RuntimeHost,
  registry,
  requireWorkflowHost,
} from "./host.js";
export * from "./registry.js";
export * from "./send-webhook.js";
