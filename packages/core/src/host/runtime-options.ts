// The options and public types of the Runtime facade (runtime.ts).
import type { World } from "@wfkit/world";
import type { StatusSecretOption } from "../api/status-token.js";
import type { PayloadLimits } from "./body.js";
import type { Clock } from "./clock.js";
import type { LogFormat, LogLevel } from "./lifecycle-log.js";
import type { RetentionOptions } from "./retention.js";
import type { SandboxSettings } from "./sandboxes.js";
import type { RetryPolicy } from "./steps.js";
import type { UnbuiltFile } from "./unbuilt.js";
import type { WebhookHandlerOptions } from "./webhook.js";

/** What `new Runtime(options)` takes. */
export interface RuntimeOptions {
  world: World;
  /**
   * The workflow bundle from `buildWorkflowBundle` (the sandbox plus every workflow), and
   * the workflow files the builder left out because they did not build (`unbuilt`).
   */
  workflows: WorkflowsInput;
  /** Step retries and timeouts. */
  retry?: Partial<RetryPolicy>;
  /** Most step attempts running at once in this process. Default 256. */
  stepConcurrency?: number;
  /** Most workflow instances kept warm in memory. Default 1000. */
  maxWarmRuns?: number;
  /**
   * Most memory the warm workflow instances may hold, in MB, estimated (about 256 KB per
   * instance plus the events it took in). Past it, the least recently used idle runs are
   * evicted and replay their log when an input comes. Default 256 (env `WORKFLOW_WARM_CACHE_MB`).
   */
  warmCacheMb?: number;
  /**
   * Base URL of webhook URLs (`<base>/.well-known/workflow/v1/webhook/<token>`).
   * Hosts pass the resolved one (`@wfkit/builder`'s `resolveConfig`: option, then
   * `WORKFLOW_PUBLIC_URL`, then the server's address). Default `http://localhost:3000`.
   */
  webhookBaseUrl?: string;
  /**
   * @deprecated Ignored: the runs of a workflow bundle share one sandbox realm per
   * sandbox thread, so no contexts are kept ready. Kept so existing options still type-check.
   */
  sandboxPoolSize?: number;
  /**
   * Longest one activation of workflow code may run, in ms, before its run fails with
   * WF_ACTIVATION_TIMEOUT. Default 5000 (env `WORKFLOW_ACTIVATION_TIMEOUT_MS`).
   */
  activationTimeoutMs?: number;
  /** Where workflow code runs and its memory and stack limits (docs/security.md). Default: one worker thread, 512 MB heap. */
  sandbox?: SandboxSettings;
  /** Where log lines go: `(level, args)`. Default: `console[level]`. */
  log?: (level: string, args: unknown[]) => void;
  /** Least severe level logged. Default `"info"`; `"debug"` adds a line per completed step. */
  logLevel?: LogLevel;
  /** `"json"`: lifecycle lines as one JSON object each. Default `"text"`. */
  logFormat?: LogFormat;
  /** Body limit and manual-response timeout of the webhook route. */
  webhook?: WebhookHandlerOptions;
  /**
   * Limits of a `resumeHook` payload: serialized size in bytes (default 1 MiB)
   * and nesting depth (default 64; also the depth limit of `start()`'s
   * arguments). Over them: `WF_PAYLOAD_TOO_LARGE` / `WF_JSON_TOO_DEEP`, and
   * nothing is recorded.
   */
  hookPayload?: PayloadLimits;
  /** The secret run status tokens are derived from (api/status-token.ts). Default: random, for this process only. */
  statusSecret?: StatusSecretOption;
  /**
   * Deletes ended runs once they are this old, from `recover()` on and then every
   * `every` (default 1 hour): `{ endedRunsOlderThan: "30d" }`. Default: runs are kept
   * forever (`wf prune` deletes them on demand). See docs/operations.md.
   */
  retention?: RetentionOptions;
  /**
   * On a World shared by several processes (PostgreSQL): how long work this
   * process holds (a step it runs) stays its own without renewal. It renews every
   * third of it; if the process dies, other processes take the work over once the
   * lease ends. Ignored on a single-process World. Default 30000.
   */
  leaseMs?: number;
  /**
   * The runtime's time: event and record stamps (so `Date.now()` in workflow code),
   * sleeps, wait timeouts and step retry backoff. Default: the system clock. The test
   * kit passes a virtual clock (docs/testing.md).
   */
  clock?: Clock;
  /**
   * Which code a run in flight replays on after new code is deployed: `"pinned"`
   * (default) the bundle it started on, kept in the World; `"latest"` the current
   * bundle, for apps that move old runs onto new code with `patched()`. See docs/versioning.md.
   */
  versioning?: "pinned" | "latest";
}

/** A built workflow bundle, as the runtime takes it. */
export interface WorkflowsInput {
  code: string;
  hash: string;
  /** Files left out of this build: their workflows cannot start, and their runs wait (host/unbuilt.ts). */
  unbuilt?: readonly UnbuiltFile[];
}

/** A live hook as `getHookByToken` returns it. */
/** What `getHookByToken(token)` returns about a live hook. */
export interface HookInfo {
  /** The hook's token. */
  token: string;
  /** The run waiting on it. */
  runId: string;
  /** `"webhook"` for hooks made with `createWebhook()`. */
  kind: "hook" | "webhook";
  /** When the workflow created it. */
  createdAt: Date;
  /** The `metadata` given to `createHook()`. */
  metadata: unknown;
}

/** Options of `start()`. */
export interface StartOptions {
  /** Starting twice with the same key returns the first run instead of a new one. */
  idempotencyKey?: string;
}

/** Something `start()` accepts: a workflow function (compiled, so it carries its id) or the id itself. */
export type WorkflowRef = string | ({ workflowId?: string } & ((...args: never[]) => unknown));
