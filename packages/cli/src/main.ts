import { parseArgs } from "./args.js";
import { runCommand } from "./commands/run.js";

const USAGE = `wf — the wfkit command line

Usage:
  wf run <file> <exportName> [--args '<json array>'] [--data-dir DIR]
      Compiles <file>, runs the workflow <exportName> on the embedded SQLite
      world until it ends, prints its return value as JSON. Exit 0 when it
      completed, 1 when it failed.
  wf help
`;

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "run":
      return runCommand(parseArgs(rest, { args: "string", "data-dir": "string", root: "string" }));
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`wf: unknown command "${command}" (see docs/errors/WF_CLI_USAGE.md)\n\n${USAGE}`);
      return 2;
  }
}
