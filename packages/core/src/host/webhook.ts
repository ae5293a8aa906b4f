import { createHash } from "node:crypto";
import type { DeliveryInput, DeliveryRecord, HookRecord, ReleasedHookRecord } from "@wfkit/world";
import { HookNotFoundError } from "../errors/subclasses.js";
import type { WebhookRequestRecord } from "../sandbox/web.js";
import { deserialize, serializeData } from "../serialization/index.js";
import {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_MAX_JSON_DEPTH,
  isJsonContentType,
  jsonTooDeep,
  readLimited,
} from "./body.js";
import { newRequestId } from "./ids.js";
import {
  definitionOf,
  deliveryIdOf,
  type WebhookVerifier,
  type WebhookVerifierDefinition,
} from "./verify/index.js";
import {
  awaitManual,
  gone,
  notFound,
  notRecorded,
  ResponseWaits,
  timedOut,
  tooDeep,
  tooLarge,
  verify,
} from "./webhook-answers.js";
import { HeaderFilter } from "./webhook-storage.js";

/** The path every framework mounts the webhook handler under. */
export const WEBHOOK_PATH = "/.well-known/workflow/v1/webhook/";

export interface WebhookHandlerOptions {
  /** Largest body accepted, in bytes; a larger one gets 413 and nothing is recorded. Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * How long a request body may take to arrive, in ms; a slower one (a
   * `Content-Length` the client never sends) gets 408 `WF_REQUEST_TIMEOUT` and
   * nothing is recorded. Default 10 s.
   */
  bodyTimeoutMs?: number;
  /**
   * Deepest nesting of a JSON body (`Content-Type: application/json` or `+json`);
   * a deeper one gets 400 `WF_JSON_TOO_DEEP` and nothing is recorded. Default 64.
   */
  maxJsonDepth?: number;
  /** How long a `respondWith: "manual"` caller is held before a 504. Default 30 s. */
  manualResponseTimeoutMs?: number;
  /**
   * Verifiers by name, for webhooks created with `createWebhook({ verify: name })`:
   * presets (`standardWebhooksVerifier({ secret })`, `stripeVerifier`, `githubVerifier`,
   * `slackVerifier`, `verifierPreset(name, options)`) or your own `(request, body) => boolean`.
   * Secrets stay here, on the server; workflow code only names the verifier.
   */
  verifiers?: Record<string, WebhookVerifier>;
  /**
   * How long a delivery id is remembered: within this window a provider's retry
   * of a recorded delivery is answered as the first one was and not recorded again.
   * Default 24 hours.
   */
  deliveryRetentionMs?: number;
  /**
   * More headers (any case) to leave out of the stored request, besides the defaults
   * (`authorization`, `cookie`, `proxy-authorization`) and, once a request is verified,
   * its verifier's signature headers (`stripe-signature`, `webhook-signature`, …).
   * The stored request is what workflow code receives, so it never sees these.
   */
  dropHeaders?: string[];
  /**
   * Headers to store even though they would be dropped: `["authorization"]` when
   * workflow code itself reads a bearer token. Prefer checking it in a verifier,
   * on the server, so the credential never reaches the event log.
   */
  keepHeaders?: string[];
}

/**
 * What the webhook route needs of the runtime: a narrow port, so the handler can be
 * built (and tested) without a whole `Runtime`.
 */
