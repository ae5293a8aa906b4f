import { existsSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  type AppServer,
  type AppServerLogger,
  type AppServerOptions,
  buildWorkflowBundle,
  clientTransform,
  createAppServer,
  DEFAULT_WORKFLOW_DIRS,
  findWorkflowFiles,
  isWatchedSource,
  isWorkflowPath,
  resolveConfig,
  SOURCE,
  WATCH_DEBOUNCE_MS,
  type WorldContext,
} from "@wfkit/builder";
import { formatDiagnostic } from "@wfkit/compiler/format";
import { type NodeHandler, toNodeHandler } from "@wfkit/core/node";
import type { World } from "@wfkit/world";
import type { Plugin, PreviewServer, ResolvedConfig, UserConfig, ViteDevServer } from "vite";
import { ErrorCodes, viteError } from "./errors.js";
import { cleanId, isInside, listenOrigin, VITE_INTERNAL, viteLogger } from "./plugin-helpers.js";

/** Opens the World; called each time the runtime (re)starts, with the app root and the resolved data folder. */
export type WorldFactory = (context: WorldContext) => World | Promise<World>;

export interface WorkflowPluginOptions
  extends Omit<
    AppServerOptions,
    | "root"
    | "world"
    | "logger"
    | "autoStart"
    | "buildDir"
    | "watch"
    | "onRebuild"
    | "env"
    | "lockWaitMs"
    | "routes"
  > {
  /**
   * The World runs are stored in, or (better, so dev-server restarts can
   * reopen it) a function that opens it.
   */
  world: World | WorldFactory;
  /** Root of workflow ids and of the search for workflow files, relative to Vite's root. Default: Vite's root. */
  root?: string;
  /**
   * The app's own server routes: a module (path relative to the root) whose
   * default export is `(request: Request) => Response | undefined` (or a
   * Promise of one). Returning `undefined` passes the request on.
   *
   * - dev: loaded through Vite's SSR pipeline, so it can import workflows
   *   (`start(myWorkflow)`) and edits apply without a restart; mounted before
   *   Vite's own middlewares.
   * - build: built as an SSR entry to `dist/server/api.js`, next to the
   *   client in `dist/client` (unless you set the out dirs yourself).
   * - preview: the built module is mounted.
   */
  api?: string;
  /** Extra paths or globs the dev server's file watcher ignores (e.g. a data directory inside the root). */
  ignore?: string[];
}

/**
 * The Vite plugin of wfkit.
 *
 * - Compiles files with `"use workflow"` / `"use step"` in client mode for the
 *   browser and SSR: workflow functions become stubs that `start()` accepts.
 * - Dev and preview: runs the workflow runtime in the server process and
 *   mounts `/.well-known/workflow/v1/*` (webhooks, health). In dev, saving a
 *   file recompiles the workflows without a restart.
 * - Build: checks that the workflow bundle compiles, and builds the `api`
 *   module for production servers.
 *
 * `workflow/vite` exports this as `workflow()` with the SQLite World bound.
 */
