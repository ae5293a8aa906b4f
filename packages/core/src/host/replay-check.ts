import type { RunRecord, StoredEvent, World } from "@wfkit/world";
import { deserialize } from "../serialization/index.js";
import { runActivation } from "./sandbox-activation.js";
import { SandboxInstance, SandboxScript } from "./sandbox-vm.js";

// Replay checks: recorded run histories replayed against a workflow bundle, to find
// out before a deploy whether the new code still matches what runs recorded
// (`wf replay`, and `replayHistories` in a test). Nothing is written anywhere.

/** The format tag of an exported history (`wf export`). */
export const HISTORY_FORMAT = "wfkit.history" as const;

/** One run's recorded history as `wf export` writes it: the run record and its whole event log. */
export interface RunHistory {
  format: typeof HISTORY_FORMAT;
  version: 1;
  run: RunRecord;
  events: StoredEvent[];
}

/** Where a history no longer replays on the code. */
export interface ReplayDivergence {
  runId: string;
  workflowId: string;
  /** Position (seq) in the run's log where the code and the log part; undefined when the code failed elsewhere. */
  position: number | undefined;
  /** The error code: WF_REPLAY_DIVERGED, WF_WORKFLOW_NOT_FOUND, an activation failure, or WF_REPLAY_MORE_WORK. */
  code: string;
  message: string;
}

/** What {@link replayHistories} found. */
export interface ReplayReport {
  /** Histories replayed. */
  replayed: number;
  /** Every history that did not replay cleanly, in the order given. */
  divergences: ReplayDivergence[];
}

/** The workflow bundle to replay on (`buildWorkflowBundle`'s `code` and `hash`). */
export interface ReplayBundle {
  code: string;
  hash: string;
}

/** Reads one run's history from a World (what `wf export` writes). Undefined when there is no such run. */
export async function exportRunHistory(world: World, runId: string): Promise<RunHistory | undefined> {
  const run = await world.getRun(runId);
  if (!run) return undefined;
  const events = await world.readEvents(run.runId);
  return { format: HISTORY_FORMAT, version: 1, run, events };
}

/** Whether a parsed JSON value is an exported history (checked enough to replay it). */
export function isRunHistory(value: unknown): value is RunHistory {
  const h = value as Partial<RunHistory> | null;
  return (
    typeof h === "object" &&
    h !== null &&
    h.format === HISTORY_FORMAT &&
    h.version === 1 &&
    typeof h.run?.runId === "string" &&
    Array.isArray(h.events)
  );
}

/**
 * Replays each recorded history on `workflows` in a fresh sandbox context (the same
 * engine that resumes runs) and reports each divergence with its run and log
 * position. A history that replays to a state its log does not allow also counts:
 * a run recorded as completed whose code now issues more work (WF_REPLAY_MORE_WORK).
 * Histories recorded while a run was still waiting replay up to their end.
 */
export function replayHistories(histories: readonly RunHistory[], workflows: ReplayBundle): ReplayReport {
  const script = new SandboxScript(workflows.code, workflows.hash);
  const divergences: ReplayDivergence[] = [];
  for (const history of histories) {
    const found = replayOne(script, history);
    if (found) divergences.push(found);
  }
  return { replayed: histories.length, divergences };
}

function replayOne(script: SandboxScript, history: RunHistory): ReplayDivergence | undefined {
  const { run, events } = history;
  const at = (code: string, message: string, position: number | undefined): ReplayDivergence => ({
    runId: run.runId,
    workflowId: run.workflowId,
    position,
    code,
    message,
  });
  let state: { status: string; error?: string };
  let commands: Array<{ type: string }>;
  try {
    const instance = new SandboxInstance(script, { webhookBase: () => "http://replay.invalid" });
    const answer = runActivation(instance, {
      op: "replay",
      init: JSON.stringify({
        runId: run.runId,
        workflowId: run.workflowId,
        input: run.input,
        startedAt: run.createdAt,
      }),
      events: events.map((e) => JSON.stringify(e)),
      conflicts: [],
    });
    state = JSON.parse(answer.state);
    commands = JSON.parse(answer.commands[0] ?? "[]");
  } catch (error) {
    return at("WF_WORKFLOW_CRASHED", String((error as Error)?.message ?? error), undefined);
  }
  const last = events[events.length - 1];
  if (state.status === "failed") {
    const error = safeDeserialize(state.error);
    // The run failed the same way in its log: replaying to that failure is a match.
    if (last?.type === "run_failed" && run.status === "failed" && !isDivergence(error.code)) return undefined;
    const position = /at position (\d+)/.exec(error.message)?.[1];
    return at(
      error.code ?? "WF_RUN_FAILED",
      error.message,
      position === undefined ? (error.code === "WF_WORKFLOW_NOT_FOUND" ? 1 : undefined) : Number(position),
    );
  }
  if (last?.type === "run_completed" && (state.status === "running" || commands.length > 0)) {
    const what = commands.map((c) => c.type).join(", ") || "nothing, and never returns";
    return at(
      "WF_REPLAY_MORE_WORK",
      `The log records that the run completed at position ${last.seq}, but the code now issues ${what} there.`,
      last.seq,
    );
  }
  return undefined;
}

function isDivergence(code: string | undefined): boolean {
  return code === "WF_REPLAY_DIVERGED" || code === "WF_WORKFLOW_NOT_FOUND";
}

function safeDeserialize(error: string | undefined): { code?: string; message: string } {
  try {
    const value = deserialize<{ code?: string; message?: string }>(error ?? "");
    return { code: value?.code, message: String(value?.message ?? value) };
  } catch {
    return { message: String(error) };
  }
}
