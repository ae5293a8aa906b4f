// Reading the committed golden logs, and what each event type is to the replay.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { EventType, StoredEvent } from "@wfkit/world";

export const GOLDEN_DIR = path.dirname(fileURLToPath(import.meta.url));
export const WORKFLOWS_FILE = path.join(GOLDEN_DIR, "workflows.ts");

/** The id the compiler gives an export of workflows.ts. */
export function workflowId(name: string): string {
  return `workflow//workflows//${name}`;
}

/** `v<N>/runs.json`: what a replay needs that the events do not say. */
export interface GoldenIndex {
  /** The webhook base the recording runtime had (webhook URLs that workflow code saw). */
  webhookBase: string;
  /** The run id of each log: it seeds `Math.random` and is what `getWorkflowMetadata()` gave. */
  runIds: Record<string, string>;
}

export interface GoldenLog {
  /** `v1/sequence`, say. */
  id: string;
  runId: string;
  webhookBase: string;
  /** The events with their `seq` (the line number) put back. */
  events: StoredEvent[];
}

/** Every committed log of every version folder (`v1/`, `v2/`, ...). */
export function readGoldenLogs(): GoldenLog[] {
  const logs: GoldenLog[] = [];
  const versions = readdirSync(GOLDEN_DIR).filter((name) => /^v\d+$/.test(name));
  for (const version of versions.sort()) {
    const dir = path.join(GOLDEN_DIR, version);
    const indexFile = path.join(dir, "runs.json");
    if (!existsSync(indexFile)) throw new Error(`${version}/ has no runs.json`);
    const index = JSON.parse(readFileSync(indexFile, "utf8")) as GoldenIndex;
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl"))
      .sort()) {
      const name = file.slice(0, -".jsonl".length);
      const runId = index.runIds[name];
      if (!runId) throw new Error(`${version}/runs.json has no run id for ${file}`);
      const events = readFileSync(path.join(dir, file), "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line, i) => ({ ...JSON.parse(line), seq: i + 1 }) as StoredEvent);
      logs.push({ id: `${version}/${name}`, runId, webhookBase: index.webhookBase, events });
    }
  }
  return logs;
}

/**
 * What each event is to the replay, for every type of the closed union:
 * - "input": something from outside that workflow code reacts to (the runtime
 *   applies it to the instance, which may issue commands);
 * - "derived": written because of a command or the end state of the instance,
 *   so a replay must produce it again;
 * - "host": written by the runtime on its own (a retry, a refused token, a cancel).
 */
export const EVENT_ROLES = {
  run_created: "input",
  step_completed: "input",
  step_failed: "input",
  sleep_fired: "input",
  hook_received: "input",
  run_cancelled: "input",
  child_completed: "input",
  child_failed: "input",
  child_started: "derived",
  step_scheduled: "derived",
  sleep_scheduled: "derived",
  hook_created: "derived",
  hook_disposed: "derived",
  webhook_responded: "derived",
  patch_marker: "derived",
  run_completed: "derived",
  run_failed: "derived",
  step_retrying: "host",
  hook_conflict: "host",
  run_parked: "host",
} as const satisfies Record<EventType, "input" | "derived" | "host">;

/** The event types declared in world/src/events.ts (read from the source, so a new type is noticed). */
export function declaredEventTypes(): string[] {
  const source = readFileSync(path.join(GOLDEN_DIR, "../../../world/src/events.ts"), "utf8");
  return [...source.matchAll(/extends Base<"(\w+)">/g)].map((m) => m[1]!).sort();
}
