import path from "node:path";
import { setDefaultRuntime, setDefaultRuntimeFactory } from "@wfkit/core";
import { type AppRuntime, type AppRuntimeOptions, createAppRuntime, ROUTE_PREFIX } from "@wfkit/core/app";
import { type NodeHandler, requestOrigin, toNodeHandler } from "@wfkit/core/node";
import type { World } from "@wfkit/world";
import { codeOf, ErrorCodes, errorResponseFor, viteError } from "./errors.js";

export { ROUTE_PREFIX };

/** A World, or a function that opens one (called each time the runtime starts; preferred). */
export type WorldOption = World | (() => World | Promise<World>);

/** Where messages go. Vite's logger fits; the default writes to the console. */
export interface WorkflowLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface WorkflowServerOptions {
  /** The app's root: workflow files are searched under it and their ids are relative to it. Default `process.cwd()`. */
  root?: string;
  /**
   * The World runs are stored in. Pass a function that opens it, so that the
   * runtime can open it again after a failed start or a dev-server restart.
   * The server owns the World and closes it in `close()`.
   */
  world: WorldOption;
  /** Folders (relative to root) searched for `"use workflow"` / `"use step"` files. Default: workflows, app, src, lib. */
  dirs?: string[];
  /** Exact files instead of searching `dirs`. */
  files?: string[];
  /** Where the compiled step bundle is written. Default: `<root>/node_modules/.cache/wfkit`. */
  buildDir?: string;
  /**
   * Public origin of the app, the base of webhook URLs. Default: the
   * `WORKFLOW_PUBLIC_URL` environment variable, else the origin of the first
   * request this server sees.
   */
  publicUrl?: string;
  /** Read the origin from `X-Forwarded-Proto`/`X-Forwarded-Host` (only behind a proxy you trust). */
  trustProxy?: boolean;
  /** Runtime options (step retries, webhook body limit, …). */
  runtime?: AppRuntimeOptions["runtime"];
  logger?: WorkflowLogger;
  /**
   * Start the runtime (compile the workflows, recover unfinished runs) at once.
   * With false it starts on the first request, `start()` call or `ready()`. Default true.
   */
  autoStart?: boolean;
}

/** The workflow runtime of an app, with its routes as a Web handler and a Node handler. */
export interface WorkflowServer {
  /** The app root. */
  readonly root: string;
  /**
   * Web-standard handler for `/.well-known/workflow/v1/*` (webhooks, health).
   * Other paths get 404 `WF_ROUTE_NOT_FOUND`. While the runtime starts,
   * requests wait; if it could not start they get 503 with the cause's code.
   */
  handler(request: Request): Promise<Response>;
  /**
   * The same routes for Node (`node:http`, Connect, Express, Vite):
   * `(req, res, next?)`. With `next`, requests outside
   * `/.well-known/workflow/v1/` are passed on; without it they get the 404.
   */
  nodeHandler: NodeHandler;
  /** Resolves once the runtime runs (starting it if needed); rejects if it could not start. */
  ready(): Promise<AppRuntime>;
  /** Recompiles the workflow files and swaps the new code in; retries the start if it had failed. */
  rebuild(): Promise<void>;
  /** Sets the base of webhook URLs unless one is configured (used by dev servers once they listen). */
  setOrigin(origin: string, options?: { ifUnset?: boolean }): void;
  /** Stops the runtime and closes the World. Requests afterwards get 503. */
  close(): Promise<void>;
}

type State =
  | { kind: "idle" }
  | { kind: "starting"; promise: Promise<AppRuntime> }
  | { kind: "ready"; app: AppRuntime }
  | { kind: "failed"; error: unknown }
  | { kind: "closed" };

interface Registry {
  /** The live server of each root in this process: a new one takes over (a Vite restart builds the new server first). */
  byRoot: Map<string, WorkflowServerImpl>;
  /** The server whose runtime `workflow/api` uses. */
  defaultOwner?: WorkflowServerImpl;
}

function registry(): Registry {
  const g = globalThis as Record<symbol, Registry | undefined>;
  const key = Symbol.for("wfkit.vite.servers");
  g[key] ??= { byRoot: new Map() };
  return g[key];
}

export const consoleLogger: WorkflowLogger = {
  info: (message) => console.log(message),
  warn: (message) => console.warn(message),
  error: (message, error) => (error === undefined ? console.error(message) : console.error(message, error)),
};

