import { getRun, verifyStatusToken, WorkflowRunNotFoundError } from "workflow/api";
import { storedReports } from "@/lib/report-store";

/** GET /api/reports/:id/download?token=<status token>: the finished report. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!(await verifyStatusToken(id, new URL(request.url).searchParams.get("token")))) {
    return Response.json(
      { error: { code: "WF_STATUS_TOKEN_INVALID", message: "This link's token is not the report's." } },
      { status: 403 },
    );
  }
  // The workflow stores the report before it calls the client back (the run ends just after).
  const stored = storedReports().get(id);
  if (stored) return Response.json({ taskId: id, ...(stored as object) });
  const run = getRun<{ report: object }>(id);
  try {
    const status = await run.status;
    if (status !== "completed") return Response.json({ taskId: id, status }, { status: 409 });
  } catch (error) {
    if (error instanceof WorkflowRunNotFoundError) {
      return Response.json({ error: { code: error.code, message: `No report ${id}.` } }, { status: 404 });
    }
    throw error;
  }
  return Response.json({ taskId: id, ...(await run.returnValue).report });
}
