import type { AppendRequest, EventInput, HookConflict, MessageInput, QueueMessage, StoredEvent } from "@wfkit/world";
import type { Command } from "../sandbox/protocol.js";
import { SandboxInstance } from "./sandbox-vm.js";
import type { RuntimeCore } from "./types.js";

/** Something that happened to a run and must be appended to its log (a step result, a timer, a payload). */
export interface RunInput {
  event?: EventInput | Omit<EventInput, "at">;
  /** Queue messages this input consumes. */
  ack?: string[];
  enqueue?: MessageInput[];
  /** Refuses the input when an earlier append of the run used this key (a step that ran twice). */
  dedupeKey?: string;
  /** Told once the input is committed (true) or refused (false). */
  done?: (committed: boolean) => void;
}

/**
 * The single writer of one run inside this process. It keeps the run's
 * workflow instance warm, applies inputs in order, and commits each batch —
 * inputs, the commands they caused, run status — in one atomic append.
 */
export class RunActor {
  private instance: SandboxInstance | undefined;
  private seq = 0;
  private started = false;
  private inbox: RunInput[] = [];
  private pumping = false;
  private ended = false;
  /** Hook conflicts learned from a refused append, recorded with the next one. */
  private conflicts: HookConflict[] = [];

  constructor(
    private readonly core: RuntimeCore,
    readonly runId: string,
  ) {}

  get busy(): boolean {
    return this.pumping || this.inbox.length > 0;
  }

  /** Drops the warm instance; the next input replays the log. */
  evict(): void {
    this.instance = undefined;
  }

