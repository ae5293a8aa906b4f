// `workflow/vite/server`: the production side of the Vite integration, with the SQLite World bound.
import { resolveConfig } from "@wfkit/builder/config";
import {
  createWorkflowServer as createServerWithWorld,
  type WorkflowServer,
  type WorkflowServerOptions,
  type WorldOption,
} from "@wfkit/vite/server";
import { sqliteWorld } from "@wfkit/world-sqlite";

export {
  isWorkflowPath,
  type NodeAdapterOptions,
  type NodeHandler,
  type NodeNext,
  type NodeServerTimeouts,
  ROUTE_PREFIX,
  requestOrigin,
  sendWebResponse,
  serverTimeouts,
  toNodeHandler,
  toWebRequest,
  type WebHandler,
  type WorkflowLogger,
  type WorkflowServer,
} from "@wfkit/vite/server";

/** The data folder of the SQLite World: `dataDir`, else `WORKFLOW_DATA_DIR`, else `<root>/.workflow-data`. */
export function resolveDataDir(root: string, dataDir?: string): string {
  return resolveConfig({ root, dataDir }).dataDir;
}

/** Options of `createWorkflowServer()`: the app server's, with the SQLite World as the default. See docs/vite.md. */
export interface SqliteServerOptions extends Omit<WorkflowServerOptions, "world"> {
  /** Default: the SQLite World in `dataDir` (option, else `WORKFLOW_DATA_DIR`, else `<root>/.workflow-data`). */
  world?: WorldOption;
}

/**
 * The workflow runtime of a Vite app in production: compiles the workflow
 * files under `root` (default: the current directory), runs them on the
 * SQLite World and serves `/.well-known/workflow/v1/*` through `handler`
 * (Web) or `nodeHandler` (Node). See docs/vite.md and docs/configuration.md.
 */
export function createWorkflowServer(options: SqliteServerOptions = {}): WorkflowServer {
  return createServerWithWorld({
    ...options,
    world: options.world ?? (({ dataDir }) => sqliteWorld({ dataDir })),
  });
}
