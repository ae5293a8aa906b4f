import { resumeHook } from "workflow/api";

/** POST /api/progress/:id: the go-ahead a progress job waits for before it finishes. */
export async function POST(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  try {
    const { runId } = await resumeHook(`progress:${id}`, { go: true });
    return Response.json({ runId });
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code === "WF_HOOK_NOT_FOUND") return Response.json({ error: { code, message } }, { status: 404 });
    throw error;
  }
}
