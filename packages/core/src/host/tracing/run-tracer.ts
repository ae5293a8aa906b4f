// Runs and step attempts as OpenTelemetry spans. A run's span ("workflow <name>")
// starts when the run is created, inside whatever span is active then (an
// incoming request's), and its trace context is stored in `run_created`. A
// process that drives a run it did not create (after a restart, or on a shared
// World) opens a continuation span parented on that stored context, so the
// trace goes on under the same trace id. Step attempts are child spans, active
// while the step's code runs (its own instrumented calls nest under them).
import {
  assertNever,
  type CreateRunInput,
  type EventInput,
  type HookKind,
  type RunId,
  type WorkflowEvent,
  type World,
} from "@wfkit/world";
import { deserialize } from "../../serialization/index.js";
import type { RunInput } from "../actor/turn.js";
import type { LifecycleObserver } from "../lifecycle-log.js";
import type { OtelApi, OtelAttributes, OtelContext, OtelSpan } from "./otel.js";
import { fromTraceContext, toTraceContext } from "./trace-context.js";

/** A step attempt's span: `run` makes it active around the step's code; `ending` ends it with the outcome. */
export interface StepSpan {
  run<T>(fn: () => T): T;
  ending(deliver: (input: RunInput) => void): (input: RunInput) => void;
}

/** What the step executor asks of tracing. */
export interface StepTracer {
  startStep(
    runId: RunId,
    stepId: string,
    name: string,
    attempt: number,
    opId: number,
  ): Promise<StepSpan | undefined> | undefined;
}

interface RunSpan {
  span: OtelSpan;
  /** The context children are started in (the run span as parent). */
  context: OtelContext;
  workflowId: string;
  /** Hook kinds by op id, to name a received payload a webhook request. */
  hooks: Map<number, HookKind>;
}

/** The spans of the runs one runtime drives. */
export class RunTracer implements LifecycleObserver, StepTracer {
  private readonly tracer;
  /** The open run span of each run this process has seen, or the read that opens it. */
  private readonly runs = new Map<string, Promise<RunSpan | undefined>>();
  private closed = false;

  constructor(
    private readonly api: OtelApi,
    private readonly world: World,
  ) {
    this.tracer = api.trace.getTracer("wfkit");
  }

  creating(input: CreateRunInput): CreateRunInput {
    const span = this.tracer.startSpan(
      `workflow ${shortName(input.workflowId)}`,
      {
        startTime: input.at,
        attributes: { "wfkit.run.id": input.runId, "wfkit.workflow.id": input.workflowId },
      },
      this.api.context.active(),
    );
    const identity = span.spanContext();
    // No provider registered: the API hands out an invalid span; there is no trace to continue.
    if (/^0*$/.test(identity.traceId)) return input;
    this.runs.set(input.runId, Promise.resolve(this.runSpan(span, input.workflowId)));
    return { ...input, traceContext: toTraceContext(identity) };
  }

  created(input: CreateRunInput, created: boolean): void {
    if (created) return;
    // The idempotency key named an earlier run: this span stands for nothing that ran.
    const open = this.runs.get(input.runId);
    this.runs.delete(input.runId);
    void open?.then((run) => {
      run?.span.setAttribute("wfkit.run.existing", true);
      run?.span.end();
    });
  }

  committed(runId: RunId, events: EventInput[]): void {
    // Nothing to record, and no promise per commit.
    if (this.untraced(runId)) return;
    void this.open(runId).then((run) => run && this.record(runId, run, events));
  }

  /** The runtime is closing: open run spans end, marked suspended (the next process continues the trace). */
  closing(): void {
    this.closed = true;
    for (const open of this.runs.values()) {
      void open.then((run) => {
        run?.span.setAttribute("wfkit.run.suspended", true);
        run?.span.end();
      });
    }
    this.runs.clear();
  }