  post(input: RunInput): void {
    if (this.ended) {
      input.done?.(false);
      return;
    }
    this.inbox.push(input);
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      let recovered: Command[] = [];
      while (!this.ended) {
        if (!this.instance) {
          const loaded = await this.load();
          if (!loaded) break;
          recovered = loaded;
        }
        const batch = this.inbox.splice(0);
        if (batch.length === 0 && recovered.length === 0 && this.conflicts.length === 0) break;
        await this.turn(batch, recovered);
        recovered = [];
      }
    } catch (error) {
      this.core.log("error", [`wfkit: run ${this.runId} stopped on an internal error`, error]);
      for (const input of this.inbox.splice(0)) input.done?.(false);
      this.instance = undefined;
    } finally {
      this.pumping = false;
      if (this.ended) this.core.forget(this.runId);
      else this.core.touch(this);
    }
  }

  /** Cold start: replays the whole log. Returns commands the log lacks (a crash cut the last turn short). */
  private async load(): Promise<Command[] | null> {
    const run = await this.core.world.getRun(this.runId);
    if (!run || run.status === "completed" || run.status === "failed" || run.status === "cancelled") {
      this.finish(false);
      return null;
    }
    const events = await this.core.world.readEvents(this.runId);
    const created = events[0];
    if (!created || created.type !== "run_created") throw new Error(`run ${this.runId} has no run_created event`);
    const instance = new SandboxInstance(this.core.script(), this.core.sandboxOptions);
    for (const event of events) instance.noteRecorded(event);
    for (const conflict of this.conflicts) instance.noteRecorded({ ...conflict, seq: this.seq + 1, at: Date.now() });
    instance.start(
      { runId: run.runId, workflowId: run.workflowId, input: run.input, startedAt: run.createdAt },
      events.length > 1,
    );
    for (let i = 1; i < events.length; i++) instance.apply(events[i] as StoredEvent, i < events.length - 1);
    instance.finishReplay();
    this.instance = instance;
    this.seq = run.lastSeq;
    this.started = run.status === "running";
    return instance.takeCommands();
  }

  private async turn(batch: RunInput[], recovered: Command[]): Promise<void> {
    const instance = this.instance!;
    const request: Required<Pick<AppendRequest, "events" | "enqueue" | "ack" | "dedupeKeys">> & AppendRequest = {
      runId: this.runId,
      expectedSeq: this.seq,
      events: [...this.conflicts.map((c) => ({ ...c, at: Date.now() }))],
      enqueue: [],
      ack: [],
      dedupeKeys: [],
      hooks: { create: [], release: [] },
    };
    const responses: Array<[string, string]> = [];
    let cancelled = false;
    this.addCommands(request, recovered, responses, Date.now());
    for (const input of batch) {
      if (input.ack) request.ack.push(...input.ack);
      if (input.enqueue) request.enqueue.push(...input.enqueue);
      if (input.dedupeKey) request.dedupeKeys.push(input.dedupeKey);
      if (!input.event) continue;
      const at = Date.now();
      const event = { ...input.event, at } as EventInput;
      if (event.type === "run_cancelled") {
        cancelled = true;
        request.events.push(event);
        break;
      }
      if (instance.state().status !== "running") continue;
      request.events.push(event);
      instance.apply(event, false);
      this.addCommands(request, instance.takeCommands(), responses, at);
    }
    const state = instance.state();
    const now = Date.now();
    if (cancelled) {
      request.run = { status: "cancelled", completedAt: now };
    } else if (state.status === "completed") {
      request.events.push({ v: 1, type: "run_completed", output: state.output, at: now });
      request.run = { status: "completed", output: state.output, completedAt: now };
    } else if (state.status === "failed") {
      request.events.push({ v: 1, type: "run_failed", error: state.error, at: now });
      request.run = { status: "failed", error: state.error, completedAt: now };
    }
    if (!this.started) request.run = { startedAt: now, status: "running", ...request.run };

    const result = await this.core.world.append(request);
    if (result.ok) {
      this.seq = result.lastSeq;
      this.started = true;
      this.conflicts = [];
      for (const input of batch) input.done?.(true);
      for (const [requestId, response] of responses) void this.core.world.putResponse(requestId, response);
      if (request.run?.status && request.run.status !== "running") {
        this.finish(true);
        this.core.runEnded(this.runId);
      } else {
        this.core.dispatch(result.messages);
      }
      return;
    }
    // Refused: nothing of this batch is in the log. Replay and try again.
    this.instance = undefined;
    switch (result.reason) {
      case "conflict":
        this.inbox.unshift(...batch);
        return;
      case "duplicate": {
        const keep = batch.filter((input) => input.dedupeKey !== result.key);
        for (const input of batch) if (input.dedupeKey === result.key) input.done?.(false);
        this.inbox.unshift(...keep);
        return;
      }
      case "hook_conflict": {
        const create = request.hooks!.create!.find((h) => h.token === result.token)!;
        this.conflicts.push({ v: 1, type: "hook_conflict", opId: create.opId as never, token: result.token, ownerRunId: result.ownerRunId });
        this.inbox.unshift(...batch);
        return;
      }
      case "run_ended":
      case "run_not_found":
        for (const input of batch) input.done?.(false);
        this.finish(false);
        return;
    }
  }

  private addCommands(request: AppendRequest, commands: Command[], responses: Array<[string, string]>, at: number): void {
    for (const command of commands) {
      switch (command.type) {
        case "step":
          request.events.push({ v: 1, type: "step_scheduled", opId: command.opId as never, stepId: command.stepId, input: command.input, at });
          request.enqueue!.push({
            runId: this.runId,
            kind: "step",
            opId: command.opId,
            attempt: 1,
            payload: JSON.stringify({ stepId: command.stepId, name: command.name, input: command.input }),
            leased: true,
          });
          break;
        case "sleep":
          request.events.push({ v: 1, type: "sleep_scheduled", opId: command.opId as never, wakeAt: command.wakeAt, at });
          request.enqueue!.push({ runId: this.runId, kind: "timer", opId: command.opId, availableAt: command.wakeAt, leased: true });
          break;
        case "hook":
          request.events.push({
            v: 1,
            type: "hook_created",
            opId: command.opId as never,
            token: command.token,
            kind: command.kind,
            ...(command.metadata !== undefined && { metadata: command.metadata }),
            ...(command.respondWith !== undefined && { respondWith: command.respondWith }),
            at,
          });
          request.hooks!.create!.push({
            token: command.token,
            opId: command.opId,
            kind: command.kind,
            metadata: command.metadata,
            respondWith: command.respondWith,
          });
          break;
        case "dispose_hook":
          request.events.push({ v: 1, type: "hook_disposed", opId: command.opId as never, at });
          request.hooks!.release!.push(command.token);
          break;
        case "respond":
          request.events.push({ v: 1, type: "webhook_responded", requestId: command.requestId, response: command.response, at });
          responses.push([command.requestId, command.response]);
          break;
        default: {
          const never: never = command;
          throw new Error(`unknown command ${JSON.stringify(never)}`);
        }
      }
    }
  }

  private finish(_committed: boolean): void {
    this.ended = true;
    this.instance = undefined;
    for (const input of this.inbox.splice(0)) input.done?.(false);
  }
}

export type { QueueMessage };
