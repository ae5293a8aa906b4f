import type { DeliveryInput, HookRecord, RunId, World } from "@wfkit/world";
import { HookNotFoundError } from "../errors/subclasses.js";
import { WorkflowError } from "../errors/workflow-error.js";
import { deserialize } from "../serialization/index.js";
import type { RunInput } from "./actor/turn.js";
import { type PayloadLimits, serializePayload } from "./body.js";
import type { HookInfo } from "./runtime-options.js";

// Payloads for hooks, from server code (`resumeHook`) and the webhook route
// (`deliver`): each is a `hook_received` event posted to the run's actor,
// recorded ahead of the activation it wakes.

/** The live hook with this token, its metadata deserialized. Throws HookNotFoundError. */
export async function hookInfo(world: World, token: string): Promise<HookInfo> {
  const hook = await world.getHook(token);
  if (!hook) throw new HookNotFoundError(token);
  return {
    token: hook.token,
    runId: hook.runId,
    kind: hook.kind,
    createdAt: new Date(hook.createdAt),
    metadata: hook.metadata === undefined ? undefined : deserialize(hook.metadata),
  };
}

/**
 * Delivers a payload to the (non-webhook) hook with this token through `deliver`;
 * resolves once it is durably recorded. Throws HookNotFoundError, or
 * WF_HOOK_IS_WEBHOOK for a webhook's token.
 */
export async function resumeHookWith(
  world: World,
  limits: PayloadLimits,
  deliver: (hook: HookRecord, payload: string) => Promise<void>,
  token: string,
  payload: unknown,
): Promise<{ runId: string; hook: HookRecord }> {
  const hook = await hookForPayload(
    world,
    token,
    'Call the webhook\'s URL, or resumeWebhook(token, new Request(...)) from "workflow/api".',
  );
  const serialized = await serializePayload(payload, limits);
  await deliver(hook, serialized);
  return { runId: hook.runId, hook };
}

/**
 * The live hook a payload is for: `HookNotFoundError` when there is none, and
 * `WF_HOOK_IS_WEBHOOK` (with `fix`) when the token is a webhook's, which takes requests.
 */
export async function hookForPayload(world: World, token: string, fix: string): Promise<HookRecord> {
  const hook = await world.getHook(token);
  if (!hook) throw new HookNotFoundError(token);
  if (hook.kind === "webhook") {
    throw new WorkflowError(
      "WF_HOOK_IS_WEBHOOK",
      `The token ${token} belongs to a webhook, which receives HTTP requests, not payloads.`,
      fix,
    );
  }
  return hook;
}

/**
 * Appends a serialized payload for a live hook through its run's actor (`post`), with
 * its webhook delivery, ahead of the activation. Throws HookNotFoundError when the
 * actor could not record it (the run ended, or the hook is gone).
 */
export async function deliverToHook(
  post: (runId: RunId, input: RunInput) => void,
  hook: HookRecord,
  payload: string,
  requestId?: string,
  delivery?: DeliveryInput,
): Promise<void> {
  const recording = new Promise<boolean>((resolve, reject) =>
    post(hook.runId, {
      event: { v: 1, type: "hook_received", opId: hook.opId, payload, ...(requestId && { requestId }) },
      ...(delivery && { delivery }),
      recordFirst: true,
      done: (ok, error) => (error === undefined ? resolve(ok) : reject(error)),
    }),
  );
  if (requestId !== undefined) {
    const recorded = recording.then(
      (ok) => ok,
      () => false,
    );
    unrecorded.set(requestId, recorded);
    void recorded.then(() => unrecorded.delete(requestId));
  }
  if (!(await recording)) throw new HookNotFoundError(hook.token);
}

/**
 * Manual requests whose `hook_received` is not durable yet, by request id: whether it was
 * recorded. Request ids are random, so one map serves every runtime of the process.
 */
const unrecorded = new Map<string, Promise<boolean>>();

/**
 * Whether the request with this id was recorded, once that is known. A step may start
 * before the payload it was given is durable (eager.ts), so a manual response waits
 * here: nothing reaches the caller, or is kept for retries, before the request is on
 * disk, and a request that was never recorded (its caller got a 410 or 503) is not answered.
 */
export function whenRecorded(requestId: string): Promise<boolean> | boolean {
  return unrecorded.get(requestId) ?? true;
}
