import { acceptedResponse, getRun, start } from "workflow/api";
import { chat } from "../workflows/agent";
import { awaitPayment } from "../workflows/payment";
import { webhookUrlOf } from "./webhook-urls";

const json = (body: unknown, status = 200) => Response.json(body, { status });

/**
 * The app's own routes. The Vite plugin mounts this module in the dev server
 * (option `api`) and builds it to dist/server/api.js, which server.mjs mounts.
 * Returning undefined passes the request on (to Vite, or to the static files).
 */
export default async function api(request: Request): Promise<Response | undefined> {
  const { pathname } = new URL(request.url);
  if (!pathname.startsWith("/api/")) return undefined;

  if (pathname === "/api/start" && request.method === "POST") {
    const { orderId } = (await request.json().catch(() => ({}))) as { orderId?: unknown };
    const id = typeof orderId === "string" && orderId ? orderId : `order-${Date.now().toString(36)}`;
    // awaitPayment is a stub here: the plugin compiled this import in client mode.
    const run = await start(awaitPayment, [id]);
    return json({ runId: run.runId, orderId: id }, 201);
  }

  // Async request-reply: 202 Accepted with the task id, Location (the run's status URL) and Retry-After.
  if (pathname === "/api/payments" && request.method === "POST") {
    const { orderId } = (await request.json().catch(() => ({}))) as { orderId?: unknown };
    const id = typeof orderId === "string" && orderId ? orderId : `order-${Date.now().toString(36)}`;
    return acceptedResponse(await start(awaitPayment, [id]), { retryAfter: "1s", body: { orderId: id } });
  }

  // The durable agent (workflows/agent.ts): start a chat, then read its UI chunks as NDJSON.
  if (pathname === "/api/chat" && request.method === "POST") {
    const { prompt } = (await request.json().catch(() => ({}))) as { prompt?: unknown };
    const run = await start(chat, [typeof prompt === "string" && prompt ? prompt : "Hi!"]);
    return json({ runId: run.runId }, 201);
  }
  const stream = /^\/api\/runs\/([^/]+)\/stream$/.exec(pathname);
  if (stream && request.method === "GET") {
    const lines = getRun(decodeURIComponent(stream[1]!))
      .getReadable()
      .pipeThrough(
        new TransformStream<unknown, string>({
          transform: (chunk, controller) => controller.enqueue(`${JSON.stringify(chunk)}\n`),
        }),
      )
      .pipeThrough(new TextEncoderStream());
    return new Response(lines, { headers: { "content-type": "application/x-ndjson" } });
  }

  const match = /^\/api\/runs\/([^/]+)$/.exec(pathname);
  if (match && request.method === "GET") {
    const runId = decodeURIComponent(match[1]!);
    const run = getRun(runId);
    let status: string;
    try {
      status = await run.status;
    } catch (error) {
      if ((error as { code?: string }).code === "WF_RUN_NOT_FOUND") {
        return json({ error: { code: "WF_RUN_NOT_FOUND", message: `No run ${runId}.` } }, 404);
      }
      throw error;
    }
    const body: Record<string, unknown> = { runId, status, webhookUrl: webhookUrlOf(runId) ?? null };
    if (status === "completed") body.output = await run.returnValue;
    if (status === "failed")
      body.error = await run.returnValue.then(
        () => null,
        (error: Error) => error.message,
      );
    return json(body);
  }

  return json(
    { error: { code: "NOT_FOUND", message: `${request.method} ${pathname} is not an API route.` } },
    404,
  );
}
