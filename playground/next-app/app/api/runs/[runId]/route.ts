import { readRun } from "@/lib/runs";

/** GET /api/runs/:runId: one run with its status, steps, hooks (webhook URLs) and result. */
export async function GET(_request: Request, { params }: { params: Promise<{ runId: string }> }) {
  const { runId } = await params;
  const run = await readRun(runId);
  if (!run) return Response.json({ error: `No run ${runId}` }, { status: 404 });
  return Response.json(run);
}
