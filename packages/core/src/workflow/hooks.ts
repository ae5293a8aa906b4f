import { WorkflowError } from "../errors/workflow-error.js";
import { RESUME_TYPED_HOOK_KEY } from "../globals.js";
import type { Duration } from "./duration.js";
import { requireWorkflowHost } from "./realm.js";

/** A durable wait for payloads sent to `token` with `resumeHook(token, payload)`. */
export interface Hook<T = unknown> extends PromiseLike<T>, AsyncIterable<T> {
  /** The token server code resumes the hook with (`resumeHook(token, payload)`). */
  readonly token: string;
  /** Frees the token; later payloads are rejected. */
  dispose(): void;
  /** The same as `dispose()`, for `using hook = createHook()`. */
  [Symbol.dispose](): void;
}

/** Options of {@link createHook} and `TypedHook.create()`. */
export interface HookOptions {
  /** A token an outside system can compute (`slack:${channelId}`); random when omitted. */
  token?: string;
  /** Any serializable data, readable with `getHookByToken(token)`. */
  metadata?: unknown;
}

/** How a webhook answers its caller. */
export type WebhookRespondWith = Response | "manual";

/** Options of {@link createWebhook}. */
export interface WebhookOptions {
  /** A fixed Response for every call, or "manual" to answer with `request.respondWith()`. Default: 202. */
  respondWith?: WebhookRespondWith;
  /**
   * The name of a verifier configured on the runtime (`webhook.verifiers`). Each
   * request must pass it before it is recorded; one that fails gets 401.
   * Secrets stay in server configuration, never in workflow code or the log.
   */
  verify?: string;
}

/** A request received by a webhook; with `respondWith: "manual"` it can answer the caller. */
export interface WebhookRequest extends Request {
  /** Answers the caller (webhooks created with `respondWith: "manual"` only); call it once, from a step. */
  respondWith(response: Response): Promise<void>;
}

/** The name the `workflow` package uses for a received request that can answer its caller. */
export type RequestWithResponse = WebhookRequest;

/** A hook whose payloads are HTTP requests to `url`. */
export interface Webhook<R extends Request = WebhookRequest> extends Hook<R> {
  /** `<base>/.well-known/workflow/v1/webhook/<token>`: hand it to the caller. The token in it is the secret. */
  readonly url: string;
}

/** Creates a hook in workflow code. Await it for the next payload, or `for await` over all of them. */
export function createHook<T = unknown>(options: HookOptions = {}): Hook<T> {
  return requireWorkflowHost("createHook()").createHook!(options, "hook") as Hook<T>;
}

/** Creates a webhook in workflow code; hand `webhook.url` to whoever should call back. */
export function createWebhook(options: WebhookOptions = {}): Webhook {
  return requireWorkflowHost("createWebhook()").createHook!(options, "webhook") as Webhook;
}

/** What {@link waitForHook} resolves with: the payload, or `timeout: true`. */
export type WaitResult<T> = { timeout: true } | { timeout: false; payload: T };
/** What {@link waitForWebhook} resolves with: the request, or `timeout: true`. */
export type WebhookWaitResult<R> = { timeout: true } | { timeout: false; request: R };

/** Waits for the next payload or the timeout, whichever comes first. A later payload stays queued. */
export function waitForHook<T>(hook: Hook<T>, timeout: Duration): Promise<WaitResult<T>> {
  return requireWorkflowHost("waitForHook()").waitWithTimeout!(hook, timeout) as Promise<WaitResult<T>>;
}

/** Waits for the next request or the timeout. A request that arrives later stays queued for the next wait. */
export async function waitForWebhook<R extends Request>(
  webhook: Webhook<R>,
  timeout: Duration,
): Promise<WebhookWaitResult<R>> {
  const result = (await requireWorkflowHost("waitForWebhook()").waitWithTimeout!(
    webhook,
    timeout,
  )) as WaitResult<R>;
  return result.timeout ? { timeout: true } : { timeout: false, request: result.payload };
}

/** A Standard Schema validator (zod, valibot, arktype …), as far as hooks need one. */
export interface StandardSchemaLike<T> {
  readonly "~standard": {
    validate(
      value: unknown,
    ):
      | { value: T; issues?: undefined }
      | { issues: ReadonlyArray<{ message: string; path?: ReadonlyArray<unknown> }> }
      | Promise<unknown>;
  };
}

/** A typed hook definition: `.create()` in workflow code, `.resume()` in server code. */
export interface TypedHook<T> {
  /** Creates the hook in workflow code, like {@link createHook}. */
  create(options?: HookOptions): Hook<T>;
  /** Resumes the hook with a payload checked against the schema. Server code only. */
  resume(token: string, payload: T): Promise<{ runId: string }>;
  /** The schema payloads are checked against, if one was given. */
  readonly schema?: StandardSchemaLike<T>;
}

const RESUME = RESUME_TYPED_HOOK_KEY;

/** Defines a typed hook, optionally validated with a Standard Schema. */
export function defineHook<T = unknown>(options: { schema?: StandardSchemaLike<T> } = {}): TypedHook<T> {
  const definition: TypedHook<T> = {
    schema: options.schema,
    create: (hookOptions) => createHook<T>(hookOptions),
    resume: (token, payload) => {
      const resume = (globalThis as Record<symbol, unknown>)[RESUME] as
        | ((token: string, payload: unknown, schema?: StandardSchemaLike<T>) => Promise<{ runId: string }>)
        | undefined;
      if (!resume) {
        return Promise.reject(
          new WorkflowError(
            "WF_SERVER_ONLY",
            "hook.resume() was called where no workflow runtime is loaded; it belongs in server code.",
            "Call it from an API route, server action or script of an app that runs the workflow runtime (withWorkflow, the Vite plugin, wf dev), or from a step.",
          ),
        );
      }
      return resume(token, payload, options.schema);
    },
  };
  return definition;
}
