import type { Duration } from "workflow";
import { acceptedResponse, start } from "workflow/api";
import { generateReport } from "@/workflows/report-service";

/**
 * POST /api/reports {"reportType", "format", "webhookUrl"}: starts the report
 * and answers 202 Accepted with the task id, Location (the status URL) and
 * Retry-After. The report is announced to webhookUrl, signed (Standard Webhooks).
 */
export async function POST(request: Request) {
  const body = ((await request.json().catch(() => null)) ?? {}) as Record<string, unknown>;
  const { webhookUrl } = body;
  if (typeof webhookUrl !== "string" || !/^https?:\/\//.test(webhookUrl)) {
    return Response.json(
      { error: { code: "BAD_REQUEST", message: "webhookUrl must be an absolute http(s) URL." } },
      { status: 400 },
    );
  }
  const run = await start(generateReport, [
    {
      reportType: typeof body.reportType === "string" ? body.reportType : "monthly_sales",
      format: typeof body.format === "string" ? body.format : "csv",
      webhookUrl,
      // Unchecked here: the workflow's sleep() fails the run with WF_INVALID_DURATION on a bad one.
      ...(typeof body.work === "string" && { work: body.work as Duration }),
    },
  ]);
  return acceptedResponse(run, { retryAfter: "1s", resultUrl: `/api/reports/${run.runId}/download` });
}
