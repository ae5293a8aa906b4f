import path from "node:path";
import { resolveConfig } from "@wfkit/builder";
import { parseDuration, pruneEndedRuns } from "@wfkit/core";
import { backupSqliteDataDir, sqliteWorld } from "@wfkit/world-sqlite";
import { type ParsedArgs, UsageError } from "../args.js";

// Commands on the data folder itself: retention (`wf prune`) and backups (`wf backup`).

export const PRUNE_FLAGS = {
  "older-than": "string",
  "data-dir": "string",
  "dry-run": "boolean",
  json: "boolean",
} as const;
export const BACKUP_FLAGS = { "data-dir": "string", json: "boolean" } as const;

const dataDirOf = (flags: ParsedArgs["flags"]) =>
  resolveConfig({ root: process.cwd(), dataDir: flags["data-dir"] as string | undefined }).dataDir;

/** A coded error (a World's, the CLI's) as one message on stderr and exit 1; anything else is a bug and rethrown. */
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

/** `wf prune --older-than 30d [--data-dir d] [--dry-run]`: deletes ended runs older than that. */
export async function pruneCommand({ positional, flags }: ParsedArgs): Promise<number> {
  if (positional.length > 0)
    throw new UsageError(`prune takes no arguments, only options (got "${positional[0]}")`);
  const olderThan = flags["older-than"];
  if (typeof olderThan !== "string")
    throw new UsageError(
      "prune needs --older-than, the age of ended runs to delete: wf prune --older-than 30d",
    );
  let ms: number;
  try {
    ms = parseDuration(olderThan, "--older-than");
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]!.replace(/^WF_\w+: /, ""));
  }
  const dryRun = flags["dry-run"] === true;
  return reported(async () => {
    const dataDir = dataDirOf(flags);
    // Takes the folder's LOCK: a server holding it makes this fail with WF_W001_DATA_DIR_LOCKED (use `retention` there).
    const world = sqliteWorld({ dataDir });
    try {
      const now = Date.now();
      const runIds = await pruneEndedRuns(world, { olderThan: ms, dryRun, now });
      const endedBefore = new Date(now - ms).toISOString();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ dataDir, endedBefore, dryRun, runIds }, null, 2)}\n`);
      } else {
        const what = `${runIds.length} run${runIds.length === 1 ? "" : "s"} that ended before ${endedBefore}`;
        process.stdout.write(dryRun ? `Would delete ${what}:\n` : `Deleted ${what}.\n`);
        if (dryRun) for (const id of runIds) process.stdout.write(`  ${id}\n`);
      }
      return 0;
    } finally {
      await world.close();
    }
  });
}

/** `wf backup <file> [--data-dir d]`: a consistent copy of the data folder's database, also while a server runs. */
export async function backupCommand({ positional, flags }: ParsedArgs): Promise<number> {
  const [file, extra] = positional;
  if (!file || extra !== undefined) throw new UsageError("backup takes one file to write: wf backup <file>");
  return reported(async () => {
    const dataDir = dataDirOf(flags);
    let result: { file: string; bytes: number };
    try {
      result = await backupSqliteDataDir(dataDir, path.resolve(file));
    } catch (error) {
      const e = error as { code?: string; message: string };
      if (e.code) throw error;
      // Refusals without a code (the file exists, no World in the folder) are usage mistakes.
      throw new UsageError(e.message);
    }
    if (flags.json) process.stdout.write(`${JSON.stringify({ dataDir, ...result }, null, 2)}\n`);
    else process.stdout.write(`Backed up ${dataDir} to ${result.file} (${result.bytes} bytes).\n`);
    return 0;
  });
}
