// The one lifecycle of "the workflow runtime of an app, in a server process",
// shared by the Next and Vite adapters, `wf dev` and production servers.
import type { IncomingMessage } from "node:http";
import {
  codeOf,
  errorResponseFor,
  setDefaultRuntime,
  setDefaultRuntimeFactory,
  WorkflowError,
} from "@wfkit/core";
import { APP_SERVERS_KEY } from "@wfkit/core/globals";
import { type NodeHandler, toNodeHandler } from "@wfkit/core/node";
import type { World } from "@wfkit/world";
import { type AppRuntime, type AppRuntimeOptions, createAppRuntime } from "../app/app-runtime.js";
import type { InspectOption } from "../app/inspect-route.js";
import { isWorkflowPath } from "../app/routes.js";
import { appStatusSecret } from "../app/status-secret.js";
import { type AppConfig, type AppConfigOptions, type ConfigEnv, resolveConfig } from "./config.js";
import { openWorldWaiting, type WorldOption } from "./open-world.js";

/** Where the server's messages go. Vite's logger fits; the default writes to the console. */
export interface AppServerLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface AppServerOptions extends AppConfigOptions {
  /** The World runs are stored in; a function lets the server reopen it after a failed start. Closed by `close()`. */
  world: WorldOption;
  /** Folders (relative to root) searched for `"use workflow"` / `"use step"` files. Default: workflows, app, src, lib. */
  dirs?: readonly string[];
  /** Exact files instead of searching `dirs`. */
  files?: string[];
  /** Where the compiled step bundle is written. Default: `<root>/node_modules/.cache/wfkit`. */
  buildDir?: string;
  /** Recompile when a workflow file changes (development). */
  watch?: boolean;
  /** Told after each rebuild the watcher starts: the files, the workflows now running, or why the old build stays. */
  onRebuild?: AppRuntimeOptions["onRebuild"];
  /**
   * More routes served with the runtime, outside `/.well-known/workflow/v1/`
   * (e.g. `wf dev`'s JSON API). They share the lifecycle: they wait for the
   * start, and get the same 503 / 500 answers.
   */
  routes?: (request: Request, app: AppRuntime) => Promise<Response>;
  /** Runtime tuning (retries, concurrency, webhook limits). The webhook base comes from `publicUrl`. */
  runtime?: Omit<NonNullable<AppRuntimeOptions["runtime"]>, "webhookBaseUrl">;
  /** Where the server logs; default: the console (`consoleLogger`). */
  logger?: AppServerLogger;
  /** Environment read by `resolveConfig()`. Default `process.env`. */
  env?: ConfigEnv;
  /**
   * The inspect route (`/.well-known/workflow/v1/inspect/…`, for `wf inspect --url`):
   * `true` serves it to anyone, `{ authorize }` to requests it accepts, `false` not at all.
   * Default: served in development only (with `watch`, or when `NODE_ENV` is `development`).
   */
  inspect?: InspectOption;
  /** Start at once (compile, open the World, recover runs). With false: on first use. Default true. */
  autoStart?: boolean;
  /**
   * How long to wait for a data folder another process holds, in ms. Default:
   * until it frees (logged when the wait starts, every 10 s, and when it ends);
   * meanwhile the routes answer 503 `WF_W001_DATA_DIR_LOCKED`. `wf dev` passes 0.
   */
  lockWaitMs?: number;
}

export type AppServerState = "idle" | "starting" | "ready" | "failed" | "closed";

/** The workflow runtime of an app in a server process, with its routes. */
export interface AppServer {
  readonly root: string;
  readonly config: AppConfig;
  readonly state: AppServerState;
  /** The base of webhook URLs: the configured one, else the listening address, else undefined (not known yet). */
  readonly webhookBaseUrl: string | undefined;
  /**
   * Web handler for `/.well-known/workflow/v1/*` (webhooks, health); waits
   * while the runtime starts. Runtime not up: 503 `WF_RUNTIME_UNAVAILABLE`
   * (or the start failure's own code); a route threw: 500 `WF_HANDLER_FAILED`;
   * unknown path: 404 `WF_ROUTE_NOT_FOUND`.
   */
  handler(request: Request): Promise<Response>;
  /** The same routes for Node (`node:http`, Connect, Express, Vite); with `next`, other paths are passed on. */
  readonly nodeHandler: NodeHandler;
  /** Resolves once the runtime runs (starting it, or retrying a failed start); rejects if it cannot start. */
  ready(): Promise<AppRuntime>;
  /** Recompiles the workflow files and swaps the new code in; retries the start if it had failed. */
  rebuild(): Promise<void>;
  /** Tells the server its own listening address (`http://host:port`): the webhook base unless one is configured. */
  setOrigin(origin: string): void;
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
  /** The live server of each root in this process: a new one takes over (a dev-server restart builds the new one first). */
  byRoot: Map<string, AppServerImpl>;
  /** The server whose runtime `workflow/api` uses. */
  defaultOwner?: AppServerImpl;
}