function pathnameOf(url: string | undefined): string {
  const raw = url ?? "/";
  const end = raw.search(/[?#]/);
  return end < 0 ? raw : raw.slice(0, end);
}

/** Is this path served by the workflow runtime? */
export function isWorkflowPath(pathname: string): boolean {
  return pathname.startsWith(ROUTE_PREFIX) || pathname === ROUTE_PREFIX.slice(0, -1);
}

function closedError() {
  return viteError(
    "WF_RUNTIME_CLOSED",
    "The workflow runtime of this server was closed.",
    "Create a new server (createWorkflowServer) or restart the dev server.",
  );
}

/** A start failure as an error with a code: its own (WF_BUILD_FAILED, WF_W001_…), else WF_VITE_RUNTIME_UNAVAILABLE. */
function startError(error: unknown): unknown {
  if (codeOf(error)) return error;
  return viteError(
    ErrorCodes.RUNTIME_UNAVAILABLE,
    `The workflow runtime could not start: ${error instanceof Error ? error.message : String(error)}`,
    "The server log has the cause and its stack. Fix it, then save a file (dev), call rebuild() or restart.",
    error,
  );
}

/** Shows build errors as their message (their stack is wfkit's, not the app's). */
function shown(error: unknown): unknown {
  return codeOf(error) === "WF_BUILD_FAILED" ? (error as Error).message : error;
}

class WorkflowServerImpl implements WorkflowServer {
  readonly root: string;
  readonly nodeHandler: NodeHandler;
  private state: State = { kind: "idle" };
  private readonly configuredBase: string | undefined;
  private origin: string | undefined;
  private originFromRequest = false;
  private worldUsed = false;
  private readonly log: WorkflowLogger;

  constructor(private readonly options: WorkflowServerOptions) {
    this.root = path.resolve(options.root ?? process.cwd());
    this.log = options.logger ?? consoleLogger;
    const base = options.publicUrl ?? options.runtime?.webhookBaseUrl ?? process.env.WORKFLOW_PUBLIC_URL;
    this.configuredBase = base ? base.replace(/\/+$/, "") : undefined;
    const node = toNodeHandler((request) => this.handler(request), {
      trustProxy: options.trustProxy,
      onError: (error) => this.log.error("wfkit: a workflow route failed:", error),
    });
    this.nodeHandler = (req, res, next) => {
      this.observe(requestOrigin(req, options));
      const url = (req as { originalUrl?: string }).originalUrl ?? req.url;
      if (next && !isWorkflowPath(pathnameOf(url))) {
        next();
        return;
      }
      node(req, res, next);
    };
    this.handler = this.handler.bind(this);
  }

  /** The first request's origin becomes the webhook base (unless configured). */
  private observe(origin: string): void {
    if (this.originFromRequest) return;
    this.originFromRequest = true;
    this.setOrigin(origin);
  }

  setOrigin(origin: string, options: { ifUnset?: boolean } = {}): void {
    if (this.configuredBase) return;
    if (options.ifUnset && this.origin) return;
    this.origin = origin.replace(/\/+$/, "");
    if (this.state.kind === "ready") this.state.app.runtime.setWebhookBase(this.origin);
  }

  async handler(request: Request): Promise<Response> {
    this.observe(new URL(request.url).origin);
    let app: AppRuntime;
    try {
      app = await this.ready();
    } catch (error) {
      return errorResponseFor(
        503,
        error,
        ErrorCodes.RUNTIME_UNAVAILABLE,
        "The workflow runtime did not start; the server log has the cause. Fix it and restart (in dev, save a file to retry).",
      );
    }
    try {
      return await app.handler(request);
    } catch (error) {
      this.log.error("wfkit: a workflow route failed:", error);
      return errorResponseFor(
        500,
        error,
        ErrorCodes.HANDLER_FAILED,
        "The server log has the error and its stack.",
      );
    }
  }

  ready(): Promise<AppRuntime> {
    switch (this.state.kind) {
      case "ready":
        return Promise.resolve(this.state.app);
      case "starting":
        return this.state.promise;
      case "failed":
        return Promise.reject(this.state.error);
      case "closed":
        return Promise.reject(closedError());
      case "idle":
        return this.start();
    }
  }

  /** Makes `workflow/api` wait for (and use) this server's runtime. */
  private claimDefault(): void {
    const reg = registry();
    reg.defaultOwner = this;
    // Not a runtime set earlier (e.g. the one of the server this one replaces): wait for ours.
    setDefaultRuntime(undefined);
    setDefaultRuntimeFactory(() => this.ready().then((app) => app.runtime));
  }

  private start(): Promise<AppRuntime> {
    const reg = registry();
    const previous = reg.byRoot.get(this.root);
    reg.byRoot.set(this.root, this);
    this.claimDefault();
    const promise = (async () => {
      if (previous && previous !== this) await previous.close();
      const world = await this.openWorld().catch((error: unknown) => {
        throw startError(error);
      });
      let app: AppRuntime;
      try {
        app = await createAppRuntime({
          root: this.root,
          dirs: this.options.dirs,
          files: this.options.files,
          buildDir: this.options.buildDir,
          world,
          setDefault: true,
          runtime: {
            ...this.options.runtime,
            ...(this.configuredBase && { webhookBaseUrl: this.configuredBase }),
          },
        });
      } catch (error) {
        await world.close().catch(() => {});
        throw startError(error);
      }
      if (this.origin && !this.configuredBase) app.runtime.setWebhookBase(this.origin);
      return app;
    })();
    this.state = { kind: "starting", promise };
    promise.then(
      (app) => {
        if (this.state.kind === "closed") return; // close() closes it
        this.state = { kind: "ready", app };
        const { workflows, steps } = app.manifest();
        this.log.info(
          `wfkit: runtime ready (${workflows.length} workflow${workflows.length === 1 ? "" : "s"}, ${steps.length} step${
            steps.length === 1 ? "" : "s"
          }, World: ${app.runtime.world.name})${workflows.length ? "" : `; no "use workflow" files found under ${this.root}`}`,
        );
      },
      (error: unknown) => {
        if (this.state.kind === "closed") return;
        this.state = { kind: "failed", error };
        const cause =
          codeOf(error) === ErrorCodes.RUNTIME_UNAVAILABLE ? ((error as Error).cause ?? error) : error;
        this.log.error("wfkit: the workflow runtime could not start:", shown(cause));
      },
    );
    return promise;
  }

  private async openWorld(): Promise<World> {
    const option = this.options.world;
    if (typeof option === "function") return option();
    if (this.worldUsed) {
      throw viteError(
        ErrorCodes.RUNTIME_UNAVAILABLE,
        "The World given to the workflow server was closed when its runtime stopped, so the runtime cannot start again.",
        "Pass `world` as a function that opens the World, e.g. world: () => sqliteWorld({ dataDir }).",
      );
    }
    this.worldUsed = true;
    return option;
  }

  async rebuild(): Promise<void> {
    const state = this.state;
    switch (state.kind) {
      case "closed":
        throw closedError();
      case "starting":
        await state.promise.catch(() => {});
        return this.rebuild();
      case "idle":
      case "failed":
        this.state = { kind: "idle" };
        await this.start();
        return;
      case "ready":
        await state.app.rebuild();
        return;
    }
  }

  async close(): Promise<void> {
    const state = this.state;
    if (state.kind === "closed") return;
    this.state = { kind: "closed" };
    const reg = registry();
    if (reg.byRoot.get(this.root) === this) reg.byRoot.delete(this.root);
    if (reg.defaultOwner === this) {
      reg.defaultOwner = undefined;
      setDefaultRuntime(undefined);
      setDefaultRuntimeFactory(() => Promise.reject(closedError()));
    }
    const app =
      state.kind === "ready"
        ? state.app
        : state.kind === "starting"
          ? await state.promise.catch(() => undefined)
          : undefined;
    await app?.close();
  }
}

/**
 * The workflow runtime of an app for production servers: compiles the
 * workflow files under `root`, starts the runtime on `world` (recovering
 * unfinished runs), makes it the runtime `workflow/api` uses, and returns its
 * routes as `handler` (Web) and `nodeHandler` (Node).
 *
 * ```js
 * const workflow = createWorkflowServer({ root, world: () => sqliteWorld({ dataDir }) });
 * http.createServer((req, res) => workflow.nodeHandler(req, res, () => app(req, res)));
 * ```
 */
export function createWorkflowServer(options: WorkflowServerOptions): WorkflowServer {
  const server = new WorkflowServerImpl(options);
  if (options.autoStart !== false) server.ready().catch(() => {});
  return server;
}
