// `workflow/vite/server`: the production side of the Vite integration, with the World chosen from the settings.
import { resolveConfig } from "@wfkit/builder/config";
import { type WorldChoice, worldFactory } from "@wfkit/cli/world";
import {
  createWorkflowServer as createServerWithWorld,
  type WorkflowServer,
  type WorkflowServerOptions,
} from "@wfkit/vite/server";

export {
  isWorkflowPath,
  type NodeAdapterOptions,
  type NodeHandler,
  type NodeNext,
  ROUTE_PREFIX,
  requestOrigin,
  sendWebResponse,
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

/** Options of `createWorkflowServer()`: the app server's, with the World chosen from the settings by default. See docs/vite.md. */
export interface SqliteServerOptions extends Omit<WorkflowServerOptions, "world"> {
  /**
   * A World, a function that opens one, or `{ postgres: url }`. Default: PostgreSQL when
   * `WORKFLOW_POSTGRES_URL` is set, else the SQLite World in `dataDir` (option, else
   * `WORKFLOW_DATA_DIR`, else `<root>/.workflow-data`).
   */
  world?: WorldChoice;
}

/**
 * The workflow runtime of a Vite app in production: compiles the workflow
 * files under `root` (default: the current directory), runs them on the
 * configured World (see `world`) and serves `/.well-known/workflow/v1/*` through `handler`
 * (Web) or `nodeHandler` (Node). See docs/vite.md and docs/configuration.md.
 */
export function createWorkflowServer(options: SqliteServerOptions = {}): WorkflowServer {
  return createServerWithWorld({
    ...options,
    world: worldFactory(options.world),
  });
}
