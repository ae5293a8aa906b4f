// @wfkit/builder: everything that turns an app's files into a running workflow
// runtime: discovery, esbuild bundles, watch/rebuild, the client transform,
// and the app-server lifecycle the Next, Vite and CLI hosts share.

export { formatDiagnostic } from "@wfkit/compiler/format";
export {
  type AppRuntime,
  type AppRuntimeOptions,
  type AppRuntimeTuning,
  createAppRuntime,
} from "./app/app-runtime.js";
export {
  CLIENT_COMPILED,
  DEFAULT_WORKFLOW_DIRS,
  DIRECTIVE,
  findWorkflowFiles,
  isWatchedSource,
  NODE_MODULES,
  SKIPPED_DIRS,
  SOURCE,
  WATCH_DEBOUNCE_MS,
} from "./app/discover.js";
export {
  handleInspect,
  INSPECT_PATH,
  type InspectBackend,
  type InspectOption,
  refuseInspect,
} from "./app/inspect-route.js";
export { inspectEventStream } from "./app/inspect-stream.js";
export {
  DEV_TOOL_PREFIXES,
  isDevToolPath,
  isWorkflowPath,
  ROUTE_PREFIX,
  WEBHOOK_PREFIX,
} from "./app/routes.js";
export { isUiPath, serveUi, UI_PATH } from "./app/ui-route.js";
export { watchSources } from "./app/watch.js";
export {
  type BuildOptions,
  buildStepBundle,
  buildWorkflowBundle,
  type StepBundle,
  type WorkflowBundle,
} from "./bundle/bundle.js";
export {
  type ClientTransformOptions,
  type ClientTransformResult,
  clientTransform,
} from "./client/transform.js";
export { createAppServer } from "./server/app-server.js";
export type { AppServer, AppServerOptions, AppServerState } from "./server/app-server-types.js";
export { type AppConfig, type AppConfigOptions, type ConfigEnv, resolveConfig } from "./server/config.js";
export { HEADERS_TIMEOUT_MS, type NodeServerTimeouts, serverTimeouts } from "./server/node-timeouts.js";
export type { WorldContext, WorldOption } from "./server/open-world.js";
export { type GuardPolicy, guardDevRequest, isAllowedHost } from "./server/request-guard.js";
export { type AppServerLogger, consoleLogger } from "./server/server-log.js";
