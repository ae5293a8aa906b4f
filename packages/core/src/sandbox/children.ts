import { WorkflowError } from "../errors/workflow-error.js";
import { serialize } from "../serialization/index.js";
import type { Engine } from "./engine.js";

// `start(child, args)` in workflow code: a child run started as part of the
// parent's turn. The command becomes a `child_started` event and a queue
// message that creates the child (host/children.ts); the child's end comes
// back as `child_completed` / `child_failed`, which settles `returnValue`.

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** 32-bit FNV-1a of a string: enough to spread ids, not a secret. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The child's run id, derived from the parent's id and the op: the same on every
 * replay and in every process, so creating the child twice (a retried message)
 * finds the run already there. Shaped like `newRunId`: `wrun_` + 10 time chars
 * (sortable by creation) + 16 chars; the parent's unguessable id keeps it unguessable.
 */
export function childRunIdOf(parentRunId: string, opId: number, at: number): string {
  let time = "";
  let t = Math.max(0, Math.floor(at));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rest = "";
  for (let part = 0; part < 4; part++) {
    let h = fnv1a(`${parentRunId}:${opId}:${part}`);
    for (let i = 0; i < 4; i++) {
      rest += ALPHABET[h & 31];
      h >>>= 5;
    }
  }
  return `wrun_${time}${rest}`;
}

function unsupported(field: string): WorkflowError {
  return new WorkflowError(
    "WF_CHILD_HANDLE_UNSUPPORTED",
    `run.${field} of a child run is not available in workflow code: reading another run's live state would not replay the same way.`,
    "In workflow code, await run.returnValue (its value, or its error to catch). Read the child's status or cancel it from server code or a step with getRun(run.runId).",
  );
}

/**
 * What `start()` returns in workflow code: the child's id and its result.
 * `status`, `cancel()` and the other live reads of a server-side `Run` throw
 * `WF_CHILD_HANDLE_UNSUPPORTED` here.
 */
export class ChildRunHandle<T = unknown> {
  constructor(
    /** The child's run id: pass it to `getRun()` in server code or a step. */
    readonly runId: string,
    private readonly workflowId: string,
    /** Resolves with the child's return value, or rejects with its error (`WorkflowRunCancelledError` if cancelled). */
    readonly returnValue: Promise<T>,
  ) {}
  get workflowName(): Promise<string> {
    return Promise.resolve(this.workflowId);
  }
  get status(): never {
    throw unsupported("status");
  }
  get createdAt(): never {
    throw unsupported("createdAt");
  }
  get startedAt(): never {
    throw unsupported("startedAt");
  }
  get completedAt(): never {
    throw unsupported("completedAt");
  }
  cancel(): never {
    throw unsupported("cancel()");
  }
  getReadable(): never {
    throw unsupported("getReadable()");
  }
}

/** The child runs of one run, as workflow code started them. */
export class SandboxChildren {
  /** Children started and not yet ended, by op id: cancelled with the parent if it ends first. */
  private readonly live = new Map<number, string>();

  constructor(private readonly engine: Engine) {}

  /** The ids of children whose end this run has not seen. */
  liveIds(): string[] {
    return [...this.live.values()];
  }

  start(workflow: unknown, args: unknown = []): Promise<ChildRunHandle> {
    const workflowId =
      typeof workflow === "string"
        ? workflow
        : typeof workflow === "function"
          ? (workflow as { workflowId?: unknown }).workflowId
          : undefined;
    if (typeof workflowId !== "string") {
      return Promise.reject(
        new WorkflowError(
          "WF_NOT_A_WORKFLOW",
          `start() in workflow code was given ${typeof workflow === "function" ? `the function ${(workflow as Function).name || "(anonymous)"}` : String(workflow)}, which is not a workflow.`,
          'Pass a function marked "use workflow" (imported from its file), or a workflow id.',
        ),
      );
    }
    if (!Array.isArray(args)) {
      return Promise.reject(
        new WorkflowError(
          "WF_START_ARGS",
          "start(workflow, args) takes the arguments as an array.",
          "Write start(fn, [a, b]) rather than start(fn, a, b).",
        ),
      );
    }
    let input: string;
    try {
      input = serialize(args, "args");
    } catch (error) {
      return Promise.reject(error);
    }
    const engine = this.engine;
    const at = engine.now;
    let childRunId = "";
    const issued = engine.issue<unknown>(
      `starts a child run of ${workflowId}`,
      (r) => r.type === "child_started" && r.workflowId === workflowId,
      (opId) => {
        childRunId = childRunIdOf(engine.init.runId, opId, at);
        return { type: "child", opId, childRunId, workflowId, input };
      },
    );
    if (issued.recorded?.type === "child_started") childRunId = issued.recorded.childRunId;
    if (issued.opId < 0) return new Promise(() => {});
    const { opId, promise } = issued;
    this.live.set(opId, childRunId);
    const ended = () => void this.live.delete(opId);
    // Handled here so a child's failure that nobody awaits is not an unhandled rejection.
    promise.then(ended, ended);
    return Promise.resolve(new ChildRunHandle(childRunId, workflowId, promise));
  }
}
