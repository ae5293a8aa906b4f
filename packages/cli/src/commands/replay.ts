import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { buildWorkflowBundle, findWorkflowFiles, formatDiagnostic, resolveConfig } from "@wfkit/builder";
import { exportRunHistory, isRunHistory, type RunHistory, replayHistories } from "@wfkit/core";
import type { World } from "@wfkit/world";
import { type ParsedArgs, UsageError } from "../args.js";
import { openWorld } from "../world/index.js";

// `wf export` writes one run's history to a file; `wf replay` replays recorded
// histories (files, a folder of them, or every run of a data folder or database)
// on the app's current workflow code and reports where they diverge.

export const EXPORT_FLAGS = { "data-dir": "string", "postgres-url": "string", out: "string" } as const;
export const REPLAY_FLAGS = {
  workflow: "string",
  workflows: "string",
  root: "string",
  "postgres-url": "string",
  json: "boolean",
} as const;

/** `-o FILE` is `--out FILE` (the one short flag). */
export function expandShortOut(argv: string[]): string[] {
  return argv.map((arg) => (arg === "-o" ? "--out" : arg));
}

/** A coded error as one message on stderr and exit 1; anything else is a bug and rethrown. */
async function reported(work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    const e = error as { code?: string; message: string };
    if (!e.code || error instanceof UsageError) throw error;
    process.stderr.write(`wf: ${e.message}\n`);
    return 1;
  }
}

/** `wf export <runId> [--data-dir D | --postgres-url U] [-o file]`: the run record and its events as JSON. */
export async function exportCommand({ positional, flags }: ParsedArgs): Promise<number> {
  const [runId, extra] = positional;
  if (!runId || extra !== undefined)
    throw new UsageError("export takes one run id: wf export <runId> [-o file]");
  const config = resolveConfig({
    root: process.cwd(),
    dataDir: flags["data-dir"] as string | undefined,
    postgresUrl: flags["postgres-url"] as string | undefined,
  });
  return reported(async () => {
    const world = await openWorld(config);
    try {
      const history = await exportRunHistory(world, runId);
      if (!history) {
        process.stderr.write(`wf: WF_RUN_NOT_FOUND: there is no run ${runId} in ${config.dataDir}.\n`);
        return 1;
      }
      const text = `${JSON.stringify(history, null, 2)}\n`;
      if (typeof flags.out === "string") {
        // `-o test/histories/x.json` into a folder not made yet, as the docs show it.
        mkdirSync(path.dirname(flags.out), { recursive: true });
        writeFileSync(flags.out, text);
        process.stderr.write(`Wrote run ${runId} (${history.events.length} events) to ${flags.out}.\n`);
      } else process.stdout.write(text);
      return 0;
    } finally {
      await world.close();
    }
  });
}

/** Every run of a World, with its events. */
async function historiesOf(world: World): Promise<RunHistory[]> {
  const out: RunHistory[] = [];
  let before: { createdAt: number; runId: string } | undefined;
  for (;;) {
    const page = await world.listRuns({ limit: 500, ...(before && { before }) });
    for (const run of page) {
      const history = await exportRunHistory(world, run.runId);
      if (history) out.push(history);
    }
    if (page.length < 500) return out;
    const last = page[page.length - 1]!;
    before = { createdAt: last.createdAt, runId: last.runId };
  }
}

function readHistoryFile(file: string): RunHistory[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  for (const item of list) {
    if (!isRunHistory(item))
      throw new UsageError(
        `${file} is not a run history written by wf export (format "wfkit.history", version 1)`,
      );
  }
  return list as RunHistory[];
}

/** A history file, a folder of them, or a data folder (it holds world.sqlite). */
async function loadHistories(
  source: string | undefined,
  postgresUrl: string | undefined,
): Promise<RunHistory[]> {
  if (source === undefined) {
    if (!postgresUrl)
      throw new UsageError(
        "replay takes a history file, a folder of them, or a data folder: wf replay <source>",
      );
    const world = await openWorld({ dataDir: "", postgresUrl });
    try {
      return await historiesOf(world);
    } finally {
      await world.close();
    }
  }
  const stat = statSync(source, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`there is no file or folder ${source}`);
  if (stat.isFile()) return readHistoryFile(source);
  if (statSync(path.join(source, "world.sqlite"), { throwIfNoEntry: false })?.isFile()) {
    const world = await openWorld({ dataDir: source });
    try {
      return await historiesOf(world);
    } finally {
      await world.close();
    }
  }
  const files = readdirSync(source)
    .filter((name) => name.endsWith(".json"))
    .sort();
  return files.flatMap((name) => readHistoryFile(path.join(source, name)));
}

/** `--workflow W`: a workflow id, or the export name at its end (`workflow//<file>//<export>`). */
function matchesWorkflow(workflowId: string, wanted: string | undefined): boolean {
  return wanted === undefined || workflowId === wanted || workflowId.endsWith(`//${wanted}`);
}

/**
 * `wf replay <source> [--workflows DIR] [--workflow W] [--json]`: builds the app's
 * workflows (the "use workflow" files under DIR, default workflows/, ids relative to
 * --root, default the current folder, as `wf dev` does) and replays each history on
 * them. Exit 0 when every history replays, 1 on any divergence.
 */
export async function replayCommand({ positional, flags }: ParsedArgs): Promise<number> {
  if (positional.length > 1)
    throw new UsageError(`replay takes one source, not ${positional.join(" ")}: wf replay <source>`);
  const root = path.resolve((flags.root as string | undefined) ?? process.cwd());
  const dir = path.resolve(root, (flags.workflows as string | undefined) ?? "workflows");
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(
      `there is no folder ${dir}; --workflows DIR names the folder of the app's workflows`,
    );
  const postgresUrl = (flags["postgres-url"] as string | undefined) ?? process.env.WORKFLOW_POSTGRES_URL;
  return reported(async () => {
    const wanted = flags.workflow as string | undefined;
    const histories = (await loadHistories(positional[0], postgresUrl)).filter((h) =>
      matchesWorkflow(h.run.workflowId, wanted),
    );
    const files = findWorkflowFiles(root, [path.relative(root, dir) || "."]);
    const bundle = await buildWorkflowBundle({ root, files });
    for (const warning of bundle.warnings) process.stderr.write(`${formatDiagnostic(warning)}\n`);
    const report = replayHistories(histories, bundle);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      for (const d of report.divergences) {
        const where = d.position === undefined ? "" : ` at position ${d.position}`;
        process.stdout.write(`DIVERGED ${d.runId} (${d.workflowId})${where}: ${d.message.split("\n")[0]}\n`);
      }
      const ok = report.replayed - report.divergences.length;
      process.stdout.write(
        `${report.replayed} histor${report.replayed === 1 ? "y" : "ies"} replayed: ${ok} ok, ${report.divergences.length} diverged.\n`,
      );
    }
    return report.divergences.length > 0 ? 1 : 0;
  });
}
