import { type ReceivedCallback, receivedCallbacks } from "@/lib/report-client";
import { verifyStandardWebhook } from "@/lib/standard-webhooks";

/**
 * POST /api/client/reports: plays the client of the report service. Verifies
 * the Standard Webhooks signature, dedupes on webhook-id, and downloads the
 * report from the callback's resultUrl.
 */
export async function POST(request: Request) {
  const body = await request.text();
  const verified = verifyStandardWebhook(process.env.REPORTS_WEBHOOK_SECRET ?? "", request.headers, body);
  if (!verified.ok) {
    return Response.json({ error: { code: "SIGNATURE_INVALID", message: verified.reason } }, { status: 401 });
  }
  const event = JSON.parse(body) as { taskId: string; resultUrl: string };
  const received = receivedCallbacks();
  const seen = received.get(verified.id);
  if (seen) {
    seen.deliveries++;
    return new Response(null, { status: 204 });
  }
  const entry: ReceivedCallback = {
    webhookId: verified.id,
    taskId: event.taskId,
    receivedAt: new Date().toISOString(),
    deliveries: 1,
  };
  received.set(verified.id, entry);
  const download = await fetch(event.resultUrl);
  entry.download = { status: download.status, body: await download.json().catch(() => null) };
  return new Response(null, { status: 204 });
}

/** GET /api/client/reports: the callbacks the client got (for the page, the demo check and the tests). */
export async function GET() {
  return Response.json({ callbacks: [...receivedCallbacks().values()] });
}
