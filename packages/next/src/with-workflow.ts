import type { NextConfig } from "next";
import { withTurbopackRule, withWebpackRule } from "./bundler.js";
import { externalPackages } from "./externals.js";
import { resolveOptions, type WithWorkflowOptions } from "./options.js";
import { servesRequests } from "./process.js";
import { writeRouteFile } from "./route-file.js";

/** Next's phases (from next/constants), as the config function receives them. */
const DEV_SERVER = "phase-development-server";
const PROD_SERVER = "phase-production-server";
const PROD_BUILD = "phase-production-build";

type ConfigContext = { defaultConfig: NextConfig };
/** A Next config as `next.config` may export it: an object, or a (possibly async) function of the phase. */
export type NextConfigInput =
  | NextConfig
  | ((phase: string, context: ConfigContext) => NextConfig | Promise<NextConfig>);

/**
 * Adds durable workflows to a Next.js app. Use it in `next.config.ts` / `.mjs`:
 *
 * ```ts
 * import { withWorkflow } from "workflow/next";
 * export default withWorkflow({ ...yourConfig });
 * ```
 *
 * - App code that imports a `"use workflow"` file gets stubs that `start()`
 *   accepts (a loader for Turbopack and for webpack).
 * - `app/.well-known/workflow/v1/[...path]/route.js` is generated: it serves
 *   webhook URLs and `/.well-known/workflow/v1/health`.
 * - In the server process of `next dev` and `next start`, the workflow
 *   runtime starts with the config and recovers unfinished runs; in `next dev`
 *   edits to workflow and step files apply without a restart.
 *
 * See docs/next.md.
 */
export function withWorkflow(
  nextConfig: NextConfigInput = {},
  options: WithWorkflowOptions = {},
): (phase: string, context: ConfigContext) => Promise<NextConfig> {
  return async (phase, context) => {
    const config = typeof nextConfig === "function" ? await nextConfig(phase, context) : nextConfig;
    const resolved = resolveOptions(options, config.distDir);
    if (resolved.generateRoute && (phase === DEV_SERVER || phase === PROD_BUILD)) {
      writeRouteFile(resolved.root, resolved.routeModule);
    }
    if ((phase === DEV_SERVER || phase === PROD_SERVER) && servesRequests()) {
      const { startWorkflowServer } = await import("./server.js");
      startWorkflowServer(resolved, phase === DEV_SERVER);
    }
    const loader = { root: resolved.root, runtimeModule: resolved.runtimeModule };
    return {
      ...config,
      serverExternalPackages: [
        ...new Set([
          ...(config.serverExternalPackages ?? []),
          ...externalPackages(
            resolved.runtimeModule,
            resolved.routeModule,
            ...resolved.serverExternalPackages,
          ),
        ]),
      ],
      turbopack: { ...config.turbopack, rules: withTurbopackRule(config.turbopack?.rules, loader) },
      webpack: withWebpackRule(config.webpack, loader),
    };
  };
}
