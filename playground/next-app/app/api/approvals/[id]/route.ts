import { resumeHook } from "workflow/api";
import type { Decision } from "@/workflows/expense-approval";

/** POST /api/approvals/:id {"approved": true, "by": "Ada"}: resumes the hook `approval:<id>`. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const body = (await request.json().catch(() => ({}))) as Partial<Decision>;
  const decision: Decision = {
    approved: body.approved === true,
    by: body.by ?? "someone",
    comment: body.comment,
  };
  try {
    const { runId } = await resumeHook(`approval:${id}`, decision);
    return Response.json({ runId, decision });
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code === "WF_HOOK_NOT_FOUND") return Response.json({ error: { code, message } }, { status: 404 });
    throw error;
  }
}
