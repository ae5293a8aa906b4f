import type { DeliveryInput, HookRecord, RunId, RunRecord, World } from "@wfkit/world";
import type { RunInput } from "./actor/turn.js";
import type { Clock } from "./clock.js";
import type { HeldWork } from "./held-work.js";
import type { QueueMessagePort } from "./queue-messages.js";
import type { RunSource } from "./run.js";
import type { StepExecutor } from "./steps.js";
import type { WebhookPort } from "./webhook.js";

// The narrow ports through which the webhook route, `Run` handles and queue
// message routing see the runtime (runtime.ts builds them in its constructor).
// Each reads the runtime at call time, so a port made mid-construction is safe.

/** What the ports use of the runtime: its public face. */
export interface PortedRuntime {
  readonly world: World;
  readonly clock: Clock;
  readonly webhookBaseUrl: string;
  deliver(hook: HookRecord, payload: string, requestId?: string, delivery?: DeliveryInput): Promise<void>;
  waitForEnd(runId: string): Promise<RunRecord>;
  cancel(runId: string): Promise<void>;
  post(runId: RunId, input: RunInput): void;
  log(level: string, args: unknown[]): void;
}

/** The webhook route's view: hook reads, delivery, responses, run ends. */
export function webhookPortOf(runtime: PortedRuntime): WebhookPort {
  return {
    getHook: (token) => runtime.world.getHook(token),
    getReleasedHook: (token) => runtime.world.getReleasedHook(token),
    getDelivery: (token, id) => runtime.world.getDelivery(token, id),
    deliver: (hook, payload, requestId, delivery) => runtime.deliver(hook, payload, requestId, delivery),
    awaitResponse: (requestId, timeoutMs) => runtime.world.awaitResponse(requestId, timeoutMs),
    waitForEnd: (runId) => runtime.waitForEnd(runId),
    webhookBase: () => runtime.webhookBaseUrl,
    now: () => runtime.clock.now(),
  };
}

/** What `Run` handles read through. */
export function runSourceOf(runtime: PortedRuntime): RunSource {
  return {
    read: (runId) => runtime.world.getRun(runId),
    waitForEnd: (runId) => runtime.waitForEnd(runId),
    cancel: (runId) => runtime.cancel(runId),
    streams: runtime.world.streams,
  };
}

/**
 * What routing a queue message sees: the public face, plus the runtime's own parts
 * (`closed` is asked at each message).
 */
export function queueMessagePortOf(
  runtime: PortedRuntime,
  parts: { closed: () => boolean; held: HeldWork | undefined; steps: StepExecutor },
): QueueMessagePort {
  return {
    world: runtime.world,
    clock: runtime.clock,
    get closed() {
      return parts.closed();
    },
    held: parts.held,
    steps: parts.steps,
    post: (runId, input) => runtime.post(runId, input),
    cancel: (runId) => runtime.cancel(runId),
    log: (level, args) => runtime.log(level, args),
  };
}
