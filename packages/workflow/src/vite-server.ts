// `workflow/vite/server`: the production side of the Vite integration, with the SQLite World bound.
import path from "node:path";
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
  ROUTE_PREFIX,
  requestOrigin,
  sendWebResponse,
  toNodeHandler,
  toWebRequest,
  type WebHandler,
  type WorkflowLogger,
  type WorkflowServer,
} from "@wfkit/vite/server";

/**
 * The data directory of the SQLite World: `dataDir`, else `WORKFLOW_DATA_DIR`,
 * else `<root>/.workflow-data` (relative paths are relative to the root).
 */
export function resolveDataDir(root: string, dataDir?: string): string {
  return path.resolve(root, dataDir ?? process.env.WORKFLOW_DATA_DIR ?? ".workflow-data");
}

export interface SqliteServerOptions extends Omit<WorkflowServerOptions, "world"> {
  /** Default: the SQLite World in `dataDir`. */
  world?: WorldOption;
  /** Folder of the SQLite World. Default: `WORKFLOW_DATA_DIR`, else `<root>/.workflow-data`. */
  dataDir?: string;
}

/**
 * The workflow runtime of a Vite app in production: compiles the workflow
 * files under `root` (default: the current directory), runs them on the
 * SQLite World and serves `/.well-known/workflow/v1/*` through `handler`
 * (Web) or `nodeHandler` (Node). See docs/vite.md.
 */
export function createWorkflowServer(options: SqliteServerOptions = {}): WorkflowServer {
  const root = path.resolve(options.root ?? process.cwd());
  const { dataDir, world, ...rest } = options;
  return createServerWithWorld({
    ...rest,
    root,
    world: world ?? (() => sqliteWorld({ dataDir: resolveDataDir(root, dataDir) })),
  });
}
