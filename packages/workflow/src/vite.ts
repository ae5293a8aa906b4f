// `workflow/vite`: the Vite plugin, with the SQLite World bound. `workflow/vite/server` has the production pieces.
import { type WorkflowPluginOptions, type WorldFactory, workflowPlugin } from "@wfkit/vite";
import { sqliteWorld } from "@wfkit/world-sqlite";

export type { WorldFactory } from "@wfkit/vite";
export * from "./vite-server.js";

/** Options of `workflow()` for vite.config.ts: the plugin's, with the SQLite World as the default. See docs/vite.md. */
export interface WorkflowViteOptions extends Omit<WorkflowPluginOptions, "world"> {
  /** Default: the SQLite World in `dataDir` (option, else `WORKFLOW_DATA_DIR`, else `<root>/.workflow-data`). */
  world?: WorkflowPluginOptions["world"];
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
  const sqlite: WorldFactory = ({ dataDir }) => sqliteWorld({ dataDir });
  return workflowPlugin({ ...options, world: options.world ?? sqlite });
}

export default workflow;