export interface WebhookPort {
  /** The live hook with this token, or null. */
  getHook(token: string): Promise<HookRecord | null>;
  /** A hook with this token released within the World's retention window, or null. */
  getReleasedHook(token: string): Promise<ReleasedHookRecord | null>;
  /** A delivery recorded for this webhook token and provider id, or null. */
  getDelivery(token: string, id: string): Promise<DeliveryRecord | null>;
  /**
   * Appends a request for a live hook (with its delivery, in the same append); rejects when it was
   * not recorded: with `HookNotFoundError` when refused, with the World's error when its write failed.
   */
  deliver(hook: HookRecord, payload: string, requestId?: string, delivery?: DeliveryInput): Promise<void>;
  /** The response a workflow gives a manual webhook request, handed over through the World; null on timeout. */
  awaitResponse(requestId: string, timeoutMs: number): Promise<string | null>;
  /** Resolves (or rejects) once the run has ended. */
  waitForEnd(runId: string): Promise<unknown>;
  /** The base of webhook URLs, for requests delivered without HTTP (`resumeWebhook`). */
  webhookBase(): string;
  /** The runtime's clock: when a delivery id stops being remembered is set on it. */
  now?(): number;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_MANUAL_TIMEOUT_MS = 30_000;
export const DEFAULT_DELIVERY_RETENTION_MS = 24 * 60 * 60_000;
/** Longer delivery ids are stored as their hash: storage stays bounded whatever a sender puts in a header. */
const MAX_DELIVERY_ID = 200;

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

function boundedId(id: string | undefined): string | undefined {
  if (id === undefined || id.length <= MAX_DELIVERY_ID) return id;
  return `sha256:${createHash("sha256").update(id).digest("hex")}`;
}

/** The answer a webhook gives every request by itself: its static response, else 202. */
function automaticAnswer(hook: Pick<HookRecord, "respondWith">): Response {
  if (hook.respondWith && typeof hook.respondWith === "object") {
    return deserialize<Response>(hook.respondWith.static);
  }
  return new Response(null, { status: 202 });
}

/**
 * The webhook route as a Web-standard handler. Mount it at
 * `/.well-known/workflow/v1/webhook/:token` in any framework.
 */
export function createWebhookHandler(port: WebhookPort, options: WebhookHandlerOptions = {}) {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const manualTimeout = options.manualResponseTimeoutMs ?? DEFAULT_MANUAL_TIMEOUT_MS;
  const bodyTimeout = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const maxDepth = options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const retention = options.deliveryRetentionMs ?? DEFAULT_DELIVERY_RETENTION_MS;
  const verifiers = new Map<string, WebhookVerifierDefinition>(
    Object.entries(options.verifiers ?? {}).map(([name, v]) => [name, definitionOf(v)]),
  );
  const headers = new HeaderFilter(options);
  const waits = new ResponseWaits((id, ms) => port.awaitResponse(id, ms));
  /** Deliveries being appended in this process, by token and id: a retry waits for the first. */
  const appending = new Map<string, Promise<void>>();

  const manual = (hook: Pick<HookRecord, "runId">, requestId: string, delivery?: [string, string]) =>
    awaitManual(
      {
        waits,
        awaitResponse: (id, ms) => port.awaitResponse(id, ms),
        waitForEnd: (runId) => port.waitForEnd(runId),
        ...(delivery && {
          recorded: async () => (await port.getDelivery(delivery[0], delivery[1]))?.response,
        }),
      },
      hook,
      requestId,
      manualTimeout,
    );

  /** A retry of a recorded delivery: the first one's answer, without recording anything. */
  function answerAgain(
    hook: Pick<HookRecord, "runId" | "respondWith">,
    prior: DeliveryRecord,
  ): Promise<Response> {
    if (hook.respondWith !== "manual") return Promise.resolve(automaticAnswer(hook));
    if (prior.response !== undefined) return Promise.resolve(deserialize<Response>(prior.response));
    if (prior.requestId === undefined) return Promise.resolve(new Response(null, { status: 202 }));
    return manual(hook, prior.requestId, [prior.token, prior.id]);
  }

  /**
   * The answer when a delivery to a live webhook was not recorded: its first recording's, else
   * gone (410). Its run refused it: the run ended, or is ending in a commit not yet made (the
   * request came in the batch that completes it), or the workflow disposed the webhook.
   */
  async function refused(token: string, hook: HookRecord, delivery?: DeliveryInput): Promise<Response> {
    const prior = delivery && (await port.getDelivery(delivery.token, delivery.id));
    if (prior) return answerAgain(hook, prior);
    return gone(token, await port.getReleasedHook(token));
  }

  async function record(
    token: string,
    hook: HookRecord,
    request: Request,
    body: Uint8Array | null,
    verifier: WebhookVerifierDefinition | undefined,
    delivery?: Omit<DeliveryInput, "requestId">,
    appended?: () => void,
  ): Promise<Response> {
    const entry: WebhookRequestRecord = {
      method: request.method,
      url: request.url,
      headers: headers.stored(request.headers, verifier),
      body,
    };
    const requestId = hook.respondWith === "manual" ? newRequestId() : undefined;
    const withRequest = delivery && { ...delivery, ...(requestId && { requestId }) };
    // Wait for the response before delivering: a fast step may answer before the delivery returns.
    const answer =
      requestId === undefined
        ? undefined
        : manual(hook, requestId, delivery && [delivery.token, delivery.id]);
    try {
      // Strings, string pairs and bytes: nothing for the reducers of `serialize` to find.
      await port.deliver(hook, serializeData(entry), requestId, withRequest);
    } catch (error) {
      appended?.();
      // Nothing was recorded under this request id, so nobody will answer it.
      answer?.catch(() => {});
      // Refused (the hook ended, a retry): say why; the store failed: the sender should send it again.
      return error instanceof HookNotFoundError ? refused(token, hook, withRequest) : notRecorded(error);
    }
    appended?.();
    return answer ?? automaticAnswer(hook);
  }

  return async function handleWebhook(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const token = tokenOf(url);
    if (request.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: { allow: "OPTIONS, HEAD, GET, POST, PUT, PATCH, DELETE" },
      });
    }
    if (!token) return notFound(token);
    const live = await port.getHook(token);
    const ended = live ? null : await port.getReleasedHook(token);
    // A token made by createHook() is for resumeHook() only: the public URL never reaches it.
    if (live && live.kind !== "webhook") return notFound(token);
    if (!live && ended?.kind !== "webhook") return notFound(token);
    if (request.method === "HEAD") return live ? new Response(null, { status: 200 }) : gone(token, ended!);

