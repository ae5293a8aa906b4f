// One log line per thing an operator wants to know happened to a run, read from
// what the World committed: a run started, completed, failed or was cancelled,
// a step attempt failed (and will retry, or not), a step completed.
import type { AppendRequest, CreateRunInput, EventInput, RunId, World } from "@wfkit/world";
import { deserialize } from "../serialization/index.js";
import { worldWith } from "./world-proxy.js";

/** Least severe level written; `silent` writes nothing. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
/** `text`: one readable line; `json`: one JSON object per line (for log collectors). */
export type LogFormat = "text" | "json";

export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];
const RANK: Record<string, number> = { debug: 0, log: 1, info: 1, warn: 2, error: 3, silent: 4 };

/** The default `RuntimeOptions.log`: each level to the console method of that name. */
export function consoleLog(level: string, args: unknown[]): void {
  (console as unknown as Record<string, Function>)[level]?.(...args);
}

/** A runtime's `log`, limited to `level` and above. */
export function filterLog(
  log: (level: string, args: unknown[]) => void,
  level: LogLevel,
): (level: string, args: unknown[]) => void {
  const min = RANK[level] ?? 1;
  return (l, args) => {
    if ((RANK[l] ?? 1) >= min) log(l, args);
  };
}

interface Fields {
  runId: string;
  workflow?: string;
  step?: string;
  attempt?: number;
  [key: string]: unknown;
}

/** Sees what the lifecycle log sees (tracing, host/tracing): run creations, commits, the World closing. */
export interface LifecycleObserver {
  /** Before a run is created: may add to what is stored (its trace context). */
  creating(input: CreateRunInput): CreateRunInput;
  created(input: CreateRunInput, created: boolean): void;
  committed(runId: RunId, events: EventInput[]): void;
  closing(): void;
}

/** Writes lifecycle lines in the chosen format through the runtime's `log`. */
export class LifecycleLog {
  /** Set once tracing is on (host/tracing); undefined costs one check per commit. */
  observer: LifecycleObserver | undefined;
  private readonly workflows = new Map<string, string>();
  /** Step ids by op, per run: `step_retrying` names only the op. */
  private readonly steps = new Map<string, Map<number, string>>();

  /** Lines below this rank are not formatted at all (a debug line per step cost a string per step). */
  private readonly minRank: number;

  constructor(
    private readonly log: (level: string, args: unknown[]) => void,
    private readonly format: LogFormat,
    level: LogLevel = "debug",
  ) {
    this.minRank = RANK[level] ?? 1;
  }

