// Hooks (live and released) and the webhook deliveries recorded with appends.

import type { HookKind } from "./events.js";
import type { OpId, RunId } from "./ids.js";

/**
 * A live hook: a token some outside party may resume. A token is held by at
 * most one live hook across all runs; it is freed by `hooks.release` or when
 * its run ends, and may then be created again.
 */
export interface HookRecord {
  token: string;
  runId: RunId;
  opId: OpId;
  kind: HookKind;
  /** The World's clock (epoch ms) when the append that created the hook was committed. */
  createdAt: number;
  metadata?: string;
  respondWith?: "default" | "manual" | { static: string };
  /** Webhooks: the name of the verifier (configured on the runtime) that checks each request's signature. */
  verify?: string;
}

/**
 * A hook that is no longer live, remembered for a while after it was released
 * so that a caller of its token can be told it is gone rather than unknown
 * (the webhook route answers 410 instead of 404). Metadata is not kept.
 */
export interface ReleasedHookRecord extends Omit<HookRecord, "metadata"> {
  /** The World's clock (epoch ms) when the hook was released. */
  releasedAt: number;
  /** `"disposed"`: freed by `hooks.release`; `"run_ended"`: its run reached a terminal status. */
  reason: "disposed" | "run_ended";
}

/**
 * How long a World remembers released hooks unless configured otherwise: a
 * provider that retries for days is still told the webhook is gone.
 */
export const DEFAULT_RELEASED_HOOK_RETENTION_MS = 7 * 24 * 60 * 60_000;

/**
 * A webhook delivery to record with an append: a provider's id for one
 * delivery (kept across its retries), for the webhook with this token.
 */
export interface DeliveryInput {
  /** The webhook's token. */
  token: string;
  /** The provider's delivery id (`webhook-id`, `X-GitHub-Delivery`, …). */
  id: string;
  /** Manual-response webhooks: the id the response to the first delivery is handed over under. */
  requestId?: string;
  /** Epoch ms after which the record no longer counts (and may be deleted): the dedupe window. */
  expiresAt: number;
}

/** A recorded delivery, as `getDelivery` returns it. */
export interface DeliveryRecord extends DeliveryInput {
  runId: RunId;
  /** The World's clock (epoch ms) when the append that recorded it was committed. */
  recordedAt: number;
  /** The response given to the first delivery (manual webhooks), once `putResponse` gave it. */
  response?: string;
}
