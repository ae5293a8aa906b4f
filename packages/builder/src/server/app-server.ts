// The one lifecycle of "the workflow runtime of an app, in a server process",
// shared by the Next and Vite adapters, `wf dev` and production servers: the
// states idle → starting → ready / failed → closed, one live server per root in
// the process, and the World opened (and reopened) for each start.
import { setDefaultRuntime, setDefaultRuntimeFactory } from "@wfkit/core";
import { APP_SERVERS_KEY } from "@wfkit/core/globals";
import type { NodeHandler } from "@wfkit/core/node";
import type { World } from "@wfkit/world";
import { type AppRuntime, createAppRuntime } from "../app/app-runtime.js";
import { appStatusSecret } from "../app/status-secret.js";
import { appNodeHandler, type HandlerHost, handleAppRequest } from "./app-handler.js";
import type { AppServer, AppServerOptions, AppServerState } from "./app-server-types.js";
import { type AppConfig, resolveConfig } from "./config.js";
import { closedError, startError, unavailable } from "./lifecycle-errors.js";
import { openWorldWaiting } from "./open-world.js";
import { type AppServerLogger, consoleLogger, logReady, logStartFailure } from "./server-log.js";

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
  private readonly host: HandlerHost;

  constructor(private readonly options: AppServerOptions) {
    this.config = resolveConfig(options, options.env);
    this.root = this.config.root;
    this.log = options.logger ?? consoleLogger;
    this.host = {
      config: this.config,
      options,
      log: this.log,
      origin: () => this.origin,
      setOrigin: (origin) => this.setOrigin(origin),
      runtime: () => {
        // Waiting for another process to free the data folder may take long: answer now.
        if (this.current.kind === "starting" && this.lockError) throw this.lockError;
        return this.ready();
      },
    };
    this.nodeHandler = appNodeHandler(this.host, (request) => this.handler(request));
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

  handler(request: Request): Promise<Response> {
    return handleAppRequest(this.host, request);
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
          bodyTimeoutMs: this.config.bodyTimeoutMs,
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
            webhook: { bodyTimeoutMs: this.config.bodyTimeoutMs, ...this.options.runtime?.webhook },
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
        logReady(this.log, app, this.root);
      },
      (error: unknown) => {
        if (this.current.kind === "closed") return;
        this.current = { kind: "failed", error };
        logStartFailure(this.log, error);
      },
    );
    return promise;
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
