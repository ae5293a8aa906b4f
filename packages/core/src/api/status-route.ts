// The run status route of the async request-reply helpers, served by every host
// under the workflow prefix: GET <prefix>runs/<runId>/status?token=<status token>.
import type { World } from "@wfkit/world";
import { docsRef } from "../errors/docs.js";
import { messageOf } from "../errors/format.js";
import { errorResponse } from "../errors/response.js";
import { WorkflowRunFailedError } from "../errors/subclasses.js";
import { deserialize } from "../serialization/index.js";
import { checkStatusToken, isAppPath, RUN_STATUS_PREFIX } from "./status-token.js";

/** What the route needs of a runtime. */
export interface RunStatusSource {
  readonly world: Pick<World, "getRun">;
  statusSecret(): Promise<string>;
}

/** Seconds a client is asked to wait before polling again. */
export const STATUS_RETRY_AFTER_SECONDS = 5;

const NO_STORE = { "cache-control": "no-store" };

/** A result as JSON: BigInt as a string, Map as an object, Set and typed arrays as arrays, Error as {name, message}. */
function resultJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Map) return Object.fromEntries(v);
      if (v instanceof Set) return [...v];
      if (v instanceof Error) return { name: v.name, message: v.message };
      if (ArrayBuffer.isView(v) && !(v instanceof DataView))
        return Array.from(v as unknown as ArrayLike<number>);
      return v;
    }) ?? "null"
  );
}

/** Is this the path of a run status route? */
export function isRunStatusPath(pathname: string): boolean {
  return pathname.startsWith(RUN_STATUS_PREFIX) && pathname.endsWith("/status");
}

/**
 * Answers a run status request: 202 with the status (and `Retry-After`) while
 * the run goes on; 200 with the result once it completed, or 303 to the
 * `result` path of the status URL; 410 when it failed or was cancelled (it
 * will never have a result); 404 `WF_RUN_NOT_FOUND`; 403
 * `WF_STATUS_TOKEN_INVALID` when the token is missing or not the run's.
 */
export async function handleRunStatus(runtime: RunStatusSource, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const raw = url.pathname.slice(RUN_STATUS_PREFIX.length, -"/status".length);
  let runId: string;
  try {
    runId = decodeURIComponent(raw);
  } catch {
    runId = raw; // a malformed escape is no run id: its token check fails below
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return errorResponse(
      "WF_ROUTE_NOT_FOUND",
      `${request.method} is not served at ${url.pathname}; the status route answers GET.`,
      "Read a run's status with GET on the status URL acceptedResponse() gave.",
      { status: 405, headers: { allow: "GET, HEAD" } },
    );
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  const token = url.searchParams.get("token") ?? bearer;
  // Checked before the run is read: a wrong token learns nothing, not even whether the run exists.
  if (!checkStatusToken(await runtime.statusSecret(), runId, token)) {
    return errorResponse(
      "WF_STATUS_TOKEN_INVALID",
      token ? `The token of this status URL is not the one of run ${runId}.` : "The status URL has no token.",
      "Use the status URL exactly as acceptedResponse() or statusUrl() gave it (Location header); tokens stop working when the server's WORKFLOW_SECRET changes.",
      { headers: NO_STORE },
    );
  }
  const run = await runtime.world.getRun(runId);
  if (!run) {
    return errorResponse(
      "WF_RUN_NOT_FOUND",
      `There is no run with id ${runId}.`,
      "The run may be in another data folder or World than this server's.",
      { headers: NO_STORE },
    );
  }
  const taskId = run.runId;
  switch (run.status) {
    case "pending":
    case "running":
      return Response.json(
        { taskId, status: run.status },
        { status: 202, headers: { ...NO_STORE, "retry-after": String(STATUS_RETRY_AFTER_SECONDS) } },
      );
    case "completed": {
      const result = url.searchParams.get("result");
      if (result !== null && isAppPath(result)) {
        const target = new URL(result, url);
        target.searchParams.set("token", token!);
        const location = `${target.pathname}${target.search}${target.hash}`;
        return Response.json(
          { taskId, status: "completed", resultUrl: location },
          { status: 303, headers: { ...NO_STORE, location } },
        );
      }
      // Written by hand: the result may hold values JSON.stringify alone refuses (BigInt).
      const body = `{"taskId":${JSON.stringify(taskId)},"status":"completed","result":${resultJson(deserialize(run.output!))}}`;
      return new Response(body, { headers: { ...NO_STORE, "content-type": "application/json" } });
    }
    case "failed":
    case "cancelled": {
      const failed = run.status === "failed";
      const code = failed ? WorkflowRunFailedError.code : "WF_RUN_CANCELLED";
      const message = failed
        ? `The run ${taskId} failed: ${messageOf(deserialize(run.error!))}`
        : `The run ${taskId} was cancelled.`;
      return Response.json(
        {
          taskId,
          status: run.status,
          error: {
            code,
            message,
            hint: "The task ended without a result; start a new one.",
            docs: docsRef(code),
          },
        },
        { status: 410, headers: NO_STORE },
      );
    }
  }
}