function registry(): Registry {
  const g = globalThis as Record<symbol, Registry | undefined>;
  const key = APP_SERVERS_KEY;
  g[key] ??= { byRoot: new Map() };
  return g[key];
}

export const consoleLogger: AppServerLogger = {
  info: (message) => console.log(message),
  warn: (message) => console.warn(message),
  error: (message, error) => (error === undefined ? console.error(message) : console.error(message, error)),
};

const UNAVAILABLE = "WF_RUNTIME_UNAVAILABLE";

function unavailable(message: string, hint: string, cause?: unknown): WorkflowError {
  return new WorkflowError(UNAVAILABLE, message, hint, cause === undefined ? undefined : { cause });
}

const closedError = () =>
  unavailable(
    "The workflow runtime of this server was closed.",
    "Create a new server, or restart the dev server.",
  );

/** A start failure as an error with a code: its own (WF_BUILD_FAILED, WF_W001_…), else WF_RUNTIME_UNAVAILABLE. */
function startError(error: unknown): unknown {
  if (codeOf(error)) return error;
  return unavailable(
    `The workflow runtime could not start: ${error instanceof Error ? error.message : String(error)}`,
    "The server log has the cause and its stack. Fix it; the next request (or a saved file in dev) tries again.",
    error,
  );
}

/** Build errors are shown as their message: their stack is wfkit's, not the app's. */
function shown(error: unknown): unknown {
  const cause = codeOf(error) === UNAVAILABLE ? ((error as Error).cause ?? error) : error;
  return codeOf(cause) === "WF_BUILD_FAILED" ? (cause as Error).message : cause;
}

