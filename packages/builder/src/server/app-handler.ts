// The app server's routes as a Web handler and a Node handler: the development
// guard, the wait for the runtime, and the error answers of the lifecycle.
import type { IncomingMessage } from "node:http";
import { errorResponseFor } from "@wfkit/core";
import { type NodeHandler, toNodeHandler } from "@wfkit/core/node";
import type { AppRuntime } from "../app/app-runtime.js";
import { isDevToolPath, isWorkflowPath, WEBHOOK_PREFIX } from "../app/routes.js";
import type { AppServerOptions } from "./app-server-types.js";
import type { AppConfig } from "./config.js";
import { UNAVAILABLE } from "./lifecycle-errors.js";
import { guardDevRequest } from "./request-guard.js";
import type { AppServerLogger } from "./server-log.js";

/** What the handlers need of the server they serve. */
export interface HandlerHost {
  readonly config: AppConfig;
  readonly options: Pick<AppServerOptions, "guard" | "routes">;
  readonly log: AppServerLogger;
  /** The listening address the server was told, if any. */
  origin(): string | undefined;
  setOrigin(origin: string): void;
  /** The running runtime; throws at once while the start waits for a data folder another process holds. */
  runtime(): Promise<AppRuntime>;
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

/** The development guard's answer for a request it refuses; webhooks pass untouched. */
function guard(host: HandlerHost, request: Request): Response | undefined {
  const pathname = new URL(request.url).pathname;
  if (pathname.startsWith(WEBHOOK_PREFIX)) return undefined;
  const guarded =
    host.options.guard === "all" ||
    isDevToolPath(pathname) ||
    (host.options.routes !== undefined && !isWorkflowPath(pathname));
  if (!guarded) return undefined;
  return guardDevRequest(request, {
    allowedHosts: host.config.allowedHosts,
    ownOrigins: [host.origin(), host.config.publicUrl],
  });
}

/** The Web handler of `AppServer.handler`. */
export async function handleAppRequest(host: HandlerHost, request: Request): Promise<Response> {
  const refused = guard(host, request);
  if (refused) return refused;
  let app: AppRuntime;
  try {
    app = await host.runtime();
  } catch (error) {
    return errorResponseFor(
      503,
      error,
      UNAVAILABLE,
      "The workflow runtime did not start; the server log has the cause. Fix it; the next request tries again.",
    );
  }
  try {
    const routes = host.options.routes;
    if (routes && !isWorkflowPath(new URL(request.url).pathname)) return await routes(request, app);
    return await app.handler(request);
  } catch (error) {
    host.log.error("wfkit: a workflow route failed:", error);
    return errorResponseFor(500, error, "WF_HANDLER_FAILED", "The server log has the error and its stack.");
  }
}

/** The Node handler of `AppServer.nodeHandler`: `handler` for workflow paths; with `next`, other paths are passed on. */
export function appNodeHandler(
  host: HandlerHost,
  handler: (request: Request) => Promise<Response>,
): NodeHandler {
  const node = toNodeHandler(handler, {
    trustProxy: host.config.trustProxy,
    onError: (error) => host.log.error("wfkit: a workflow route failed:", error),
  });
  return (req, res, next) => {
    // Mounted in a server that never said where it listens: the socket knows.
    if (!host.origin()) {
      const own = socketOrigin(req);
      if (own) host.setOrigin(own);
    }
    const url = (req as { originalUrl?: string }).originalUrl ?? req.url;
    if (next && !isWorkflowPath(pathnameOf(url))) {
      next();
      return;
    }
    node(req, res, next);
  };
}
