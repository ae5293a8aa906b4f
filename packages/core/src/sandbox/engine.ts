import type { HookConflict, StoredEvent } from "@wfkit/world";
import { WorkflowError } from "../errors/workflow-error.js";
import { deserialize, serialize } from "../serialization/index.js";
import { parseDuration } from "../workflow/duration.js";
import { registry } from "../workflow/realm.js";
import type { Command, EngineInit, EngineState, RecordedOp } from "./protocol.js";
import { Races } from "./races.js";

interface PendingOp {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** What a hook needs from the engine; implemented in hooks.ts. */
export interface HookSink {
  deliver(payload: unknown, requestId: string | undefined): void;
  conflict(error: Error): void;
}

/**
 * The replay engine of one run. Pure: it sees events, runs workflow code and
 * emits commands; it does no I/O. The host applies events one at a time and
 * drains microtasks between them, so resolution order is the log's order.
 */
export class Engine {
  readonly commands: Command[] = [];
  private nextOpId = 1;
  private readonly pending = new Map<number, PendingOp>();
  readonly hooks = new Map<number, HookSink>();
  /** Ops the log already records, by op id, with the position that records them. */
  private readonly recorded = new Map<number, RecordedOp>();
  /** Hook ops the World refused (a token another run holds) that the log lacks: answered when issued. */
  private readonly refused = new Map<number, HookConflict>();
  private readonly disposedRecorded = new Set<number>();
  private readonly respondedRecorded = new Set<string>();
  private state: EngineState = { status: "running" };
  /** Sleeps and hook waits that races call off (races.ts). */
  readonly races = new Races(this);
  /** Advances once per event applied: what a race calls off by slice (races.ts). */
  slice = 0;
  /** Time of the event being applied; `Date.now()` in workflow code. */
  now = 0;
  /** True while applying events the log already has (console output is muted then). */
  replaying = false;
  init!: EngineInit;

  /** Feeds an event that records an op (scheduled step, sleep, hook, disposal) from the log. */
  noteRecorded(event: StoredEvent): void {
    switch (event.type) {
      case "step_scheduled":
      case "sleep_scheduled":
      case "hook_created":
      case "hook_conflict":
      case "child_started":
      case "patch_marker":
        this.recorded.set(event.opId, { event, seq: event.seq });
        return;
      case "hook_disposed":
        this.disposedRecorded.add(event.opId);
        return;
      case "webhook_responded":
        this.respondedRecorded.add(event.requestId);
        return;
      default:
        return;
    }
  }

  /**
   * A refusal learned from an append that wrote nothing: the op gets it as its answer
   * when the code issues it (so the code sees the conflict at once, as a replay will),
   * and it is recorded at that point, not checked against the log.
   */
  noteRefused(conflict: HookConflict): void {
    this.refused.set(conflict.opId, conflict);
  }

  start(init: EngineInit): void {
    this.init = init;
    this.now = init.startedAt;
    this.slice++;
    const fn = registry().workflows.get(init.workflowId);
    if (!fn) {
      this.fail(
        new WorkflowError(
          "WF_WORKFLOW_NOT_FOUND",
          `No workflow with id ${init.workflowId} is in this build.`,
          'Check that the file that defines it is among the workflow files the runtime was built with, and that the function still has its "use workflow" directive.',
        ),
      );
      return;
    }
    let args: unknown[];
    try {
      args = deserialize<unknown[]>(init.input);
    } catch (error) {
      this.fail(error);
      return;
    }
    Promise.resolve()
      .then(() => fn(...args))
      .then(
        (value) => {
          if (this.state.status !== "running") return;
          try {
            this.state = { status: "completed", output: serialize(value, "returnValue") };
          } catch (error) {
            this.fail(error);
          }
        },
        (error) => this.fail(error),
      );
  }

  /** The commands queued since the last call, oldest first. */
  takeCommands(): Command[] {
    return this.commands.splice(0);
  }

  getState(): EngineState {
    return this.state;
  }

  fail(error: unknown): void {
    if (this.state.status !== "running") return;
    // Unbounded recursion in workflow code: the run fails with a code rather than a bare RangeError.
    if ((error as Error)?.name === "RangeError" && /call stack/i.test(String((error as Error).message))) {
      error = new WorkflowError(
        "WF_WORKFLOW_STACK_OVERFLOW",
        "Workflow code overflowed the call stack (unbounded recursion?), so its run was stopped.",
        "Give the recursion a base case, or turn it into a loop.",
      );
    }
    this.state = {
      status: "failed",
      error: serialize(error instanceof Error ? error : new Error(String(error))),
    };
  }

