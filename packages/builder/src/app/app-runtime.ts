import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  errorResponse,
  handleRunStatus,
  isRunStatusPath,
  Runtime,
  type RuntimeOptions,
  setDefaultRuntime,
  type UnbuiltFile,
} from "@wfkit/core";
import type { World } from "@wfkit/world";
import type { WorkflowBundle } from "../bundle/bundle.js";
import { buildAppBundles } from "../bundle/isolate.js";
import { DEFAULT_WORKFLOW_DIRS, findWorkflowFiles } from "./discover.js";
import { handleInspect, type InspectOption, isInspectPath, refuseInspect } from "./inspect-route.js";
import { ROUTE_PREFIX, WEBHOOK_PREFIX } from "./routes.js";
import { isUiPath, serveUi, UI_PATH } from "./ui-route.js";
import { watchSources } from "./watch.js";

const WEBHOOK_PATH = WEBHOOK_PREFIX;

/** Runtime options an app may tune; the World and the workflows come from the app. */
export type AppRuntimeTuning = Omit<Partial<RuntimeOptions>, "world" | "workflows">;

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
    outcome:
      | {
          ok: true;
          workflows: number;
          steps: number;
          files: string[];
          ms: number;
          /** Workflow files left out because they did not build (their workflows wait); usually empty. */
          unbuilt: UnbuiltFile[];
        }
      | { ok: false; error: unknown; files: string[] },
  ) => void;
  /** Make this runtime the one `workflow/api` uses. Default true. */
  setDefault?: boolean;
  /** Serve the inspect route (`/.well-known/workflow/v1/inspect/…`) and the web UI (`…/ui/`). Default false; the app server decides. */
  inspect?: InspectOption;
  /** How long a request body to the inspect route may take to arrive, in ms. Default 10 s. */
  bodyTimeoutMs?: number;
  /** Runtime tuning; `webhookBaseUrl` is the base of every webhook URL (the app server passes it). */
  runtime?: AppRuntimeTuning;
}

/** A runtime built from an app's workflow files, with the routes it serves. */
export interface AppRuntime {
  runtime: Runtime;
  /** Serves `/.well-known/workflow/v1/*`; answers 404 `WF_ROUTE_NOT_FOUND` for anything else under it. */
  handler(request: Request): Promise<Response>;
  /** The workflows and steps found, with their ids. */
  manifest(): WorkflowBundle["manifest"];
  /** Workflow files left out of the current build because they did not build (empty when all did). */
  unbuilt(): readonly UnbuiltFile[];
  /** Compiles again and swaps the new code in (warm instances of old code are dropped). */
  rebuild(): Promise<void>;
  close(): Promise<void>;
}

async function build(options: AppRuntimeOptions) {
  const files =
    options.files?.map((f) => path.resolve(options.root, f)) ??
    findWorkflowFiles(options.root, options.dirs ?? DEFAULT_WORKFLOW_DIRS);
  // A file that does not build is left out; the others run (bundle/isolate.ts).
  const { workflows, steps, unbuilt } = await buildAppBundles({
    root: options.root,
    files,
    outDir: options.buildDir,
  });
  // A new file name per content hash, so a rebuilt bundle is a new module instance.
  await import(/* webpackIgnore: true */ /* @vite-ignore */ pathToFileURL(steps.file).href);
  return { workflows: { ...workflows, unbuilt }, files, unbuilt };
}

/** One error line per file left out of the build, in every host's log (wf dev, Next, Vite). */
function logUnbuilt(runtime: Runtime, unbuilt: readonly UnbuiltFile[]): void {
  for (const { file, message } of unbuilt) {
    runtime.log("error", [
      `wfkit: ${file} did not build (WF_WORKFLOW_BUILD_FAILED). Its workflows cannot start and its runs wait until it builds; the other workflows keep running.\n${message}`,
    ]);
  }
}

/**
 * Compiles an app's workflow files, starts a runtime on `world` and recovers
 * unfinished runs. Most hosts want {@link createAppServer}, which adds the
 * lifecycle (lock wait, restarts, error answers) around this.
 */
export async function createAppRuntime(options: AppRuntimeOptions): Promise<AppRuntime> {
  const root = path.resolve(options.root);
  const opts = { ...options, root };
  let current = await build(opts);
  const runtime = new Runtime({ ...options.runtime, world: options.world, workflows: current.workflows });
  if (options.setDefault !== false) setDefaultRuntime(runtime);
  logUnbuilt(runtime, current.unbuilt);
  await runtime.recover();

  let rebuilding: Promise<void> | undefined;
  const rebuild = async () => {
    rebuilding ??= (async () => {
      try {
        current = await build(opts);
        runtime.reload(current.workflows);
        logUnbuilt(runtime, current.unbuilt);
      } finally {
        rebuilding = undefined;
      }
    })();
    return rebuilding;
  };

  const stopWatching = options.watch
    ? watchSources(root, options.dirs ?? DEFAULT_WORKFLOW_DIRS, (files) => {
        const started = performance.now();
        rebuild().then(
          () => {
            const { workflows, steps } = current.workflows.manifest;
            const ms = Math.round(performance.now() - started);
            options.onRebuild?.({
              ok: true,
              workflows: workflows.length,
              steps: steps.length,
              files,
              ms,
              unbuilt: current.unbuilt,
            });
          },
          (error) => {
            if (options.onRebuild) options.onRebuild({ ok: false, error, files });
            else runtime.log("error", ["wfkit: rebuilding workflows failed", error]);
          },
        );
      })
    : () => {};

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname.startsWith(WEBHOOK_PATH)) return runtime.handleWebhook(request);
    if (isRunStatusPath(url.pathname)) return handleRunStatus(runtime, request);
    if (isInspectPath(url.pathname)) {
      const workflows = () => current.workflows.manifest.workflows.map((w) => w.id);
      return handleInspect({ world: runtime.world, runtime, workflows }, request, options.inspect ?? false, {
        timeoutMs: options.bodyTimeoutMs,
      });
    }
    if (isUiPath(url.pathname)) {
      // The UI shows what the inspect route shows: the same option guards it.
      const ui =
        (await refuseInspect(options.inspect ?? false, request)) ?? (await serveUi(request, UI_PATH));
      if (ui) return ui;
    }
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
      `Webhook URLs look like ${WEBHOOK_PATH}<token> (take them from webhook.url in workflow code); run status URLs come from acceptedResponse() or statusUrl() in "workflow/api".`,
    );
  };

  return {
    runtime,
    handler,
    manifest: () => current.workflows.manifest,
    unbuilt: () => current.unbuilt,
    rebuild,
    async close() {
      stopWatching();
      await runtime.close();
    },
  };
}
