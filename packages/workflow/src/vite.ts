// `workflow/vite`: the Vite plugin, with the SQLite World bound. `workflow/vite/server` has the production pieces.
import { type WorkflowPluginOptions, type WorldFactory, workflowPlugin } from "@wfkit/vite";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { resolveDataDir } from "./vite-server.js";

export type { WorldFactory } from "@wfkit/vite";
export * from "./vite-server.js";

export interface WorkflowViteOptions extends Omit<WorkflowPluginOptions, "world"> {
  /** Default: the SQLite World in `dataDir`. */
  world?: WorkflowPluginOptions["world"];
  /** Folder of the SQLite World. Default: `WORKFLOW_DATA_DIR`, else `<root>/.workflow-data`. */
  dataDir?: string;
}

/**
 * `workflow()` for `vite.config.ts`: compiles `"use workflow"`/`"use step"`
 * files, runs the workflow runtime in the dev and preview servers and mounts
 * `/.well-known/workflow/v1/*` there. See docs/vite.md.
 *
 * ```ts
 * import { defineConfig } from "vite";
 * import { workflow } from "workflow/vite";
 * export default defineConfig({ plugins: [workflow({ api: "src/api.ts" })] });
 * ```
 */
export function workflow(options: WorkflowViteOptions = {}): ReturnType<typeof workflowPlugin> {
  const { dataDir, world, ...rest } = options;
  const sqlite: WorldFactory = ({ root }) => sqliteWorld({ dataDir: resolveDataDir(root, dataDir) });
  const ignore = [...(rest.ignore ?? [])];
  if (dataDir) ignore.push(dataDir);
  return workflowPlugin({ ...rest, ignore, world: world ?? sqlite });
}

export default workflow;
