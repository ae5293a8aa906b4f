export * from "./api.js";
export * from "./duration.js";
export * from "./errors.js";
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
