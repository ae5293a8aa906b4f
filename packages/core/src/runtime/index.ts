export * from "./api.js";
export * from "./duration.js";
export * from "./errors.js";
export * from "./hooks.js";
export { currentHost, installHost, registry, requireWorkflowHost, type Registry, type RuntimeHost } from "./host.js";
export * from "./registry.js";