export function workflowPlugin(options: WorkflowPluginOptions): Plugin {
  let config: ResolvedConfig;
  let root: string;
  const closers = new Set<() => Promise<void>>();

  const { world: _world, api: _api, ignore: _ignore, root: _root, ...shared } = options;
  const serverOptions = (logger: AppServerLogger, extra: Partial<AppServerOptions>): AppServerOptions => ({
    ...shared,
    ...extra,
    root,
    world: options.world,
    logger,
    autoStart: false,
  });

  /** Files the runtime compiles: `files`, or directive files under `dirs`. */
  const runtimeFiles = () =>
    options.files?.map((f) => path.resolve(root, f)) ??
    findWorkflowFiles(root, options.dirs ?? DEFAULT_WORKFLOW_DIRS);

  const isRuntimeFile = (file: string) =>
    options.files
      ? options.files.some((f) => path.resolve(root, f) === file)
      : (options.dirs ?? DEFAULT_WORKFLOW_DIRS).some((dir) => isInside(file, path.resolve(root, dir)));

  const apiFile = () => (options.api ? path.resolve(root, options.api) : undefined);

  const callApi = async (mod: Record<string, unknown>, request: Request): Promise<Response | undefined> => {
    const shown = path.relative(config.root, apiFile()!) || options.api!;
    const fn = mod.default;
    if (typeof fn !== "function") {
      throw viteError(
        ErrorCodes.API_ENTRY_INVALID,
        `The api module ${shown} has no default export function (found ${fn === undefined ? "no default export" : typeof fn}).`,
        "Write `export default async function api(request: Request) { … }` returning a Response, or undefined to pass the request on.",
      );
    }
    const response = await (fn as (r: Request) => unknown)(request);
    if (response === undefined || response === null) return undefined;
    if (!(response instanceof Response)) {
      throw viteError(
        ErrorCodes.API_ENTRY_INVALID,
        `The default export of ${shown} returned ${typeof response === "object" ? "an object that is not a Response" : typeof response}.`,
        "Return a Response (e.g. Response.json(data)), or undefined to let the request go on to the next handler.",
      );
    }
    return response;
  };

  /** The api module mounted as a middleware that skips Vite's own requests and the workflow routes. */
  const apiMiddleware = (
    load: () => Promise<Record<string, unknown>>,
    logger: AppServerLogger,
  ): NodeHandler => {
    const node = toNodeHandler(async (request) => callApi(await load(), request), {
      trustProxy: options.trustProxy,
      onError: (error) => logger.error(`wfkit: the api module ${options.api} failed:`, error),
    });
    return (req, res, next) => {
      const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? "/";
      if (VITE_INTERNAL.test(url) || isWorkflowPath(url.split("?")[0]!)) {
        next?.();
        return;
      }
      node(req, res, next);
    };
  };

  const closeAll = async () => {
    const all = [...closers];
    closers.clear();
    await Promise.all(all.map((close) => close()));
  };

  const track = (server: AppServer) => {
    const close = () => server.close();
    closers.add(close);
    return close;
  };

  /** Starts the runtime once the port is known, so runs recovered at startup get the server's address. */
  const startWhenListening = (
    workflow: AppServer,
    server: ViteDevServer | PreviewServer,
    listen: { host?: string | boolean; https?: unknown },
  ) => {
    const close = track(workflow);
    const start = () => void workflow.ready().catch(() => {});
    const http = server.httpServer;
    if (!http || http.listening) {
      start();
      return;
    }
    http.once("listening", () => {
      const origin = listenOrigin(server, listen.host, Boolean(listen.https));
      if (origin) workflow.setOrigin(origin);
      start();
    });
    http.once("close", () => void close());
  };

  return {
    name: "wfkit",
    enforce: "pre",

    config(user, env): UserConfig {
      const base = path.resolve(user.root ?? process.cwd(), options.root ?? ".");
      const extra = [
        ...(options.ignore ?? []),
        resolveConfig({ root: base, dataDir: options.dataDir }).dataDir,
      ];
      // Plain paths are relative to the root; globs are kept as they are.
      const ignored = [
        "**/.workflow-data/**",
        "**/.wfkit/**",
        ...extra.map((p) => (/[*?{[]/.test(p) ? p : `${path.resolve(base, p)}/**`)),
      ];
      const out: UserConfig = { server: { watch: { ignored } } };
      // One copy of the runtime in the server process: Node loads `workflow` itself (also when linked in a monorepo).
      if (user.ssr?.noExternal !== true && user.ssr?.external !== true) out.ssr = { external: ["workflow"] };
      if (options.api && (env.command === "build" || env.isPreview)) {
        const userOut = user.build?.outDir;
        out.environments = {
          client: { build: { outDir: user.environments?.client?.build?.outDir ?? userOut ?? "dist/client" } },
          ssr: {
            build: {
              outDir:
                user.environments?.ssr?.build?.outDir ?? (userOut ? `${userOut}-server` : "dist/server"),
              rollupOptions: { input: { api: path.resolve(base, options.api) } },
            },
          },
        };
        // `vite build` then builds every environment: the client and the api module.
        if (env.command === "build" && !user.builder) out.builder = {};
      }
      return out;
    },

    configResolved(resolved) {
      config = resolved;
      root = path.resolve(resolved.root, options.root ?? ".");
    },

    transform: {
      filter: { id: { include: SOURCE, exclude: /[\\/]node_modules[\\/]|^\0/ } },
      async handler(code, id) {
        const file = cleanId(id);
        if (!SOURCE.test(file) || !isInside(file, root)) return null;
        const result = await clientTransform(code, { filename: file, root });
        if (!result || (result.map === null && result.errors.length + result.warnings.length === 0))
          return null;
        for (const d of result.warnings)
          this.warn({ message: formatDiagnostic(d), id: file, loc: { file, ...d.loc } });
        const first = result.errors[0];
        if (first) {
          this.error({
            message: result.errors.map(formatDiagnostic).join("\n"),
            id: file,
            loc: { file, line: first.loc.line, column: first.loc.column },
            frame: first.codeFrame,
          });
        }
        if (result.manifest.workflows.length + result.manifest.steps.length > 0 && !isRuntimeFile(file)) {
          this.warn(
            `${path.relative(root, file)} has workflows or steps but is not one of the files the workflow runtime compiles (${
              options.files ? "`files`" : `folders: ${(options.dirs ?? DEFAULT_WORKFLOW_DIRS).join(", ")}`
            }), so starting its workflows fails with WF_WORKFLOW_NOT_FOUND. Move it, or add its folder to the \`dirs\` option.`,
          );
        }
        const map = result.map && {
          ...result.map,
          sources: result.map.sources.map((s) => path.resolve(root, s)),
        };
        return { code: result.code, map };
      },
    },

    async buildStart() {
      // Fail the build (not the first production start) on code the runtime cannot compile.
      if (config.command !== "build" || (this.environment && this.environment.name !== "client")) return;
      const files = runtimeFiles();
      try {
        const bundle = await buildWorkflowBundle({ root, files });
        config.logger.info(
          `wfkit: ${bundle.manifest.workflows.length} workflow(s) and ${bundle.manifest.steps.length} step(s) compile; the server compiles them again from ${path.relative(process.cwd(), root) || "."} when it starts.`,
        );
      } catch (error) {
        this.error(error instanceof Error ? error.message : String(error));
      }
    },

    configureServer(server) {
      const logger = viteLogger(server.config.logger);
      const workflow = createAppServer(
        // The dev server is development whatever NODE_ENV says: the inspect route and the web UI are on.
        serverOptions(logger, {
          buildDir: path.join(config.cacheDir, "wfkit"),
          inspect: options.inspect ?? true,
        }),
      );
      startWhenListening(workflow, server, server.config.server);

      server.middlewares.use(workflow.nodeHandler);
      const api = apiFile();
      if (api) {
        const load = async (): Promise<Record<string, unknown>> => {
          const ssr = server.environments?.ssr as {
            runner?: { import(url: string): Promise<Record<string, unknown>> };
          };
          return ssr?.runner ? ssr.runner.import(api) : server.ssrLoadModule(api);
        };
        server.middlewares.use(apiMiddleware(load, logger));
      }

      /** Files that hold workflows or steps (in the runtime's manifest), relative to the root. */
      const manifestFiles = async () => {
        const app = await workflow.ready().catch(() => undefined);
        const manifest = app?.manifest();
        return new Set(
          manifest ? [...manifest.workflows, ...manifest.steps].map((e) => path.resolve(root, e.file)) : [],
        );
      };
      const recompile = async (files: string[], started: number) => {
        try {
          const before = await manifestFiles();
          await workflow.rebuild();
          const after = await manifestFiles();
          const touched = files.filter((f) => before.has(f) || after.has(f));
          if (touched.length > 0) {
            const names = touched.map((f) => path.relative(root, f)).join(", ");
            logger.info(
              `wfkit: recompiled workflows (${names}) in ${Math.round(performance.now() - started)} ms`,
            );
          }
        } catch (error) {
          logger.error("wfkit: recompiling the workflows failed; runs keep the previous code:", error);
          server.ws.send({
            type: "error",
            err: { message: (error as Error)?.message ?? String(error), stack: "" },
          });
        }
      };

      // Recompile the workflows when a source file under the root changes (steps may import any of them).
      let timer: NodeJS.Timeout | undefined;
      const changed = new Set<string>();
      server.watcher.on("all", (event, file) => {
        if (event !== "add" && event !== "change" && event !== "unlink") return;
        const full = path.resolve(file);
        if (!isInside(full, root) || !isWatchedSource(path.relative(root, full))) return;
        changed.add(full);
        clearTimeout(timer);
        timer = setTimeout(() => {
          const files = [...changed];
          changed.clear();
          const started = performance.now();
          void recompile(files, started);
        }, WATCH_DEBOUNCE_MS);
      });
    },

    configurePreviewServer(server) {
      const logger = viteLogger(server.config.logger);
      const workflow = createAppServer(serverOptions(logger, {}));
      startWhenListening(workflow, server, server.config.preview);
      server.middlewares.use(workflow.nodeHandler);
      if (options.api) {
        const outDir = path.resolve(config.root, config.environments.ssr?.build.outDir ?? "dist/server");
        const file = ["api.js", "api.mjs"].map((name) => path.join(outDir, name)).find((f) => existsSync(f));
        if (file) {
          const load = () => import(pathToFileURL(file).href) as Promise<Record<string, unknown>>;
          server.middlewares.use(apiMiddleware(load, logger));
        } else {
          // Without it the page and the workflow routes still work; the api routes do not.
          logger.error(
            `wfkit: ${ErrorCodes.API_ENTRY_INVALID}: the built api module is missing (no api.js in ${
              path.relative(config.root, outDir) || "."
            }), so ${options.api} is not served.\n  Fix: run \`vite build\` before \`vite preview\`; it builds the api module with the client.\n  See: docs/errors/${ErrorCodes.API_ENTRY_INVALID}.md`,
          );
        }
      }
    },

    async closeServer() {
      await closeAll();
    },

    async closePreviewServer() {
      await closeAll();
    },
  };
}
