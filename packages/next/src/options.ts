import path from "node:path";
import type { AppRuntimeTuning, InspectOption, WorldOption } from "@wfkit/builder";
import { type AppConfig, type ConfigEnv, resolveConfig } from "@wfkit/builder/config";

export type { WorldContext, WorldOption } from "@wfkit/builder";

/** Options of {@link withWorkflow}. Settings shared by every host are in docs/configuration.md. */
export interface WithWorkflowOptions {
  /**
   * The World runs are stored in. Prefer a function: next.config is also
   * loaded by `next build` and its workers, and a function is only called in
   * the server process. `workflow/next` defaults to the embedded SQLite World.
   */
  world?: WorldOption;
  /** The app's root directory; workflow ids are relative to it. Default: `process.cwd()`. */
  root?: string;
  /** Folders (relative to root) searched for `"use workflow"` / `"use step"` files. Default: workflows, app, src, lib. */
  dirs?: string[];
  /** Where the embedded World keeps its data. Default: `WORKFLOW_DATA_DIR`, else `<root>/.workflow-data`. */
  dataDir?: string;
  /** Base of webhook URLs. Default: `WORKFLOW_PUBLIC_URL`, else the address the Next server listens on. */
  publicUrl?: string;
  /** Build a request's own URL from `X-Forwarded-*` headers (behind a proxy you trust). Never sets the webhook base. */
  trustProxy?: boolean;
  /** The module compiled app code imports. Default: `"workflow/internal"`. */
  runtimeModule?: string;
  /** The module the generated route file re-exports its handlers from. Default: `"@wfkit/next/route"`. */
  routeModule?: string;
  /** Write the catch-all route file for `/.well-known/workflow/v1/*` into the app dir. Default true. */
  generateRoute?: boolean;
  /** Runtime tuning: retries, concurrency, webhook limits (see docs/runtime.md). */
  runtime?: Omit<AppRuntimeTuning, "webhookBaseUrl">;
  /** More packages Next must load with Node rather than bundle, such as the World's (`workflow/next` adds its own). */
  serverExternalPackages?: string[];
  /**
   * The inspect route and the web UI (`/.well-known/workflow/v1/inspect/…` and `…/ui/`):
   * `true` for anyone, `{ authorize(request) }` for requests it accepts, `false` never.
   * Default: served by `next dev` only.
   */
  inspect?: InspectOption;
}

/** Options with every default filled in. */
export interface ResolvedOptions extends AppConfig {
  dirs?: string[];
  /** Where compiled step bundles are written: `<distDir>/cache/wfkit`. */
  buildDir: string;
  runtimeModule: string;
  routeModule: string;
  generateRoute: boolean;
  world?: WorldOption;
  runtime?: WithWorkflowOptions["runtime"];
  serverExternalPackages: string[];
  inspect?: InspectOption;
}

/** Applies defaults; the shared settings go through `resolveConfig` (option, then environment, then default). */
export function resolveOptions(
  options: WithWorkflowOptions = {},
  distDir = ".next",
  env: ConfigEnv = process.env,
): ResolvedOptions {
  const config = resolveConfig(options, env);
  return {
    ...config,
    dirs: options.dirs,
    buildDir: path.resolve(config.root, distDir, "cache", "wfkit"),
    runtimeModule: options.runtimeModule ?? "workflow/internal",
    routeModule: options.routeModule ?? "@wfkit/next/route",
    generateRoute: options.generateRoute ?? true,
    world: options.world,
    runtime: options.runtime,
    serverExternalPackages: options.serverExternalPackages ?? [],
    inspect: options.inspect,
  };
}
