import { parseArgs, UsageError } from "./args.js";
import { BACKUP_FLAGS, backupCommand, PRUNE_FLAGS, pruneCommand } from "./commands/data.js";
import { devCommand } from "./commands/dev.js";
import { actionCommand, INSPECT_FLAGS, inspectCommand, SOURCE_FLAGS } from "./commands/inspect.js";
import { migrateCommand } from "./commands/migrate.js";
import {
  EXPORT_FLAGS,
  expandShortOut,
  exportCommand,
  REPLAY_FLAGS,
  replayCommand,
} from "./commands/replay.js";
import { runCommand } from "./commands/run.js";
import { uiCommand } from "./commands/ui.js";

const USAGE = `wf — the wfkit command line

Usage:
  wf run <file> <exportName> [--args '<json array>'] [--data-dir DIR] [--postgres-url URL] [--root DIR]
      Compiles <file>, runs the workflow <exportName> on the configured World
      (PostgreSQL with --postgres-url or WORKFLOW_POSTGRES_URL, else the
      embedded SQLite World) until it ends, prints its return value as JSON.
      Exit 0 when it completed, 1 when it failed, 2 on a usage error.

  wf dev [dir] [--port N] [--data-dir DIR] [--postgres-url URL]
      Compiles the "use workflow"/"use step" files under [dir] (default
      workflows/), recompiles on edits, and serves on http://127.0.0.1:N
      (default 3000; 0 picks a free port) until Ctrl-C:
        GET  /                       the web UI: runs, timelines, actions
        POST /api/runs               {"workflow": "<file>#<export>", "args": [...]}
        GET  /api/runs/<runId>       status, output or error
        GET  /api/runs/<runId>/hooks live hooks and webhook URLs
        POST /api/hooks/<token>      resume a hook with a JSON payload
        GET  /api/workflows          the workflows found
        *    /.well-known/workflow/v1/webhook/<token>
      Webhook URLs use http://127.0.0.1:N unless WORKFLOW_PUBLIC_URL is set;
      --data-dir defaults to WORKFLOW_DATA_DIR, else .workflow-data.
      See docs/cli.md.

  wf inspect runs [--workflow W] [--status S] [--limit N] [--cursor C]
  wf inspect run <runId>
  wf inspect events <runId> [--limit N] [--cursor C]
      Lists runs newest first, shows a run's timeline (steps, attempts,
      durations, sleeps, hooks, webhook requests), or its raw events. Reads the
      data folder (--data-dir, default as for wf run) while no server holds it,
      the PostgreSQL database (--postgres-url, or WORKFLOW_POSTGRES_URL) at any
      time, or a running server with --url http://127.0.0.1:3000. --json for scripts.

  wf migrate [--postgres-url URL]
      Brings the PostgreSQL World's schema up to date (default URL:
      WORKFLOW_POSTGRES_URL). Apps also migrate when they start; safe to run
      while they do. See docs/deploy.md.

  wf cancel <runId> [--url URL | --data-dir DIR]
  wf resume <token> [--data '<json>'] [--url URL | --data-dir DIR]
  wf rerun <runId> [--url URL | --data-dir DIR]
      Cancels a run, resumes a hook, or starts a new run with a run's input,
      through the running server at URL, or on a data folder no server holds
      (resume and rerun are recorded there, and the next server on the folder
      carries them out). --json prints the answer as JSON.

  wf ui [--data-dir DIR | --url URL [--token T]] [--port N]
      Serves the web UI on http://127.0.0.1:N (default 3001): over a data
      folder no server holds (read-only but for cancel), or over the running
      app at URL (its inspect route, proxied; live updates, cancel, resume,
      rerun; --token is sent as "Authorization: Bearer T").

  wf prune --older-than 30d [--data-dir DIR] [--dry-run] [--json]
      Deletes runs that ended (completed, failed, cancelled) longer ago than
      the given age, with their events, hooks, webhook deliveries and stream
      chunks; never a run still pending or running. Needs the data folder to
      itself (stop the server, or give the runtime a retention option).
      --dry-run lists them and deletes nothing.

  wf backup <file> [--data-dir DIR] [--json]
      Writes a consistent copy of the data folder's database to <file>, also
      while a server is using the folder (SQLite's online backup; copying
      world.sqlite by hand misses the commits still in world.sqlite-wal).
      Restore: put <file> as world.sqlite in an empty data folder.
      See docs/operations.md.

  wf export <runId> [--data-dir DIR | --postgres-url URL] [-o file]
      Writes a run's history (its run record and every event, JSON) to
      stdout or to the file. Such files are what wf replay checks.

  wf replay <file|folder|data-dir> [--workflows DIR] [--workflow W] [--root DIR] [--json]
      Builds the app's workflows (the files under DIR, default workflows/,
      as wf dev does) and replays recorded histories on them: a history file
      (or a JSON array of them), a folder of *.json histories, or every run of
      a data folder (--postgres-url instead of a source: every run of the
      database). --workflow keeps the histories of one workflow (its id or
      export name). Prints each divergence with its run id and log position;
      exit 1 on any divergence, 0 when all replay. See docs/versioning.md.

  wf help
`;

/** Runs the CLI; returns the exit code (2 for usage errors). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "run":
        return await runCommand(
          parseArgs(rest, { args: "string", "data-dir": "string", "postgres-url": "string", root: "string" }),
        );
      case "dev":
        return await devCommand(
          parseArgs(rest, { port: "string", "data-dir": "string", "postgres-url": "string" }),
        );
      case "migrate":
        return await migrateCommand(parseArgs(rest, { "postgres-url": "string" }));
      case "inspect":
        return await inspectCommand(parseArgs(rest, INSPECT_FLAGS));
      case "ui":
        return await uiCommand(
          parseArgs(rest, { port: "string", "data-dir": "string", url: "string", token: "string" }),
        );
      case "prune":
        return await pruneCommand(parseArgs(rest, PRUNE_FLAGS));
      case "backup":
        return await backupCommand(parseArgs(rest, BACKUP_FLAGS));
      case "export":
        return await exportCommand(parseArgs(expandShortOut(rest), EXPORT_FLAGS));
      case "replay":
        return await replayCommand(parseArgs(rest, REPLAY_FLAGS));
      case "cancel":
      case "rerun":
        return await actionCommand(command, parseArgs(rest, SOURCE_FLAGS));
      case "resume":
        return await actionCommand(command, parseArgs(rest, { ...SOURCE_FLAGS, data: "string" }));
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(USAGE);
        return 0;
      default:
        process.stderr.write(`wf: ${new UsageError(`unknown command "${command}"`).message}\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`wf: ${error.message}\n`);
    return 2;
  }
}
