import { type FSWatcher, readdirSync, readFileSync, statSync, watch } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { World } from "@wfkit/world";
import { buildStepBundle, buildWorkflowBundle, type WorkflowBundle } from "../build/bundle.js";
import { errorResponse } from "../errors/response.js";
import { setDefaultRuntime } from "../host/default.js";
import { Runtime, type RuntimeOptions } from "../host/runtime.js";
import { WEBHOOK_PATH } from "../host/webhook.js";

/** Everything the runtime serves lives under this prefix. */
export const ROUTE_PREFIX = "/.well-known/workflow/v1/";

/** Folders never searched or watched for workflow files. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  "node_modules",
  ".next",
  ".git",
  "dist",
  "build",
  ".workflow-data",
  ".wfkit",
  ".turbo",
  "coverage",
  ".vite",
]);
/** Folders searched for workflow files by default. */
export const DEFAULT_WORKFLOW_DIRS: readonly string[] = ["workflows", "app", "src", "lib"];
const SOURCE = /\.(?:[cm]?[jt]sx?)$/;
const DIRECTIVE = /(["'])use (?:workflow|step)\1/;

/** Files under `dirs` (relative to root) whose text has a "use workflow" / "use step" directive. */
export function findWorkflowFiles(root: string, dirs: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      if (SKIPPED_DIRS.has(name) || name.startsWith(".")) continue;
      const full = path.join(dir, name);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory()) walk(full);
      else if (SOURCE.test(name) && !name.endsWith(".d.ts") && DIRECTIVE.test(readFileSync(full, "utf8")))
        found.push(full);
    }
  };
  for (const dir of dirs) walk(path.resolve(root, dir));
  return found.sort();
}

export interface AppRuntimeOptions {
  /** The app's root: workflow ids use paths relative to it. */
  root: string;
  /** Folders (relative to root) searched for directive files. Default: workflows, app, src, lib. */
  dirs?: readonly string[];
  /** Exact files instead of searching `dirs`. */
  files?: string[];
  world: World;
  /** Where step bundles are written. Default: `<root>/node_modules/.cache/wfkit`. */
  buildDir?: string;
  /** Rebuild when a file under `dirs` changes (development). */
  watch?: boolean;
  /** Told after each rebuild the watcher starts: the workflows now running, or why the old build stays. */
  onRebuild?: (
    outcome: { ok: true; workflows: number; steps: number } | { ok: false; error: unknown },
  ) => void;
  /** Make this runtime the one `workflow/api` uses. Default true. */
  setDefault?: boolean;
  runtime?: Omit<Partial<RuntimeOptions>, "world" | "workflows">;
}

/** A runtime built from an app's workflow files, with the routes it serves. */
export interface AppRuntime {
  runtime: Runtime;
  /** Serves `/.well-known/workflow/v1/*`; answers 404 with a code for anything else under it. */
  handler(request: Request): Promise<Response>;
  /** The workflows and steps found, with their ids. */
  manifest(): WorkflowBundle["manifest"];
  /** Compiles again and swaps the new code in (warm instances of old code are dropped). */
  rebuild(): Promise<void>;
  close(): Promise<void>;
}

async function build(options: AppRuntimeOptions) {
  const files =
    options.files?.map((f) => path.resolve(options.root, f)) ??
    findWorkflowFiles(options.root, options.dirs ?? DEFAULT_WORKFLOW_DIRS);
  const [workflows, steps] = await Promise.all([
    buildWorkflowBundle({ root: options.root, files }),
    buildStepBundle({ root: options.root, files, outDir: options.buildDir }),
  ]);
  // A new file name per content hash, so a rebuilt bundle is a new module instance.
  await import(/* webpackIgnore: true */ /* @vite-ignore */ pathToFileURL(steps.file).href);
  return { workflows, files };
}

/**
 * Compiles an app's workflow files, starts a runtime on `world` and recovers
 * unfinished runs. Framework adapters mount `handler` and call `close` on shutdown.
 */
export async function createAppRuntime(options: AppRuntimeOptions): Promise<AppRuntime> {
  const root = path.resolve(options.root);
  const opts = { ...options, root };
  let current = await build(opts);
  const configuredBase = options.runtime?.webhookBaseUrl ?? process.env.WORKFLOW_PUBLIC_URL;
  const runtime = new Runtime({ ...options.runtime, world: options.world, workflows: current.workflows });
  if (options.setDefault !== false) setDefaultRuntime(runtime);
  await runtime.recover();

  let rebuilding: Promise<void> | undefined;
  const rebuild = async () => {
    rebuilding ??= (async () => {
      try {
        current = await build(opts);
        runtime.reload(current.workflows);
      } finally {
        rebuilding = undefined;
      }
    })();
    return rebuilding;
  };

  let watcher: FSWatcher[] = [];
  if (options.watch) {
    let timer: NodeJS.Timeout | undefined;
    const onChange = (_: string, file: string | null) => {
      if (file && (!SOURCE.test(file) || file.split(/[\\/]/).some((part) => SKIPPED_DIRS.has(part)))) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        rebuild().then(
          () => {
            const { workflows, steps } = current.workflows.manifest;
            options.onRebuild?.({ ok: true, workflows: workflows.length, steps: steps.length });
          },
          (error) => {
            if (options.onRebuild) options.onRebuild({ ok: false, error });
            else runtime.log("error", ["wfkit: rebuilding workflows failed", error]);
          },
        );
      }, 50);
    };
    watcher = (options.dirs ?? DEFAULT_WORKFLOW_DIRS).flatMap((dir) => {
      try {
        return [watch(path.resolve(root, dir), { recursive: true }, onChange)];
      } catch {
        return [];
      }
    });
  }

  let baseSet = Boolean(configuredBase);
  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (!baseSet) {
      // No configured base: webhook URLs use the origin this app is first reached at.
      runtime.setWebhookBase(url.origin);
      baseSet = true;
    }
    if (url.pathname.startsWith(WEBHOOK_PATH)) return runtime.handleWebhook(request);
    if (url.pathname === `${ROUTE_PREFIX}health`) {
      return Response.json({
        ok: true,
        world: runtime.world.name,
        workflows: current.workflows.manifest.workflows.length,
      });
    }
    return errorResponse(
      404,
      "WF_ROUTE_NOT_FOUND",
      `${url.pathname} is not a route of the workflow runtime.`,
      `Webhook URLs look like ${WEBHOOK_PATH}<token>; take them from webhook.url in workflow code.`,
    );
  };

  return {
    runtime,
    handler,
    manifest: () => current.workflows.manifest,
    rebuild,
    async close() {
      for (const w of watcher) w.close();
      await runtime.close();
    },
  };
}
