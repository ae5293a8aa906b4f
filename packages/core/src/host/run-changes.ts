// Tells listeners about every change the World committed for a run: the feed
// behind the inspect route's server-sent events (the web UI's live updates).
// Read from the commits themselves, so nothing polls.
import type { AppendRequest, CreateRunInput, RunStatus, World } from "@wfkit/world";
import { worldWith } from "./world-proxy.js";

/** A committed change to a run: it was created, or events were appended (maybe with a new status). */
export interface RunChange {
  /** `created`: the run's first commit; `appended`: a later one. */
  kind: "created" | "appended";
  runId: string;
  /** Known for `created`; appends do not carry it. */
  workflowId?: string;
  /** The run's status after the commit, when the commit set one (or created the run). */
  status?: RunStatus;
  /** The seq of the run's last event after the commit. */
  lastSeq: number;
  /** The types of the events committed, in order. */
  events: string[];
}

/** A listener of {@link RunChange}s. It is called after the commit, never inside it; what it throws is ignored. */
export type RunChangeListener = (change: RunChange) => void;

/** The listeners of one runtime, and the World wrapper that feeds them. */
export class RunChanges {
  private readonly listeners = new Set<RunChangeListener>();
  private readonly closeListeners = new Set<() => void>();
  private closed = false;

  /** Adds a listener (and one told when the runtime closes); returns the function that removes them. */
  subscribe(listener: RunChangeListener, onClose?: () => void): () => void {
    if (this.closed) {
      onClose?.();
      return () => {};
    }
    this.listeners.add(listener);
    if (onClose) this.closeListeners.add(onClose);
    return () => {
      this.listeners.delete(listener);
      if (onClose) this.closeListeners.delete(onClose);
    };
  }

  /** The runtime closed: no change will come; close listeners are told once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    const told = [...this.closeListeners];
    this.closeListeners.clear();
    for (const onClose of told) {
      try {
        onClose();
      } catch {}
    }
  }

  private emit(change: RunChange): void {
    // The committing caller is not held up by listeners, nor failed by them.
    if (this.listeners.size === 0) return;
    queueMicrotask(() => {
      for (const listener of [...this.listeners]) {
        try {
          listener(change);
        } catch {}
      }
    });
  }

  /** A World whose committed `createRun` and `append` calls are told to the listeners. */
  wrap(world: World): World {
    const createRun = async (input: CreateRunInput) => {
      const result = await world.createRun(input);
      if (result.created && this.listeners.size > 0) {
        this.emit({
          kind: "created",
          runId: result.run.runId,
          workflowId: result.run.workflowId,
          status: result.run.status,
          lastSeq: result.run.lastSeq,
          events: ["run_created", ...(input.firstTurn?.events ?? []).map((e) => e.type)],
        });
      }
      return result;
    };
    const append = async (request: AppendRequest) => {
      const result = await world.append(request);
      if (result.ok && this.listeners.size > 0 && (request.events.length > 0 || request.run?.status)) {
        this.emit({
          kind: "appended",
          runId: request.runId,
          ...(request.run?.status && { status: request.run.status }),
          lastSeq: result.lastSeq,
          events: request.events.map((e) => e.type),
        });
      }
      return result;
    };
    return worldWith(world, { createRun, append });
  }
}
