// `workflow/vite`: the Vite plugin, with the World chosen from the settings. `workflow/vite/server` has the production pieces.
import { type WorldChoice, worldFactory } from "@wfkit/cli/world";
import { type WorkflowPluginOptions, workflowPlugin } from "@wfkit/vite";

export type { WorldFactory } from "@wfkit/vite";
export * from "./vite-server.js";

/** Options of `workflow()` for vite.config.ts: the plugin's, with the World chosen from the settings by default. See docs/vite.md. */
export interface WorkflowViteOptions extends Omit<WorkflowPluginOptions, "world"> {
  /**
   * A World, a function that opens one, or `{ postgres: url }`. Default: PostgreSQL when
   * `WORKFLOW_POSTGRES_URL` is set, else the SQLite World in `dataDir` (option, else
   * `WORKFLOW_DATA_DIR`, else `<root>/.workflow-data`).
   */
  world?: WorldChoice;
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
  return workflowPlugin({ ...options, world: worldFactory(options.world) });
}

export default workflow;
