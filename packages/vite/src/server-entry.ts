// @wfkit/vite/server: what a production server needs, without the Vite plugin.
// The lifecycle itself is @wfkit/builder's app server; these are its Vite-era names.
import { type AppServer, type AppServerLogger, type AppServerOptions, createAppServer } from "@wfkit/builder";

export {
  isWorkflowPath,
  type NodeServerTimeouts,
  ROUTE_PREFIX,
  serverTimeouts,
  type WorldContext,
  type WorldOption,
} from "@wfkit/builder";
export {
  type NodeAdapterOptions,
  type NodeHandler,
  type NodeNext,
  requestOrigin,
  sendWebResponse,
  toNodeHandler,
  toWebRequest,
  type WebHandler,
} from "@wfkit/core/node";

/** The workflow runtime of an app in a server process (see `createWorkflowServer`). */
export type WorkflowServer = AppServer;
export type WorkflowServerOptions = AppServerOptions;
/** Where the server logs (`info`, `warn`, `error`); default: the console. */
export type WorkflowLogger = AppServerLogger;

/**
 * The workflow runtime of an app for production servers: compiles the
 * workflow files under `root`, starts the runtime on `world` (recovering
 * unfinished runs), makes it the runtime `workflow/api` uses, and serves its
 * routes as `handler` (Web) and `nodeHandler` (Node). Tell it where it
 * listens (`setOrigin`) or set `publicUrl` / `WORKFLOW_PUBLIC_URL`.
 *
 * ```js
 * const workflow = createWorkflowServer({ root, world: ({ dataDir }) => sqliteWorld({ dataDir }) });
 * const server = http.createServer(serverTimeouts(workflow.config.bodyTimeoutMs), (req, res) =>
 *   workflow.nodeHandler(req, res, () => app(req, res)),
 * );
 * server.listen(3000, () => workflow.setOrigin("http://localhost:3000"));
 * ```
 */
export const createWorkflowServer: (options: WorkflowServerOptions) => WorkflowServer = createAppServer;