  /** Applies one resolution event from the log (or a new one about to be appended). */
  apply(event: StoredEvent | (Omit<StoredEvent, "seq"> & { seq?: number })): void {
    this.now = event.at;
    this.slice++;
    const e = event as StoredEvent;
    switch (e.type) {
      case "step_completed":
        this.settle(e, (op) => {
          // A class's workflow-deserialize is user code: if it throws, the step call does.
          let value: unknown;
          try {
            value = deserialize(e.output);
          } catch (error) {
            op.reject(error);
            return;
          }
          op.resolve(value);
        });
        return;
      case "step_failed":
        this.settle(e, (op) => op.reject(deserialize(e.error)));
        return;
      case "sleep_fired":
        this.settle(e, (op) => op.resolve(undefined));
        return;
      case "child_completed":
        this.settle(e, (op) => {
          try {
            op.resolve(deserialize(e.output));
          } catch (error) {
            op.reject(error);
          }
        });
        return;
      case "child_failed":
        this.settle(e, (op) => op.reject(deserialize(e.error)));
        return;
      case "hook_received": {
        const hook = this.hooks.get(e.opId);
        if (hook) hook.deliver(deserialize(e.payload), e.requestId);
        else this.diverged(e, `a payload for hook op ${e.opId}, which the code never created`);
        return;
      }
      case "run_created":
      case "step_scheduled":
      case "step_retrying":
      case "sleep_scheduled":
      case "hook_created":
      case "hook_conflict":
      case "hook_disposed":
      case "webhook_responded":
      case "child_started":
      case "patch_marker":
      case "run_parked":
      case "run_completed":
      case "run_failed":
      case "run_cancelled":
        return;
      default: {
        const never: never = e;
        throw new Error(`unknown event ${JSON.stringify(never)}`);
      }
    }
  }

  private settle(event: StoredEvent & { opId: number }, how: (op: PendingOp) => void): void {
    const op = this.pending.get(event.opId);
    if (!op) {
      // A sleep that lost a race may fire after the code stopped caring: fine.
      if (event.opId >= this.nextOpId)
        this.diverged(event, `a result for op ${event.opId}, which the code never issued`);
      return;
    }
    this.pending.delete(event.opId);
    how(op);
  }

  /** After a full replay: every op the log records must have been issued by the code. */
  checkAllRecordedIssued(): void {
    for (const [opId, { event, seq }] of this.recorded) {
      // A marker of a patch the code no longer checks (retired): nothing to issue.
      if (event.type === "patch_marker") continue;
      if (opId >= this.nextOpId) {
        this.diverged({ ...event, seq } as StoredEvent, "an operation the code never issued");
        return;
      }
    }
  }

  private diverged(event: StoredEvent, found: string, issued?: string): void {
    this.fail(
      new WorkflowError(
        "WF_REPLAY_DIVERGED",
        `Workflow code diverged from its event log at position ${event.seq} (${event.type}): the log records ${found}${
          issued ? `, but the code now ${issued}` : ""
        }.`,
        "Workflow code must do the same thing on every replay: no branching on wall-clock time, randomness or I/O outside steps. If you changed the workflow while runs were in flight, let those runs finish on the old code or start new runs.",
      ),
    );
  }

  private describeRecorded(r: RecordedOp): string {
    const e = r.event;
    switch (e.type) {
      case "step_scheduled":
        return `a call to step ${e.stepId}`;
      case "sleep_scheduled":
        return "a sleep";
      case "child_started":
        return `a child run of ${e.workflowId}`;
      case "hook_created":
      case "hook_conflict":
        return `a ${e.type === "hook_created" ? e.kind : "hook"} with token ${e.token}`;
      case "patch_marker":
        return `patched(${JSON.stringify(e.patchId)})`;
      default:
        return (e as { type: string }).type;
    }
  }

  /**
   * Issues an operation. Returns the op id and the recorded event when the
   * log already has it (replay) or the World refused it, or queues `command` when it is new.
   */
  issue<T>(
    describe: string,
    matches: (recorded: RecordedOp["event"]) => boolean,
    command: (opId: number) => Command,
  ): { opId: number; promise: Promise<T>; recorded?: RecordedOp["event"] } {
    if (this.state.status !== "running") {
      return { opId: -1, promise: new Promise<T>(() => {}) };
    }
    this.skipRetiredMarkers();
    const opId = this.nextOpId++;
    const promise = new Promise<T>((resolve, reject) => {
      this.pending.set(opId, { resolve: resolve as (v: unknown) => void, reject });
    });
    const rec = this.recorded.get(opId);
    if (rec) {
      if (!matches(rec.event)) {
        this.diverged({ ...rec.event, seq: rec.seq } as StoredEvent, this.describeRecorded(rec), describe);
        return { opId, promise: new Promise<T>(() => {}) };
      }
      return { opId, promise, recorded: rec.event };
    }
    const refused = this.refused.get(opId);
    if (refused && matches(refused)) {
      this.refused.delete(opId);
      const { token, ownerRunId } = refused;
      this.commands.push({ type: "hook_conflict", opId, token, ownerRunId });
      return { opId, promise, recorded: refused };
    }
    this.commands.push(command(opId));
    return { opId, promise };
  }

