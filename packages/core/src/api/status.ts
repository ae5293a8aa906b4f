// Async request-reply from `workflow/api`: answer a POST with 202 Accepted and
// a status URL the builder's app server serves (status-route.ts).
import { WorkflowError } from "../errors/workflow-error.js";
import { getDefaultRuntime } from "../host/default.js";
import { type Duration, parseDuration } from "../workflow/duration.js";
import { checkStatusToken, computeStatusToken, isAppPath, runStatusPath } from "./status-token.js";

/** Options of {@link acceptedResponse} and {@link statusUrl}. */
export interface StatusUrlOptions {
  /**
   * A path of this app (`/api/reports/123/download`) the status route
   * redirects to (303) once the run completed, with `?token=<status token>`
   * added so that route can check it with {@link verifyStatusToken}.
   * Without it, the status route answers 200 with the run's result.
   */
  resultUrl?: string;
}

/** Options of {@link acceptedResponse}. */
export interface AcceptedResponseOptions extends StatusUrlOptions {
  /** The `Retry-After` header: when to poll the status URL first. Default `"5s"`. */
  retryAfter?: Duration;
  /** More fields for the JSON body, next to `taskId`, `status` and `statusUrl`. */
  body?: Record<string, unknown>;
}

/** The token that opens run `runId`'s status route (an HMAC of the id under the server's secret). */
export async function statusToken(runId: string): Promise<string> {
  return computeStatusToken(await (await getDefaultRuntime()).statusSecret(), runId);
}

/** Whether `token` is run `runId`'s status token, e.g. in the route a status URL's `resultUrl` points at. */
export async function verifyStatusToken(runId: string, token: string | null | undefined): Promise<boolean> {
  return checkStatusToken(await (await getDefaultRuntime()).statusSecret(), runId, token);
}

/**
 * The absolute URL of run `runId`'s status route, token included. Its base is
 * the one of webhook URLs (`WORKFLOW_PUBLIC_URL`, else the server's address).
 */
export async function statusUrl(runId: string, options: StatusUrlOptions = {}): Promise<string> {
  const { resultUrl } = options;
  if (resultUrl !== undefined && !isAppPath(resultUrl)) {
    throw new WorkflowError(
      "WF_STATUS_RESULT_URL_INVALID",
      `The result URL ${JSON.stringify(resultUrl)} is not a path of this app.`,
      'Pass a path that starts with one "/", e.g. "/api/reports/<taskId>/download"; the status route redirects only within the app.',
    );
  }
  const runtime = await getDefaultRuntime();
  const token = computeStatusToken(await runtime.statusSecret(), runId);
  return `${runtime.webhookBaseUrl}${runStatusPath(runId, token, resultUrl)}`;
}

/**
 * `202 Accepted` for a started run: `Location` and the body's `statusUrl` are
 * the run's status URL, `Retry-After` says when to poll it, and `taskId` is
 * the run id.
 *
 * @example
 * export async function POST(request: Request) {
 *   const run = await start(generateReport, [await request.json()]);
 *   return acceptedResponse(run, { resultUrl: `/api/reports/${run.runId}/download` });
 * }
 */
export async function acceptedResponse(
  run: { runId: string } | string,
  options: AcceptedResponseOptions = {},
): Promise<Response> {
  const taskId = typeof run === "string" ? run : run.runId;
  const url = await statusUrl(taskId, options);
  const seconds = Math.ceil(
    parseDuration(options.retryAfter ?? "5s", "acceptedResponse() retryAfter") / 1000,
  );
  return Response.json(
    { ...options.body, taskId, status: "pending", statusUrl: url },
    { status: 202, headers: { location: url, "retry-after": String(seconds), "cache-control": "no-store" } },
  );
}
