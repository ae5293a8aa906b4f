// Scenario 6: async request-reply (a report service). POST /api/reports answers
// 202 with a task id and a status URL; the workflow builds the report, then calls
// the client's webhookUrl back with a signed sendWebhook(); the client downloads
// the result. GET the status URL at any time.
import { type Duration, getWorkflowMetadata, sendWebhook, sleep } from "workflow";
import { statusUrl } from "workflow/api";
import { storedReports } from "../lib/report-store";

export interface ReportRequest {
  reportType: string;
  format: string;
  /** Where the client wants to be told that the report is ready. */
  webhookUrl: string;
  /** How long the (simulated) work takes. */
  work?: Duration;
}

export interface Report {
  reportType: string;
  format: string;
  rows: Array<{ region: string; sales: number }>;
}

async function buildReport(reportType: string, format: string): Promise<Report> {
  "use step";
  const regions = ["north", "south", "east", "west"];
  return { reportType, format, rows: regions.map((region, i) => ({ region, sales: 1000 * (i + 1) })) };
}

/** Keeps the report where the result route finds it: it must be downloadable before the callback goes out. */
async function storeReport(taskId: string, report: Report): Promise<void> {
  "use step";
  storedReports().set(taskId, report);
}

/** The links the callback carries: the status URL, and the result route with the same token. */
async function links(taskId: string): Promise<{ statusUrl: string; resultUrl: string }> {
  "use step";
  const status = new URL(await statusUrl(taskId));
  const result = new URL(`/api/reports/${taskId}/download`, status);
  result.searchParams.set("token", status.searchParams.get("token")!);
  return { statusUrl: status.href, resultUrl: result.href };
}

export async function generateReport(request: ReportRequest) {
  "use workflow";
  const taskId = getWorkflowMetadata().workflowRunId;
  const report = await buildReport(request.reportType, request.format);
  await sleep(request.work ?? "2s");
  await storeReport(taskId, report);
  const urls = await links(taskId);
  // Signed with Standard Webhooks; the secret stays out of the event log (read on the server when sending).
  const delivery = await sendWebhook(
    request.webhookUrl,
    { type: "report.completed", taskId, status: "completed", ...urls },
    { secret: { env: "REPORTS_WEBHOOK_SECRET" }, retryDelay: "1s", maxAttempts: 5 },
  );
  return { report, webhook: { id: delivery.webhookId, attempts: delivery.attempts.length } };
}
