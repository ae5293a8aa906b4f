// The public shape of the app server: its options, its states and what it offers.
import type { NodeHandler } from "@wfkit/core/node";
import type { AppRuntime, AppRuntimeOptions } from "../app/app-runtime.js";
import type { InspectOption } from "../app/inspect-route.js";
import type { AppConfig, AppConfigOptions, ConfigEnv } from "./config.js";
import type { WorldOption } from "./open-world.js";
import type { AppServerLogger } from "./server-log.js";

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
   * start, and get the same 503 / 500 answers. They are development routes:
   * behind the guard (see `guard`).
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
  /**
   * Which routes only answer requests of the server's own user (a `Host` it
   * knows, writes from its own origin, JSON bodies; docs/security.md):
   * `"dev"` the development routes (inspect, web UI, `routes`); `"all"` every
   * route but webhooks (`wf dev`). Webhooks are never guarded. Default `"dev"`.
   */
  guard?: "dev" | "all";
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
