// @wfkit/vite: the Vite plugin, and the production server pieces (also in "@wfkit/vite/server").
export { ErrorCodes } from "./errors.js";
export { type WorkflowPluginOptions, type WorldFactory, workflowPlugin } from "./plugin.js";
export * from "./server-entry.js";
