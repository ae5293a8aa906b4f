import type { HookConflict, HookCreated } from "@wfkit/world";
import { HookConflictError } from "../errors/subclasses.js";
import { WorkflowError } from "../errors/workflow-error.js";
import { SANDBOX_HOOK_KEY } from "../globals.js";
import { serialize } from "../serialization/index.js";
import { parseDuration } from "../workflow/duration.js";
import type { HookOptions, WebhookOptions } from "../workflow/hooks.js";
import type { Engine, HookSink } from "./engine.js";
import type { SandboxHostBridge } from "./protocol.js";
import type { HookWait, TrackedWait } from "./races.js";
import { toWebhookRequest, type WebhookRequestRecord } from "./web.js";

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  tracked: TrackedWait;
}

const HOOK = SANDBOX_HOOK_KEY;

export function isSandboxHook(value: unknown): value is SandboxHook {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[HOOK] === true;
}

/**
 * A hook inside the sandbox. Payloads arrive in log order; each await takes
 * the oldest one not yet taken (lookback: a payload that came before anyone
 * waited is kept).
 */
export class SandboxHook implements HookSink {
  readonly [HOOK] = true;
  private readonly buffer: unknown[] = [];
  private readonly waiters: Waiter[] = [];
  private error: Error | undefined;
  private disposed = false;
  url?: string;

  constructor(
    private readonly engine: Engine,
    readonly opId: number,
    readonly token: string,
    readonly kind: "hook" | "webhook",
  ) {}

  deliver(payload: unknown, requestId: string | undefined): void {
    const value =
      this.kind === "webhook"
        ? toWebhookRequest(this.engine, payload as WebhookRequestRecord, requestId)
        : payload;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.engine.races.untrack(waiter.tracked);
      waiter.resolve(value);
    } else this.buffer.push(value);
  }

  conflict(error: Error): void {
    this.error = error;
    for (const waiter of this.waiters.splice(0)) {
      this.engine.races.untrack(waiter.tracked);
      waiter.reject(error);
    }
  }

  hasBuffered(): boolean {
    return this.buffer.length > 0;
  }

  wait(): HookWait<unknown> {
    if (this.error) return { promise: Promise.reject(this.error), cancel() {} };
    if (this.buffer.length > 0) return { promise: Promise.resolve(this.buffer.shift()), cancel() {} };
    if (this.disposed) {
      return { promise: Promise.reject(disposedError(this.token)), cancel() {} };
    }
    let waiter!: Waiter;
    // A wait called off by a lost race leaves the line: the next payload stays queued for the next wait.
    const cancel = () => {
      this.engine.races.untrack(waiter.tracked);
      const index = this.waiters.indexOf(waiter);
      if (index >= 0) this.waiters.splice(index, 1);
    };
    const tracked = this.engine.races.track(cancel);
    const promise = new Promise<unknown>((resolve, reject) => {
      waiter = { resolve, reject, tracked };
    });
    this.engine.races.tag(promise, { wait: tracked });
    this.waiters.push(waiter);
    return { promise, cancel };
  }

  // biome-ignore lint/suspicious/noThenProperty: a hook is awaited directly, like the peer's.
  then<A = unknown, B = never>(
    onFulfilled?: ((value: unknown) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.wait().promise.then(onFulfilled, onRejected);
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return {
      next: () => this.wait().promise.then((value) => ({ value, done: false })),
      return: (value?: unknown) => Promise.resolve({ value, done: true }),
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.engine.isDisposeRecorded(this.opId)) {
      this.engine.commands.push({ type: "dispose_hook", opId: this.opId, token: this.token });
    }
    for (const waiter of this.waiters.splice(0)) {
      this.engine.races.untrack(waiter.tracked);
      waiter.reject(disposedError(this.token));
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

function disposedError(token: string): Error {
  return new WorkflowError(
    "WF_HOOK_DISPOSED",
    `The hook ${token} was disposed, so it has no more payloads to give.`,
    "Await the hook before disposing it, or create a new hook.",
  );
}

/** `createHook()` / `createWebhook()` inside the sandbox. */
export function createSandboxHook(
  engine: Engine,
  bridge: SandboxHostBridge,
  options: HookOptions & WebhookOptions,
  kind: "hook" | "webhook",
): SandboxHook {
  if (kind === "webhook" && (options as HookOptions).token !== undefined) {
    throw new WorkflowError(
      "WF_WEBHOOK_CUSTOM_TOKEN",
      "createWebhook() does not take a token: webhook URLs are public, so their tokens are random and unguessable.",
      "Use createHook({ token }) with resumeHook() from your own route when an outside system must compute the token.",
    );
  }
  const custom = kind === "hook" ? options.token : undefined;
  let respondWith: "default" | "manual" | { static: string } = "default";
  if (options.respondWith === "manual") respondWith = "manual";
  else if (options.respondWith !== undefined)
    respondWith = { static: serialize(options.respondWith, "respondWith") };
  const metadata = options.metadata === undefined ? undefined : serialize(options.metadata, "metadata");
  let token = custom ?? "";
  const issued = engine.issue(
    `creates a ${kind}${custom ? ` with token ${custom}` : ""}`,
    (r) =>
      (r.type === "hook_created" || r.type === "hook_conflict") &&
      (custom === undefined || r.token === custom),
    (opId) => {
      token = custom ?? bridge.randomToken();
      return {
        type: "hook",
        opId,
        token,
        kind,
        metadata,
        respondWith,
        ...(kind === "webhook" && options.verify !== undefined && { verify: String(options.verify) }),
      };
    },
  );
  // Hook ops never resolve through `pending`: payloads go through the hook.
  engine.drop(issued.opId);
  const recorded = issued.recorded as HookCreated | HookConflict | undefined;
  if (recorded) token = recorded.token;
  const hook = new SandboxHook(engine, issued.opId, token, kind);
  if (kind === "webhook")
    hook.url = `${bridge.webhookBase()}/.well-known/workflow/v1/webhook/${encodeURIComponent(token)}`;
  if (recorded?.type === "hook_conflict") hook.conflict(conflictError(token, recorded.ownerRunId));
  engine.hooks.set(issued.opId, hook);
  return hook;
}

export function conflictError(token: string, ownerRunId: string): Error {
  return new HookConflictError(token, ownerRunId);
}

/** `waitForHook(hook, timeout)`: the next payload, or `{ timeout: true }`; a late payload stays queued. */
export async function waitWithTimeout(
  engine: Engine,
  source: unknown,
  timeout: number | string,
): Promise<{ timeout: true } | { timeout: false; payload: unknown }> {
  if (!isSandboxHook(source)) {
    throw new WorkflowError(
      "WF_NOT_A_HOOK",
      "waitForHook()/waitForWebhook() takes a hook made by createHook() or createWebhook() in this workflow.",
      "Pass the object createHook()/createWebhook() returned.",
    );
  }
  const ms = parseDuration(timeout, "timeout");
  // A payload already here wins without starting a timer.
  if (source.hasBuffered()) return { timeout: false, payload: await source.wait().promise };
  const wait = source.wait();
  let timedOut = false;
  const timer = engine.sleep(ms).then(() => {
    timedOut = true;
  });
  const payload = await Promise.race([wait.promise, timer]);
  if (timedOut) {
    wait.cancel();
    return { timeout: true };
  }
  return { timeout: false, payload };
}
