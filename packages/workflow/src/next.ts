// `workflow/next`: withWorkflow() for next.config, bound to the embedded SQLite World.
import {
  type NextConfigInput,
  type WithWorkflowOptions,
  type WorldContext,
  withWorkflow as withWorkflowOn,
} from "@wfkit/next";

export type { NextConfigInput, WithWorkflowOptions, WorldContext } from "@wfkit/next";

/** The default World: SQLite in the resolved `dataDir` (option, else `WORKFLOW_DATA_DIR`, else `<app root>/.workflow-data`). */
async function embeddedWorld({ dataDir }: WorldContext) {
  // Loaded on demand: next.config is also evaluated by build workers, which never open a World.
  const { sqliteWorld } = await import("@wfkit/world-sqlite");
  return sqliteWorld({ dataDir });
}

/**
 * Adds durable workflows to a Next.js app (see docs/next.md):
 *
 * ```ts
 * // next.config.ts
 * import { withWorkflow } from "workflow/next";
 * export default withWorkflow({ reactStrictMode: true });
 * ```
 *
 * Runs are stored by the embedded SQLite World under `.workflow-data/` unless
 * `options.world` gives another one.
 */
export function withWorkflow(nextConfig?: NextConfigInput, options: WithWorkflowOptions = {}) {
  return withWorkflowOn(nextConfig, {
    runtimeModule: "workflow/internal",
    routeModule: "workflow/next/route",
    ...options,
    world: options.world ?? embeddedWorld,
    serverExternalPackages: ["@wfkit/world-sqlite", ...(options.serverExternalPackages ?? [])],
  });
}