    const body = await readLimited(request, maxBody, { timeoutMs: bodyTimeout });
    if (body === "too-large") return tooLarge(maxBody);
    if (body === "timeout") return timedOut(bodyTimeout);
    // Not parsed here, but workflow code will: a body its serializer cannot walk is refused now.
    if (body && isJsonContentType(request.headers.get("content-type")) && jsonTooDeep(body, maxDepth)) {
      return tooDeep(maxDepth);
    }
    const hook = live ?? ended!;
    const bytes = body ?? new Uint8Array(0);
    let verifier: WebhookVerifierDefinition | undefined;
    if (hook.verify !== undefined) {
      verifier = verifiers.get(hook.verify);
      const refusal = await verify(verifier, hook.verify, request, bytes);
      // An ended webhook tells even an unverified caller only that it is gone.
      if (refusal) return live ? refusal : gone(token, ended!);
    }
    const id = verifier && boundedId(deliveryIdOf(verifier, request, bytes));
    if (id === undefined) return live ? record(token, live, request, body, verifier) : gone(token, ended!);

    // One delivery id at a time in this process (the World refuses a second append across processes).
    const key = `${token}\u0000${id}`;
    for (let pending = appending.get(key); pending; pending = appending.get(key)) await pending;
    let appended!: () => void;
    const mine = new Promise<void>((resolve) => (appended = resolve));
    // Taken in the same tick as the check above: no other request can slip in between.
    appending.set(key, mine);
    // Released once the append settled: a retry then finds the delivery (or its absence) in the World.
    const release = () => {
      if (appending.get(key) === mine) appending.delete(key);
      appended();
    };
    let prior: DeliveryRecord | null;
    try {
      prior = await port.getDelivery(token, id);
    } catch (error) {
      release();
      throw error;
    }
    if (prior || !live) release();
    if (prior) return answerAgain(hook, prior);
    if (!live) return gone(token, ended!);
    try {
      return await record(
        token,
        live,
        request,
        body,
        verifier,
        { token, id, expiresAt: (port.now?.() ?? Date.now()) + retention },
        release,
      );
    } finally {
      release();
    }
  };
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