  /**
   * Markers of patches the code no longer asks about (the patch was retired and its
   * call removed) take no op of the code's: the next op is matched past them.
   */
  private skipRetiredMarkers(): void {
    while (this.recorded.get(this.nextOpId)?.event.type === "patch_marker") this.nextOpId++;
  }

  /**
   * `patched(patchId)`: true when the log records this patch's marker at the current
   * op position (the run took the patch before), or when the log records nothing at
   * this position (a new run, or a run reaching this point after the change; the
   * marker is recorded then). False when the log records another op here: the run
   * passed this point on code that had no patch. `deprecated` (`deprecatePatch`)
   * records and matches the marker the same way but its answer is not used.
   */
  patched(patchId: string): boolean {
    if (this.state.status !== "running") return true;
    const rec = this.recorded.get(this.nextOpId);
    if (rec) {
      if (rec.event.type !== "patch_marker" || rec.event.patchId !== patchId) return false;
      this.nextOpId++;
      return true;
    }
    // Ops the World refused are issued ops too; a marker is never refused, so none is pending here.
    const opId = this.nextOpId++;
    this.commands.push({ type: "patch", opId, patchId });
    return true;
  }

  /** Forgets a pending op whose result nobody waits for any more (a lost race). */
  drop(opId: number): void {
    this.pending.delete(opId);
  }

  callStep(
    stepId: string,
    name: string,
    args: unknown[],
    closure: Record<string, unknown> | undefined,
    self?: unknown,
  ): Promise<unknown> {
    let input: string;
    try {
      // `[args]`, `[args, closure]`, or `[args, closure, this]` for a step called as a method.
      const payload =
        self !== undefined ? [args, closure, self] : closure !== undefined ? [args, closure] : [args];
      input = serialize(payload, `${name}()`);
    } catch (error) {
      return Promise.reject(relabel(error, name));
    }
    return this.issue(
      `calls step ${stepId}`,
      (r) => r.type === "step_scheduled" && r.stepId === stepId,
      (opId) => ({ type: "step", opId, stepId, name, input }),
    ).promise;
  }

  sleep(until: number | string | Date): Promise<void> {
    const wakeAt =
      until instanceof Date || Object.prototype.toString.call(until) === "[object Date]"
        ? (until as Date).getTime()
        : this.now + parseDuration(until as number | string, "sleep()");
    const { opId, promise } = this.issue<void>(
      "sleeps",
      (r) => r.type === "sleep_scheduled",
      (opId) => ({ type: "sleep", opId, wakeAt }),
    );
    if (opId >= 0) this.races.tag(promise, { sleep: opId });
    return promise;
  }

  /**
   * A sleep that lost a race: nobody waits for it, so its timer is removed (with the
   * turn being built) and its wake-up, should it come anyway, is never recorded. On
   * replay only for a sleep the log lacks (its command is issued again too): for one it
   * has, the turn that recorded the race's winner removed the timer.
   */
  cancelSleep(opId: number): void {
    if (this.state.status !== "running" || !this.pending.delete(opId)) return;
    if (!this.replaying || !this.recorded.has(opId)) this.commands.push({ type: "cancel_sleep", opId });
  }

  /** A manual webhook response given in workflow code (recorded once, replayed silently). */
  respond(requestId: string, response: string): void {
    if (this.respondedRecorded.has(requestId)) return;
    this.respondedRecorded.add(requestId);
    this.commands.push({ type: "respond", requestId, response });
  }

  isDisposeRecorded(opId: number): boolean {
    return this.disposedRecorded.has(opId);
  }
}

/** `[0][1].conn` → `fn() args[1].conn`; `[1].db` → `fn() closure.db`. */
function relabel(error: unknown, name: string): unknown {
  if (error instanceof WorkflowError && error.code === "WF_SERIALIZE_UNSUPPORTED") {
    error.message = error.message
      .replace(`${name}()[0]`, `${name}() args`)
      .replace(`${name}()[1]`, `${name}() closure`)
      .replace(`${name}()[2]`, `${name}() this`);
  }
  return error;
}
