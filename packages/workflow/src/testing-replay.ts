// Replay checks in a test: exported histories (`wf export`) replayed on the workflow
// code compiled from the app's files, as `wf replay` does on the command line.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { buildWorkflowBundle } from "@wfkit/builder";
import {
  isRunHistory,
  type ReplayBundle,
  type ReplayReport,
  type RunHistory,
  replayHistories as replayOnBundle,
  WorkflowError,
} from "@wfkit/core";

/** The workflow code to replay on: source files compiled as the app's build does. */
export interface ReplayFromFilesOptions {
  /** Files with the workflows, relative to `root` (or absolute). */
  files: string[];
  /** The project root: workflow ids name files relative to it. Default `process.cwd()`. */
  root?: string;
}

function invalid(message: string): WorkflowError {
  return new WorkflowError(
    "WF_TEST_HISTORY_INVALID",
    message,
    "Give a file written by `wf export` (or a JSON array of such histories), or a folder of them.",
  );
}

function readHistoryFile(file: string): RunHistory[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw invalid(`${file} is not JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  for (const item of list) {
    if (!isRunHistory(item))
      throw invalid(`${file} is not a run history written by wf export (format "wfkit.history", version 1).`);
  }
  return list as RunHistory[];
}

/**
 * Reads exported histories: a file written by `wf export` (or a JSON array of
 * histories), or every `*.json` file of a folder, in name order. Fails with
 * WF_TEST_HISTORY_INVALID on a missing path or a file that is not a history.
 */
export function loadHistories(source: string): RunHistory[] {
  const stat = statSync(source, { throwIfNoEntry: false });
  if (!stat) throw invalid(`There is no file or folder ${source}.`);
  if (stat.isFile()) return readHistoryFile(source);
  return readdirSync(source)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .flatMap((name) => readHistoryFile(path.join(source, name)));
}

/**
 * Replays recorded histories on the current workflow code and reports each one that
 * no longer replays, with its run id and log position (what `wf replay` prints).
 * Nothing is written anywhere: the histories are replayed in a fresh sandbox.
 *
 * `histories` is a path (a history file or a folder of them, relative to `root`) or
 * histories already loaded. `code` is the workflow files to compile (`{ files, root }`,
 * as in `createTestEnv`) or a bundle you compiled (`buildWorkflowBundle`'s result).
 *
 * @example
 * ```ts
 * const report = await replayHistories("histories", { files: ["workflows/refund.ts"], root });
 * expect(report.divergences).toEqual([]);
 * ```
 */
export async function replayHistories(
  histories: string | readonly RunHistory[],
  code: ReplayFromFilesOptions | ReplayBundle,
): Promise<ReplayReport> {
  const root = "files" in code ? (code.root ?? process.cwd()) : process.cwd();
  const loaded = typeof histories === "string" ? loadHistories(path.resolve(root, histories)) : histories;
  const bundle = "files" in code ? await buildWorkflowBundle({ root, files: code.files }) : code;
  return replayOnBundle(loaded, bundle);
}
