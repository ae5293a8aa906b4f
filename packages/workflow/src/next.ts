// `workflow/next`: withWorkflow() for next.config, with the World chosen from the settings.
import { type WorldChoice, worldFactory } from "@wfkit/cli/world";
import {
  type WithWorkflowOptions as AdapterOptions,
  type NextConfigInput,
  withWorkflow as withWorkflowOn,
} from "@wfkit/next";

export type { WorldChoice } from "@wfkit/cli/world";
export type { NextConfigInput, WorldContext } from "@wfkit/next";

/** Options of {@link withWorkflow}: the adapter's, with `world` also taking `{ postgres: url }`. */
export interface WithWorkflowOptions extends Omit<AdapterOptions, "world"> {
  /**
   * Where runs are stored: a World, a function that opens one, or `{ postgres: url }`.
   * Default: PostgreSQL when `WORKFLOW_POSTGRES_URL` is set, else the embedded SQLite
   * World in `dataDir` (option, else `WORKFLOW_DATA_DIR`, else `<app root>/.workflow-data`).
   */
  world?: WorldChoice;
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
 * Runs are stored by the embedded SQLite World under `.workflow-data/`, in
 * PostgreSQL when `WORKFLOW_POSTGRES_URL` is set, or in `options.world`.
 */
export function withWorkflow(nextConfig?: NextConfigInput, options: WithWorkflowOptions = {}) {
  return withWorkflowOn(nextConfig, {
    runtimeModule: "workflow/internal",
    routeModule: "workflow/next/route",
    ...options,
    // A function: the World's package is loaded only by the server process, never by build workers.
    world: worldFactory(options.world),
    serverExternalPackages: [
      "@wfkit/world-sqlite",
      "@wfkit/world-postgres",
      "postgres",
      ...(options.serverExternalPackages ?? []),
    ],
  });
}
