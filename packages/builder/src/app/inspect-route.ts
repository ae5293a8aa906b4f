// The inspect route: JSON over HTTP for `wf inspect --url` and the web UI.
// Read-only views, live updates (server-sent events), and the three actions
// of the CLI (cancel, resume a hook, rerun).
import {
  CLOSE_CONNECTION,
  cancelStoredRun,
  codeOf,
  createInspector,
  deserialize,
  errorResponse,
  errorResponseFor,
  type JsonBodyLimits,
  type Runtime,
  readJsonBody,
  WorkflowError,
  WorkflowRunNotFoundError,
} from "@wfkit/core";
import type { RunStatus, World } from "@wfkit/world";
import { inspectEventStream } from "./inspect-stream.js";
import { ROUTE_PREFIX } from "./routes.js";

/** Where the inspect route is served. */
export const INSPECT_PATH = `${ROUTE_PREFIX}inspect/`;

/**
 * Who may use the inspect route (and the web UI). `true`: anyone who reaches
 * the server (for development); `{ authorize }`: requests `authorize` accepts
 * (production).
 */
export type InspectOption = boolean | { authorize(request: Request): boolean | Promise<boolean> };

/**
 * What the inspect route reads and drives: a World, and the runtime running
 * on it when there is one. Without a runtime (`wf ui --data-dir`) the route
 * is read-only and has no live run changes.
 */
export interface InspectBackend {
  world: World;
  runtime?: Runtime;
  /** The workflow ids the app has (for the UI's filter). */
  workflows?: () => string[];
}

export function isInspectPath(pathname: string): boolean {
  return pathname.startsWith(INSPECT_PATH);
}

/** The answer to a request `option` refuses, or undefined when it may go on. */
export async function refuseInspect(option: InspectOption, request: Request): Promise<Response | undefined> {
  if (option === false) return notFound(new URL(request.url).pathname);
  if (option === true || (await option.authorize(request))) return undefined;
  return errorResponse(
    403,
    "WF_INSPECT_FORBIDDEN",
    "The inspect route refused this request: the server's inspect.authorize() did not accept it.",
    "Send the credentials your authorize function checks, or use `wf inspect --data-dir` on the server's machine.",
  );
}

const readOnly = () =>
  new WorkflowError(
    "WF_INSPECT_READ_ONLY",
    "These runs are read from a data folder, with no workflow runtime to resume or rerun them (that runs workflow code).",
    "Start the app (wf dev, or your server) and use its UI, or `wf ui --url <the app's address>`.",
  );

/**
 * Serves `GET info`, `GET runs`, `GET runs/:id`, `GET runs/:id/events`,
 * `GET runs/:id/streams`, `GET runs/:id/stream?namespace=&from=`, `GET stream` (server-sent events),
 * `POST runs/:id/cancel|rerun`, `POST hooks/:token/resume`.
 */
