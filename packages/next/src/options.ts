import path from "node:path";
import type { AppRuntimeOptions } from "@wfkit/core/app";
import type { World } from "@wfkit/world";

/** What a world factory is told: where the app lives and where its data goes. */
export interface WorldContext {
  /** The app's root directory (absolute). */
  root: string;
  /** `WORKFLOW_DATA_DIR`, the `dataDir` option, or `<root>/.workflow-data` (absolute). */
  dataDir: string;
}

/** A World, or a function that opens one. A function is called once, only in the process that serves requests. */
export type WorldOption = World | ((context: WorldContext) => World | Promise<World>);

/** Options of {@link withWorkflow}. */
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
  /** Base of webhook URLs. Default: `WORKFLOW_PUBLIC_URL`, else the origin the Next server listens on. */
  publicUrl?: string;
  /** The module compiled app code imports. Default: `"workflow/internal"`. */
  runtimeModule?: string;
  /** The module the generated route file re-exports its handlers from. Default: `"@wfkit/next/route"`. */
  routeModule?: string;
  /** Write the catch-all route file for `/.well-known/workflow/v1/*` into the app dir. Default true. */
  generateRoute?: boolean;
  /** Runtime tuning: retries, concurrency, webhook limits (see docs/runtime.md). */
  runtime?: AppRuntimeOptions["runtime"];
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  root: string;
  dirs?: string[];
  dataDir: string;
  /** Where compiled step bundles are written: `<distDir>/cache/wfkit`. */
  buildDir: string;
  publicUrl?: string;
  runtimeModule: string;
  routeModule: string;
  generateRoute: boolean;
  world?: WorldOption;
  runtime?: AppRuntimeOptions["runtime"];
}

/** Applies defaults and the `WORKFLOW_DATA_DIR` / `WORKFLOW_PUBLIC_URL` environment variables. */
export function resolveOptions(
  options: WithWorkflowOptions = {},
  distDir = ".next",
  env: NodeJS.ProcessEnv = process.env,
): ResolvedOptions {
  const root = path.resolve(options.root ?? process.cwd());
  const dataDir = path.resolve(root, env.WORKFLOW_DATA_DIR || options.dataDir || ".workflow-data");
  const publicUrl = (env.WORKFLOW_PUBLIC_URL || options.publicUrl)?.replace(/\/+$/, "");
  return {
    root,
    dirs: options.dirs,
    dataDir,
    buildDir: path.resolve(root, distDir, "cache", "wfkit"),
    publicUrl,
    runtimeModule: options.runtimeModule ?? "workflow/internal",
    routeModule: options.routeModule ?? "@wfkit/next/route",
    generateRoute: options.generateRoute ?? true,
    world: options.world,
    runtime: options.runtime,
  };
}