  startStep(
    runId: RunId,
    stepId: string,
    name: string,
    attempt: number,
    opId: number,
  ): Promise<StepSpan | undefined> | undefined {
    // No span, and no promise for the attempt to await.
    if (this.untraced(runId)) return undefined;
    return this.openStep(runId, stepId, name, attempt, opId);
  }

  private async openStep(
    runId: RunId,
    stepId: string,
    name: string,
    attempt: number,
    opId: number,
  ): Promise<StepSpan | undefined> {
    const run = await this.open(runId);
    if (!run) return undefined;
    const span = this.tracer.startSpan(
      `step ${name}`,
      {
        attributes: {
          "wfkit.run.id": runId,
          "wfkit.workflow.id": run.workflowId,
          "wfkit.step.id": stepId,
          "wfkit.step.attempt": attempt,
          "wfkit.step.op_id": opId,
        },
      },
      run.context,
    );
    const context = this.api.trace.setSpan(run.context, span);
    return {
      run: (fn) => this.api.context.with(context, fn),
      ending: (deliver) => (input) => {
        this.endStep(span, input);
        deliver(input);
      },
    };
  }

  private endStep(span: OtelSpan, input: RunInput): void {
    // Omit<EventInput, "at"> loses the union; the executor hands over whole step events.
    const event = input.event as WorkflowEvent | undefined;
    if (event?.type === "step_completed") span.setStatus({ code: this.api.SpanStatusCode.OK });
    else if (event?.type === "step_retrying" || event?.type === "step_failed") {
      const error = errorOf(event.error);
      span.recordException(error);
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: `${error.name}: ${error.message}` });
      if (event.type === "step_retrying")
        span.setAttribute("wfkit.step.retry_delay_ms", Math.max(0, event.retryAt - Date.now()));
      else span.setAttribute("wfkit.step.retries_exhausted", true);
    }
    span.end();
  }

  /** The run's open span; a continuation of its stored trace if this process has none. */
  private open(runId: RunId): Promise<RunSpan | undefined> {
    let open = this.runs.get(runId);
    // The package is there but no SDK registered a provider: read nothing, per step or commit.
    if (!open && !this.providerRegistered()) return Promise.resolve(undefined);
    if (!open) {
      const reading = this.continueRun(runId);
      open = reading;
      this.runs.set(runId, reading);
      // A run not (yet) readable is tried again on its next activity.
      void reading.then((run) => {
        if (!run && this.runs.get(runId) === reading) this.runs.delete(runId);
      });
    }
    return open;
  }

  /** No provider is registered and no span is open for the run: it has nothing to trace. */
  private untraced(runId: RunId): boolean {
    return !this.runs.has(runId) && !this.providerRegistered();
  }

  private providerRegistered(): boolean {
    const provider = this.api.trace.getTracerProvider();
    return (
      typeof provider.getDelegateTracer !== "function" || provider.getDelegateTracer("wfkit") !== undefined
    );
  }

  private async continueRun(runId: RunId): Promise<RunSpan | undefined> {
    if (this.closed) return undefined;
    const record = await this.world.getRun(runId).catch(() => null);
    if (!record) return undefined;
    const events = await this.world.readEvents(runId).catch(() => []);
    const first = events[0]?.type === "run_created" ? events[0] : undefined;
    const span = this.tracer.startSpan(
      `workflow ${shortName(record.workflowId)}`,
      {
        attributes: {
          "wfkit.run.id": runId,
          "wfkit.workflow.id": record.workflowId,
          "wfkit.run.continued": true,
        },
      },
      fromTraceContext(this.api, first?.traceContext),
    );
    const run = this.runSpan(span, record.workflowId);
    for (const e of events) if (e.type === "hook_created") run.hooks.set(e.opId, e.kind);
    return run;
  }

  private runSpan(span: OtelSpan, workflowId: string): RunSpan {
    return {
      span,
      context: this.api.trace.setSpan(this.api.ROOT_CONTEXT, span),
      workflowId,
      hooks: new Map(),
    };
  }

  private record(runId: RunId, run: RunSpan, events: EventInput[]): void {
    const { span } = run;
    const note = (name: string, opId: number, at: number, more: OtelAttributes = {}) =>
      span.addEvent(name, { "wfkit.op_id": opId, ...more }, at);
    for (const e of events) {
      switch (e.type) {
        case "run_created":
        case "step_scheduled":
        case "step_retrying":
        case "step_completed":
        case "step_failed":
          // Steps are spans of their own (startStep).
          break;
        case "sleep_scheduled":
          note("sleep", e.opId, e.at, {
            "wfkit.sleep.wake_at": new Date(e.wakeAt).toISOString(),
            "wfkit.sleep.duration_ms": Math.max(0, e.wakeAt - e.at),
          });
          break;
        case "sleep_fired":
          note("sleep fired", e.opId, e.at);
          break;
        case "hook_created":
          run.hooks.set(e.opId, e.kind);
          // A webhook's token is its URL's secret: not copied into traces.
          note(`${e.kind} created`, e.opId, e.at, e.kind === "hook" ? { "wfkit.hook.token": e.token } : {});
          break;
        case "hook_conflict":
          note("hook conflict", e.opId, e.at, {
            "wfkit.hook.token": e.token,
            "wfkit.hook.owner_run_id": e.ownerRunId,
          });
          break;
        case "hook_received":
          note(run.hooks.get(e.opId) === "webhook" ? "webhook request" : "hook received", e.opId, e.at, {
            ...(e.requestId && { "wfkit.webhook.request_id": e.requestId }),
          });
          break;
        case "hook_disposed":
          note("hook disposed", e.opId, e.at);
          break;
        case "webhook_responded":
          span.addEvent("webhook responded", { "wfkit.webhook.request_id": e.requestId }, e.at);
          break;
        case "patch_marker":
          note("patched", e.opId, e.at, { "wfkit.patch.id": e.patchId });
          break;
        case "run_parked":
          span.addEvent(
            "run parked",
            {
              "wfkit.error.code": e.code,
              "wfkit.parked.position": e.position,
              "wfkit.parked.message": e.message,
            },
            e.at,
          );
          break;
        case "child_started":
          note("child run started", e.opId, e.at, { "wfkit.child.run_id": e.childRunId });
          break;
        case "child_completed":
        case "child_failed":
          note(e.type === "child_completed" ? "child run completed" : "child run failed", e.opId, e.at, {
            "wfkit.child.run_id": e.childRunId,
          });
          break;
        case "run_completed":
        case "run_cancelled":
        case "run_failed": {
          span.setAttribute("wfkit.run.status", e.type.slice(4));
          if (e.type === "run_failed") {
            const error = errorOf(e.error);
            span.recordException(error, e.at);
            span.setStatus({
              code: this.api.SpanStatusCode.ERROR,
              message: `${error.name}: ${error.message}`,
            });
          } else if (e.type === "run_completed") span.setStatus({ code: this.api.SpanStatusCode.OK });
          span.end(e.at);
          this.runs.delete(runId);
          break;
        }
        default:
          assertNever(e, "event");
      }
    }
  }
}

/** `processOrder` for `workflow//orders//processOrder`. */
function shortName(id: string): string {
  return id.split("//").at(-1) || id;
}

function errorOf(serialized: string): { name: string; message: string; stack?: string } {
  try {
    const value = deserialize(serialized) as { name?: unknown; message?: unknown; stack?: unknown } | null;
    if (value && typeof value === "object" && typeof value.message === "string") {
      return {
        name: typeof value.name === "string" ? value.name : "Error",
        message: value.message,
        ...(typeof value.stack === "string" && { stack: value.stack }),
      };
    }
    return { name: "Error", message: typeof value === "string" ? value : JSON.stringify(value) };
  } catch {
    return { name: "Error", message: serialized };
  }
}
