// The inspect route: JSON over HTTP for `wf inspect --url` and a future web UI.
// Read-only views plus the three actions of the CLI (cancel, resume a hook, rerun).
import {
  CLOSE_CONNECTION,
  codeOf,
  createInspector,
  deserialize,
  errorResponse,
  errorResponseFor,
  type JsonBodyLimits,
  type Runtime,
  readJsonBody,
  WorkflowRunNotFoundError,
} from "@wfkit/core";
import type { RunStatus } from "@wfkit/world";
import { ROUTE_PREFIX } from "./routes.js";

/** Where the inspect route is served. */
export const INSPECT_PATH = `${ROUTE_PREFIX}inspect/`;

/**
 * Who may use the inspect route. `true`: anyone who reaches the server (for
 * development); `{ authorize }`: requests `authorize` accepts (production).
 */
export type InspectOption = boolean | { authorize(request: Request): boolean | Promise<boolean> };

export function isInspectPath(pathname: string): boolean {
  return pathname.startsWith(INSPECT_PATH);
}

/** Serves `GET runs`, `GET runs/:id`, `GET runs/:id/events`, `POST runs/:id/cancel|rerun`, `POST hooks/:token/resume`. */
export async function handleInspect(
  runtime: Runtime,
  request: Request,
  option: InspectOption,
  limits: JsonBodyLimits = {},
): Promise<Response> {
  const url = new URL(request.url);
  if (option === false) return notFound(url.pathname);
  if (option !== true && !(await option.authorize(request))) {
    return errorResponse(
      403,
      "WF_INSPECT_FORBIDDEN",
      "The inspect route refused this request: the server's inspect.authorize() did not accept it.",
      "Send the credentials your authorize function checks, or use `wf inspect --data-dir` on the server's machine.",
    );
  }
  const parts = url.pathname.slice(INSPECT_PATH.length).split("/").map(decodeURIComponent);
  const inspector = createInspector(runtime.world);
  const q = url.searchParams;
  const number = (name: string) => (q.has(name) ? Number(q.get(name)) : undefined);
  try {
    if (request.method === "GET" && parts.length === 1 && parts[0] === "runs") {
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
    if (parts[0] === "runs" && parts.length === 2 && request.method === "GET") {
      return Response.json(await inspector.inspectRun(parts[1]));
    }
    if (parts[0] === "runs" && parts.length === 3 && request.method === "GET" && parts[2] === "events") {
      const page = await inspector.listEvents(parts[1], {
        cursor: q.get("cursor") ?? undefined,
        limit: number("limit"),
      });
      return Response.json(page);
    }
    if (parts[0] === "runs" && parts.length === 3 && request.method === "POST" && parts[2] === "cancel") {
      await runtime.cancel(parts[1]);
      return Response.json({ runId: parts[1], status: (await runtime.world.getRun(parts[1]))?.status });
    }
    if (parts[0] === "runs" && parts.length === 3 && request.method === "POST" && parts[2] === "rerun") {
      const old = await runtime.world.getRun(parts[1]);
      if (!old) throw new WorkflowRunNotFoundError(parts[1]);
      const run = await runtime.start(old.workflowId, deserialize<unknown[]>(old.input));
      return Response.json({ runId: run.runId, rerunOf: old.runId });
    }
    if (parts[0] === "hooks" && parts.length === 3 && request.method === "POST" && parts[2] === "resume") {
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
    `The inspect routes are GET ${INSPECT_PATH}runs, runs/<id>, runs/<id>/events, and POST runs/<id>/cancel, runs/<id>/rerun, hooks/<token>/resume; they are served in development, or with the server's inspect option.`,
  );
}
