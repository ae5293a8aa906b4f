import { getRun } from "workflow/api";

/**
 * GET /api/runs/:runId/stream[?namespace=&startIndex=]: the run's stream as
 * NDJSON, one chunk a line: the chunks stored so far, then new ones as the run
 * writes them; the response ends when the stream is closed or the run ends.
 */
export async function GET(request: Request, { params }: { params: Promise<{ runId: string }> }) {
  const { runId } = await params;
  const query = new URL(request.url).searchParams;
  const run = await getRun(runId);
  if ((await run.status.catch(() => null)) === null)
    return Response.json(
      { error: { code: "WF_RUN_NOT_FOUND", message: `No run ${runId}` } },
      { status: 404 },
    );
  const chunks = run.getReadable({
    namespace: query.get("namespace") ?? undefined,
    startIndex: query.has("startIndex") ? Number(query.get("startIndex")) : undefined,
  });
  const encoder = new TextEncoder();
  const body = chunks.pipeThrough(
    new TransformStream<unknown, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(encoder.encode(`${JSON.stringify(chunk)}\n`));
      },
    }),
  );
  return new Response(body, {
    headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" },
  });
}
