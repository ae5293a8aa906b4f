import type { HookRecord, ReleasedHookRecord } from "@wfkit/world";
import { errorResponse, errorResponseFor } from "../errors/response.js";
import { isWorkflowError } from "../errors/workflow-error.js";
import { deserialize } from "../serialization/index.js";
import { CLOSE_CONNECTION, jsonTooDeepError, requestTimeout } from "./body.js";
import type { WebhookVerifierDefinition } from "./verify/index.js";

// The webhook route's answers other than "recorded": its error answers, the
// verifier's verdict, and the wait for a manual response.

export const notFound = (token: string | undefined) =>
  errorResponse(
    404,
    "WF_WEBHOOK_NOT_FOUND",
    `No webhook has the token ${token ?? "(missing)"}.`,
    "Check the URL: webhook URLs come from createWebhook() in a running workflow, and the webhook may not be created yet.",
  );

/**
 * 410: the token was a webhook's, and it was disposed or its run ended. Without `hook` (its
 * release not committed yet): it stopped taking requests while this one came in.
 */
export const gone = (token: string, hook?: ReleasedHookRecord | null) =>
  errorResponse(
    410,
    "WF_WEBHOOK_GONE",
    whyGone(token, hook),
    "Stop sending to this URL (a provider may disable the endpoint); a new run gives a new webhook URL.",
  );

function whyGone(token: string, hook: ReleasedHookRecord | null | undefined): string {
  switch (hook?.reason) {
    case "disposed":
      return `The webhook with the token ${token} was disposed by its workflow, so it takes no more requests.`;
    case "run_ended":
      return `The run that owned the webhook with the token ${token} has ended, so the webhook takes no more requests.`;
    case undefined:
      return `The webhook with the token ${token} stopped taking requests while this one came in: its run ended or its workflow disposed it.`;
  }
}

/** 503: the World failed to store the request (its commit failed): nothing of it was recorded. */
export const notRecorded = (error: unknown) =>
  errorResponse(
    "WF_WEBHOOK_NOT_RECORDED",
    `The request could not be stored, so it was not recorded: ${error instanceof Error ? error.message : String(error)}.`,
    "Send it again (providers retry a 5xx). If it keeps failing, check the World's storage: disk space, permissions, the database being reachable.",
    { headers: { "retry-after": "1" } },
  );

export const tooLarge = (maxBody: number) =>
  errorResponse(
    413,
    "WF_WEBHOOK_BODY_TOO_LARGE",
    `The request body is larger than ${maxBody} bytes, so it was not recorded.`,
    "Send a smaller body (put large payloads in storage and send a reference), or raise maxBodyBytes in the webhook options.",
  );

/** 408: the body did not arrive in time; the connection is closed after the answer (its body was not read). */
export const timedOut = (timeoutMs: number) =>
  errorResponseFor(requestTimeout(timeoutMs), "WF_REQUEST_TIMEOUT", "", { headers: CLOSE_CONNECTION });

/** 400: a JSON body nested deeper than the limit. */
export const tooDeep = (maxDepth: number) =>
  errorResponseFor(jsonTooDeepError("The request body", maxDepth), "WF_JSON_TOO_DEEP", "");

/** Runs the webhook's verifier; an answer when the request must not be recorded. */
export async function verify(
  verifier: WebhookVerifierDefinition | undefined,
  name: string,
  request: Request,
  body: Uint8Array,
): Promise<Response | undefined> {
  if (!verifier) {
    return errorResponse(
      500,
      "WF_WEBHOOK_VERIFIER_MISSING",
      `The webhook asks for the verifier "${name}", which this server does not configure, so the request was not recorded.`,
      `Add "${name}" to the runtime's webhook.verifiers option (for example stripeVerifier({ secret }) or githubVerifier({ secret })).`,
    );
  }
  let verdict: Awaited<ReturnType<WebhookVerifierDefinition["verify"]>>;
  try {
    verdict = await verifier.verify(request, body);
  } catch (error) {
    // A verifier misconfigured on the server (a secret read at request time, say) is the server's fault.
    if (isWorkflowError(error)) {
      return errorResponseFor(error, "WF_WEBHOOK_SECRET_INVALID", "Check the verifier's configuration.");
    }
    verdict = false;
  }
  if (verdict === true) return undefined;
  const why = typeof verdict === "object" && verdict.reason ? `: ${verdict.reason}` : "";
  return errorResponse(
    401,
    "WF_WEBHOOK_SIGNATURE_INVALID",
    `The request did not pass the verifier "${name}"${why}. It was not recorded.`,
    "Sign the exact body bytes with the shared secret, in the headers the verifier's scheme reads; keep the sender's clock in time.",
  );
}

/** Hands manual responses to every caller waiting for the same request in this process. */
export class ResponseWaits {
  private readonly waits = new Map<string, Promise<string | null>>();

  constructor(
    private readonly awaitResponse: (requestId: string, timeoutMs: number) => Promise<string | null>,
  ) {}

  /**
   * The World hands a response over once; a provider's retry waiting next to
   * the first caller joins the first wait rather than starting a second one.
   */
  wait(requestId: string, timeoutMs: number): Promise<string | null> {
    let shared = this.waits.get(requestId);
    if (!shared) {
      shared = this.awaitResponse(requestId, timeoutMs).finally(() => this.waits.delete(requestId));
      this.waits.set(requestId, shared);
    }
    return shared;
  }
}

/** What {@link awaitManual} needs besides the hook and the request id. */
export interface ManualWait {
  waits: ResponseWaits;
  awaitResponse(requestId: string, timeoutMs: number): Promise<string | null>;
  waitForEnd(runId: string): Promise<unknown>;
  /** The response kept with the request's delivery, for a caller whose wait another took. */
  recorded?: () => Promise<string | undefined>;
}

/** The answer of a manual webhook request: the workflow's response, or 500/504 with a code. */
export async function awaitManual(
  port: ManualWait,
  hook: Pick<HookRecord, "runId">,
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
  const waiting = port.waits.wait(requestId, timeoutMs);
  let response = await Promise.race([waiting, end.then(() => null)]);
  if (response === null && ended) {
    // The runtime hands a response over before it tells of the run's end, but the wait may
    // settle a few microtasks after the end does (a response put in the run's last turn): the
    // wait gets until the World's own zero-timeout wait (a timer) to settle, which also finds
    // a response another process put.
    response = await Promise.race([waiting, port.awaitResponse(requestId, 0)]);
  }
  const answer = response ?? (await port.recorded?.()) ?? null;
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