export async function handleInspect(
  backend: InspectBackend | Runtime,
  request: Request,
  option: InspectOption,
  limits: JsonBodyLimits = {},
): Promise<Response> {
  const refused = await refuseInspect(option, request);
  if (refused) return refused;
  const { world, runtime, workflows } =
    "world" in backend && !("start" in backend) ? backend : { world: backend.world, runtime: backend };
  const url = new URL(request.url);
  const parts = url.pathname.slice(INSPECT_PATH.length).split("/").map(decodeURIComponent);
  const inspector = createInspector(world);
  const q = url.searchParams;
  const number = (name: string) => (q.has(name) ? Number(q.get(name)) : undefined);
  const get = request.method === "GET";
  const post = request.method === "POST";
  try {
    if (get && parts.length === 1 && parts[0] === "info") {
      return Response.json({
        world: world.name,
        actions: runtime !== undefined,
        // Cancelling needs no workflow code: a data folder read without a runtime can be cancelled in.
        cancel: true,
        live: runtime !== undefined,
        workflows: workflows?.() ?? [],
      });
    }
    if (get && parts.length === 1 && parts[0] === "stream") {
      return inspectEventStream(world, runtime, request, q.get("runId") ?? undefined);
    }
    if (get && parts.length === 1 && parts[0] === "runs") {
      const status = q.getAll("status").flatMap((s) => s.split(",")) as RunStatus[];
      return Response.json(
        await inspector.listRuns({
          workflow: q.get("workflow") ?? undefined,
          status: status.length ? status : undefined,
          since: number("since"),
          until: number("until"),
          cursor: q.get("cursor") ?? undefined,
          limit: number("limit"),
        }),
      );
    }
    if (parts[0] === "runs" && parts.length === 2 && get) {
      return Response.json(await inspector.inspectRun(parts[1]));
    }
    if (parts[0] === "runs" && parts.length === 3 && get && parts[2] === "events") {
      const page = await inspector.listEvents(parts[1], {
        cursor: q.get("cursor") ?? undefined,
        limit: number("limit"),
      });
      return Response.json(page);
    }
    if (parts[0] === "runs" && parts.length === 3 && get && parts[2] === "streams") {
      return Response.json({ streams: await inspector.listStreams(parts[1]) });
    }
    if (parts[0] === "runs" && parts.length === 3 && get && parts[2] === "stream") {
      return Response.json(
        await inspector.readStream(parts[1], q.get("namespace") ?? "", {
          fromIndex: number("from"),
          limit: number("limit"),
        }),
      );
    }
    if (parts[0] === "runs" && parts.length === 3 && post && parts[2] === "cancel") {
      if (!runtime) {
        const run = await cancelStoredRun(world, parts[1]);
        return Response.json({ runId: run.runId, status: run.status });
      }
      await runtime.cancel(parts[1]);
      return Response.json({ runId: parts[1], status: (await runtime.world.getRun(parts[1]))?.status });
    }
    if (parts[0] === "runs" && parts.length === 3 && post && parts[2] === "rerun") {
      if (!runtime) throw readOnly();
      const old = await runtime.world.getRun(parts[1]);
      if (!old) throw new WorkflowRunNotFoundError(parts[1]);
      const run = await runtime.start(old.workflowId, deserialize<unknown[]>(old.input));
      return Response.json({ runId: run.runId, rerunOf: old.runId });
    }
    if (parts[0] === "hooks" && parts.length === 3 && post && parts[2] === "resume") {
      if (!runtime) throw readOnly();
      // Bounded: 1 MiB, 64 levels, the body deadline (WF_PAYLOAD_TOO_LARGE, WF_JSON_TOO_DEEP, WF_REQUEST_TIMEOUT).
      const payload = await readJsonBody(request, limits);
      const { runId } = await runtime.resumeHook(parts[1], payload);
      return Response.json({ runId, token: parts[1] });
    }
  } catch (error) {
    if (error instanceof SyntaxError) {
      return errorResponse(
        400,
        "WF_INSPECT_INVALID_QUERY",
        "The request body is not JSON.",
        "Send the hook payload as JSON.",
      );
    }
    return errorResponseFor(
      error,
      "WF_HANDLER_FAILED",
      "The server log has the error and its stack.",
      codeOf(error) === "WF_REQUEST_TIMEOUT" ? { headers: CLOSE_CONNECTION } : undefined,
    );
  }
  return notFound(url.pathname);
}

function notFound(pathname: string): Response {
  return errorResponse(
    404,
    "WF_ROUTE_NOT_FOUND",
    `${pathname} is not a route of the inspect API.`,
    `The inspect routes are GET ${INSPECT_PATH}info, runs, runs/<id>, runs/<id>/events, runs/<id>/streams, runs/<id>/stream, stream (server-sent events), and POST runs/<id>/cancel, runs/<id>/rerun, hooks/<token>/resume; they are served in development, or with the server's inspect option.`,
  );
}