function pathnameOf(url: string | undefined): string {
  const raw = url ?? "/";
  const end = raw.search(/[?#]/);
  return end < 0 ? raw : raw.slice(0, end);
}

/** `http(s)://address:port` of the socket a request came in on: the server's own address, never a header. */
function socketOrigin(req: IncomingMessage): string | undefined {
  const { localAddress, localPort } = req.socket ?? {};
  if (!localAddress || !localPort) return undefined;
  const host = localAddress.startsWith("::ffff:") ? localAddress.slice(7) : localAddress;
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${localPort}`;
}

class AppServerImpl implements AppServer {
  readonly root: string;
  readonly config: AppConfig;
  readonly nodeHandler: NodeHandler;
  private current: State = { kind: "idle" };
  private origin: string | undefined;
  private worldUsed = false;
  /** The lock error while the start waits for another process to free the data folder. */
  private lockError: Error | undefined;
  private readonly log: AppServerLogger;

  constructor(private readonly options: AppServerOptions) {
    this.config = resolveConfig(options, options.env);
    this.root = this.config.root;
    this.log = options.logger ?? consoleLogger;
    const node = toNodeHandler((request) => this.handler(request), {
      trustProxy: this.config.trustProxy,
      onError: (error) => this.log.error("wfkit: a workflow route failed:", error),
    });
    this.nodeHandler = (req, res, next) => {
      // Mounted in a server that never said where it listens: the socket knows.
      if (!this.origin) {
        const own = socketOrigin(req);
        if (own) this.setOrigin(own);
      }
      const url = (req as { originalUrl?: string }).originalUrl ?? req.url;
      if (next && !isWorkflowPath(pathnameOf(url))) {
        next();
        return;
      }
      node(req, res, next);
    };
    this.handler = this.handler.bind(this);
  }

  get state(): AppServerState {
    return this.current.kind;
  }

  get webhookBaseUrl(): string | undefined {
    return this.config.publicUrl ?? this.origin;
  }

  setOrigin(origin: string): void {
    this.origin = origin.replace(/\/+$/, "");
    const base = this.webhookBaseUrl;
    if (base && this.current.kind === "ready") this.current.app.runtime.setWebhookBase(base);
  }

  async handler(request: Request): Promise<Response> {
    let app: AppRuntime;
    try {
      // Waiting for another process to free the data folder may take long: answer now.
      if (this.current.kind === "starting" && this.lockError) throw this.lockError;
      app = await this.ready();
    } catch (error) {
      return errorResponseFor(
        503,
        error,
        UNAVAILABLE,
        "The workflow runtime did not start; the server log has the cause. Fix it; the next request tries again.",
      );
    }
    try {
      const routes = this.options.routes;
      if (routes && !isWorkflowPath(new URL(request.url).pathname)) return await routes(request, app);
      return await app.handler(request);
    } catch (error) {
      this.log.error("wfkit: a workflow route failed:", error);
      return errorResponseFor(500, error, "WF_HANDLER_FAILED", "The server log has the error and its stack.");
    }
  }

  ready(): Promise<AppRuntime> {
    switch (this.current.kind) {
      case "ready":
        return Promise.resolve(this.current.app);
      case "starting":
        return this.current.promise;
      case "closed":
        return Promise.reject(closedError());
      case "failed":
      case "idle":
        return this.start();
    }
  }

  /** Makes `workflow/api` wait for (and use) this server's runtime. */
  private claimDefault(): void {
    registry().defaultOwner = this;
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
      try {
        const base = this.webhookBaseUrl;
        return await createAppRuntime({
          root: this.root,
          dirs: this.options.dirs,
          files: this.options.files,
          buildDir: this.options.buildDir,
          watch: this.options.watch,
          onRebuild: this.options.onRebuild,
          inspect:
            this.options.inspect ??
            (this.options.watch === true || (this.options.env ?? process.env).NODE_ENV === "development"),
          world,
          setDefault: true,
          runtime: {
            statusSecret: appStatusSecret(this.config),
            logLevel: this.config.logLevel,
            logFormat: this.config.logFormat,
            ...this.options.runtime,
            ...(base && { webhookBaseUrl: base }),
          },
        });
      } catch (error) {
        await world.close().catch(() => {});
        throw startError(error);
      }
    })();
    this.current = { kind: "starting", promise };
    promise.then(
      (app) => {
        if (this.current.kind === "closed") return; // close() closes it
        this.current = { kind: "ready", app };
        // The address may have been told while the runtime started.
        const base = this.webhookBaseUrl;
        if (base) app.runtime.setWebhookBase(base);
        this.logReady(app);
      },
      (error: unknown) => {
        if (this.current.kind === "closed") return;
        this.current = { kind: "failed", error };
        this.log.error("wfkit: the workflow runtime could not start:", shown(error));
      },
    );
    return promise;
  }

  private logReady(app: AppRuntime): void {
    const { workflows, steps } = app.manifest();
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
    this.log.info(
      `wfkit: workflow runtime ready (${plural(workflows.length, "workflow")}, ${plural(steps.length, "step")}, World: ${
        app.runtime.world.name
      }, webhooks at ${app.runtime.webhookBaseUrl}/.well-known/workflow/v1/webhook/)${
        workflows.length ? "" : `; no "use workflow" files found under ${this.root}`
      }`,
    );
  }

  private async openWorld(): Promise<World> {
    const option = this.options.world;
    if (typeof option === "function") {
      const context = {
        root: this.root,
        dataDir: this.config.dataDir,
        ...(this.config.postgresUrl && { postgresUrl: this.config.postgresUrl }),
      };
      return openWorldWaiting(option, context, this.options.lockWaitMs ?? Number.POSITIVE_INFINITY, {
        warn: (m) => this.log.warn(m),
        info: (m) => this.log.info(m),
        waiting: (error) => {
          this.lockError = error;
        },
        closed: () => this.current.kind === "closed",
      });
    }
    if (this.worldUsed) {
      throw unavailable(
        "The World given to the workflow server was closed when its runtime stopped, so the runtime cannot start again.",
        "Pass `world` as a function that opens the World, e.g. world: ({ dataDir }) => sqliteWorld({ dataDir }).",
      );
    }
    this.worldUsed = true;
    return option;
  }

  async rebuild(): Promise<void> {
    const state = this.current;
    switch (state.kind) {
      case "closed":
        throw closedError();
      case "starting":
        await state.promise.catch(() => {});
        return this.rebuild();
      case "idle":
      case "failed":
        await this.start();
        return;
      case "ready":
        await state.app.rebuild();
        return;
    }
  }

  async close(): Promise<void> {
    const state = this.current;
    if (state.kind === "closed") return;
    this.current = { kind: "closed" };
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
 * The workflow runtime of an app, hosted in a server process: resolves the
 * settings ({@link resolveConfig}), compiles the workflow files under `root`,
 * opens the World (waiting for a data folder another process still holds),
 * recovers unfinished runs, makes it the runtime `workflow/api` uses, and
 * serves its routes as `handler` (Web) and `nodeHandler` (Node).
 *
 * Webhook URLs use `publicUrl` / `WORKFLOW_PUBLIC_URL`, else the address the
 * host tells with `setOrigin` once it listens. Request headers never set them.
 *
 * ```js
 * const workflow = createAppServer({ root, world: ({ dataDir }) => sqliteWorld({ dataDir }) });
 * const server = http.createServer((req, res) => workflow.nodeHandler(req, res, () => app(req, res)));
 * server.listen(3000, () => workflow.setOrigin("http://localhost:3000"));
 * ```
 */
export function createAppServer(options: AppServerOptions): AppServer {
  const server = new AppServerImpl(options);
  if (options.autoStart !== false) server.ready().catch(() => {});
  return server;
}