  /** `frames`: the `at …` lines of an error's stack, written after the line (text) or as `stack` (JSON). */
  line(level: "debug" | "info" | "warn" | "error", message: string, fields: Fields, frames?: string): void {
    if ((RANK[level] ?? 1) < this.minRank) return;
    if (this.format === "json") {
      const stack = frames ? { stack: frames } : {};
      this.log(level, [
        JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields, ...stack }),
      ]);
      return;
    }
    const where = [
      fields.workflow,
      fields.step && `step ${fields.step}`,
      fields.attempt && `attempt ${fields.attempt}`,
    ]
      .filter(Boolean)
      .join(" ");
    const rest = Object.entries(fields)
      .filter(([k]) => !["runId", "workflow", "step", "attempt"].includes(k))
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" ");
    this.log(level, [
      `wfkit: run ${fields.runId}${where ? ` ${where}` : ""}: ${message}${rest ? ` (${rest})` : ""}`,
      ...(frames ? [`\n${frames}`] : []),
    ]);
  }

  /** A World whose commits are logged; every other call goes straight to `world`. */
  wrap(world: World): World {
    const createRun = async (given: CreateRunInput) => {
      const input = this.observer ? this.observer.creating(given) : given;
      this.noteSteps(input.runId, input.firstTurn?.events ?? []);
      const result = await world.createRun(input);
      this.observer?.created(input, result.created);
      if (result.created) {
        this.workflows.set(input.runId, input.workflowId);
        this.line("info", "started", { runId: input.runId, workflow: input.workflowId });
        if (input.firstTurn) {
          this.committed(world, input.runId, input.firstTurn.events);
          this.observer?.committed(input.runId, input.firstTurn.events);
        }
      }
      return result;
    };
    const append = async (request: AppendRequest) => {
      // Step names are noted before the commit: a pipelined later append may settle first.
      this.noteSteps(request.runId, request.events);
      const result = await world.append(request);
      if (result.ok) {
        this.committed(world, request.runId, request.events);
        this.observer?.committed(request.runId, request.events);
      }
      return result;
    };
    const close = async () => {
      await world.close();
      // The World's close settled the appends it committed; their continuations above (and
      // the observer's records) run as microtasks, so one turn later the observer has them
      // all. An append that never settles (a process dying in a test) holds nothing up.
      await new Promise((resolve) => setImmediate(resolve));
      this.observer?.closing();
    };
    return worldWith(world, { createRun, append, close });
  }

  private noteSteps(runId: string, events: EventInput[]): void {
    for (const e of events) {
      if (e.type !== "step_scheduled") continue;
      if (!this.steps.has(runId)) this.steps.set(runId, new Map());
      this.steps.get(runId)!.set(e.opId, e.stepId);
    }
  }

  private committed(world: World, runId: string, events: EventInput[]): void {
    if (events.length === 0) return;
    const unknown = events.some(
      (e) =>
        (e.type === "step_retrying" || e.type === "step_failed" || e.type === "step_completed") &&
        !this.steps.get(runId)?.has(e.opId),
    );
    // A step scheduled before this process knew the run (recovered, or another process): read its name.
    if (unknown) {
      world.readEvents(runId).then(
        (all) => {
          this.noteSteps(runId, all);
          this.lines(runId, events);
        },
        () => this.lines(runId, events),
      );
    } else this.lines(runId, events);
  }

  private lines(runId: string, events: EventInput[]): void {
    const workflow = this.workflows.get(runId);
    const base = { runId, ...(workflow && { workflow }) };
    const step = (opId: number) => this.steps.get(runId)?.get(opId) ?? `op ${opId}`;
    for (const e of events) {
      switch (e.type) {
        case "step_completed":
          if (RANK.debug! < this.minRank) break;
          this.line("debug", "step completed", { ...base, step: step(e.opId), attempt: e.attempt });
          break;
        case "step_retrying":
          this.line("warn", `step attempt failed, retrying in ${Math.max(0, e.retryAt - e.at)}ms`, {
            ...base,
            step: step(e.opId),
            attempt: e.attempt,
            error: errorText(e.error),
          });
          break;
        case "step_failed":
          this.line("warn", "step failed, no retries left", {
            ...base,
            step: step(e.opId),
            attempt: e.attempt,
            error: errorText(e.error),
          });
          break;
        case "run_completed":
        case "run_failed":
        case "run_cancelled": {
          const what = e.type.slice(4);
          if (e.type === "run_failed") {
            // The stored stack is mapped to the user's files (source-maps.ts): where to look first.
            this.line("error", what, { ...base, error: errorText(e.error) }, framesOf(e.error));
          } else this.line("info", what, base);
          this.forget(runId);
          break;
        }
      }
    }
  }

  /** One line at start-up: unfinished runs (up to 1001 listed) that this process resumes. */
  recovered(runIds: string[]): void {
    const count = runIds.length > 1000 ? "more than 1000" : String(runIds.length);
    const shown = runIds.slice(0, 5);
    if (this.format === "json") {
      const line = {
        time: new Date().toISOString(),
        level: "info",
        msg: "recovering unfinished runs",
        count,
        runIds: shown,
      };
      this.log("info", [JSON.stringify(line)]);
      return;
    }
    const more = runIds.length > 5 ? ", ..." : "";
    this.log("info", [
      `wfkit: recovering ${count} unfinished run${runIds.length === 1 ? "" : "s"} (${shown.join(", ")}${more})`,
    ]);
  }

  /** Remembers a run's workflow (runs recovered at start-up, created by another process). */
  knowWorkflow(runId: string, workflowId: string): void {
    this.workflows.set(runId, workflowId);
  }

  private forget(runId: string): void {
    this.workflows.delete(runId);
    this.steps.delete(runId);
  }
}

function errorText(serialized: string): string {
  try {
    const value = deserialize(serialized) as { name?: string; message?: string } | string;
    if (typeof value === "string") return value;
    return value?.message !== undefined
      ? `${value.name ?? "Error"}: ${value.message}`
      : JSON.stringify(value);
  } catch {
    return serialized;
  }
}

/** The `at …` lines of a serialized error's stack, or undefined. */
function framesOf(serialized: string): string | undefined {
  try {
    const stack = (deserialize(serialized) as { stack?: unknown } | null)?.stack;
    if (typeof stack !== "string") return undefined;
    const frames = stack.split("\n").filter((line) => /^\s+at /.test(line));
    return frames.length > 0 ? frames.join("\n") : undefined;
  } catch {
    return undefined;
  }
}
