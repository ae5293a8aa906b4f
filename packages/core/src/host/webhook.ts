import type { HookRecord } from "@wfkit/world";
import { errorResponse } from "../errors/response.js";
import type { WebhookRequestRecord } from "../sandbox/web.js";
import { deserialize, serialize } from "../serialization/index.js";
import { readLimited } from "./body.js";
import { newRequestId } from "./ids.js";
import type { WebhookVerifier } from "./verify.js";

/** The path every framework mounts the webhook handler under. */
export const WEBHOOK_PATH = "/.well-known/workflow/v1/webhook/";

export interface WebhookHandlerOptions {
  /** Largest body accepted, in bytes; a larger one gets 413 and nothing is recorded. Default 1 MiB. */
  maxBodyBytes?: number;
  /** How long a `respondWith: "manual"` caller is held before a 504. Default 30 s. */
  manualResponseTimeoutMs?: number;
  /** Verifiers by name, for webhooks created with `createWebhook({ verify: name })`. */
  verifiers?: Record<string, WebhookVerifier>;
}

/**
 * What the webhook route needs of the runtime: a narrow port, so the handler can be
 * built (and tested) without a whole `Runtime`.
 */
export interface WebhookPort {
  /** The live hook with this token, or null. */
  getHook(token: string): Promise<HookRecord | null>;
  /** Appends a request for a live hook; rejects when the hook is gone. */
  deliver(hook: HookRecord, payload: string, requestId?: string): Promise<void>;
  /** The response a workflow gives a manual webhook request, handed over through the World; null on timeout. */
  awaitResponse(requestId: string, timeoutMs: number): Promise<string | null>;
  /** Resolves (or rejects) once the run has ended. */
  waitForEnd(runId: string): Promise<unknown>;
  /** The base of webhook URLs, for requests delivered without HTTP (`resumeWebhook`). */
  webhookBase(): string;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_MANUAL_TIMEOUT_MS = 30_000;

function tokenOf(url: URL): string | undefined {
  const at = url.pathname.indexOf(WEBHOOK_PATH);
  const rest = at >= 0 ? url.pathname.slice(at + WEBHOOK_PATH.length) : url.pathname.split("/").pop();
  if (!rest || rest.includes("/")) return undefined;
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined;
  }
}

const notFound = (token: string | undefined) =>
  errorResponse(
    404,
    "WF_WEBHOOK_NOT_FOUND",
    `No live webhook has the token ${token ?? "(missing)"}.`,
    "The run may have ended, disposed the webhook, or not created it yet; webhook URLs come from createWebhook() in a running workflow.",
  );

/**
 * The webhook route as a Web-standard handler. Mount it at
 * `/.well-known/workflow/v1/webhook/:token` in any framework.
 */
export function createWebhookHandler(port: WebhookPort, options: WebhookHandlerOptions = {}) {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const manualTimeout = options.manualResponseTimeoutMs ?? DEFAULT_MANUAL_TIMEOUT_MS;

  return async function handleWebhook(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const token = tokenOf(url);
    if (request.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: { allow: "OPTIONS, HEAD, GET, POST, PUT, PATCH, DELETE" },
      });
    }
    const hook = token ? await port.getHook(token) : null;
    // A token made by createHook() is for resumeHook() only: the public URL never reaches it.
    if (hook?.kind !== "webhook") return notFound(token);
    if (request.method === "HEAD") return new Response(null, { status: 200 });

    const body = await readLimited(request, maxBody);
    if (body === "too-large") {
      return errorResponse(
        413,
        "WF_WEBHOOK_BODY_TOO_LARGE",
        `The request body is larger than ${maxBody} bytes, so it was not recorded.`,
        "Send a smaller body (put large payloads in storage and send a reference), or raise maxBodyBytes in the webhook options.",
      );
    }
    if (hook.verify !== undefined) {
      const refused = await verify(
        options.verifiers?.[hook.verify],
        hook.verify,
        request,
        body ?? new Uint8Array(0),
      );
      if (refused) return refused;
    }
    const record: WebhookRequestRecord = {
      method: request.method,
      url: request.url,
      headers: [...request.headers],
      body,
    };
    const manual = hook.respondWith === "manual";
    const requestId = manual ? newRequestId() : undefined;
    // Wait for the response before delivering: a fast step may answer before the delivery returns.
    const answer = requestId === undefined ? undefined : awaitManual(port, hook, requestId, manualTimeout);
    try {
      await port.deliver(hook, serialize(record), requestId);
    } catch {
      return notFound(token);
    }
    if (answer) return answer;
    if (hook.respondWith && typeof hook.respondWith === "object")
      return deserialize<Response>(hook.respondWith.static);
    return new Response(null, { status: 202 });
  };
}

/** Runs the webhook's verifier; an answer when the request must not be recorded. */
async function verify(
  verifier: WebhookVerifier | undefined,
  name: string,
  request: Request,
  body: Uint8Array,
): Promise<Response | undefined> {
  if (!verifier) {
    return errorResponse(
      500,
      "WF_WEBHOOK_VERIFIER_MISSING",
      `The webhook asks for the verifier "${name}", which this server does not configure, so the request was not recorded.`,
      `Add "${name}" to the runtime's webhook.verifiers option (for example hmacVerifier({ secret, header })).`,
    );
  }
  let ok = false;
  try {
    ok = await verifier(request, body);
  } catch {
    ok = false;
  }
  if (ok) return undefined;
  return errorResponse(
    401,
    "WF_WEBHOOK_SIGNATURE_INVALID",
    `The request's signature did not pass the verifier "${name}", so it was not recorded.`,
    "Sign the exact body bytes with the shared secret, in the header the verifier reads.",
  );
}

async function awaitManual(
  port: WebhookPort,
  hook: HookRecord,
  requestId: string,
  timeoutMs: number,
): Promise<Response> {
  let ended = false;
  const end = port.waitForEnd(hook.runId).then(
    () => {
      ended = true;
    },
    () => {
      ended = true;
    },
  );
  const response = await Promise.race([port.awaitResponse(requestId, timeoutMs), end.then(() => null)]);
  const answer = response ?? (ended ? await port.awaitResponse(requestId, 0) : null);
  if (answer) return deserialize<Response>(answer);
  if (ended) {
    return errorResponse(
      500,
      "WF_WEBHOOK_NO_RESPONSE",
      `The run ${hook.runId} ended without calling request.respondWith() for this request.`,
      "Call request.respondWith(response) (in workflow code or a step) before the workflow returns.",
    );
  }
  return errorResponse(
    504,
    "WF_WEBHOOK_RESPONSE_TIMEOUT",
    `The workflow did not call request.respondWith() within ${timeoutMs} ms. The request was recorded and the run goes on.`,
    "Respond sooner (respondWith() before slow steps), or raise manualResponseTimeoutMs in the webhook options.",
  );
}

/** `resumeWebhook(token, request)`: delivers a request as if it came over HTTP and returns the response. */
export function resumeWebhookWith(port: WebhookPort, handler: (r: Request) => Promise<Response>) {
  return async (token: string, request: Request): Promise<Response> => {
    const base = port.webhookBase();
    const original = new URL(request.url, base);
    const url = new URL(`${WEBHOOK_PATH}${encodeURIComponent(token)}${original.search}`, base);
    const init: RequestInit & { duplex?: string } = { method: request.method, headers: request.headers };
    if (request.body) {
      init.body = request.body;
      init.duplex = "half";
    }
    return handler(new Request(url, init));
  };
}
