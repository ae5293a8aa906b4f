import { WorkflowError } from "@wfkit/core/api";

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | boolean>;
}

/** The command line was used wrongly: `WF_CLI_USAGE: <what>`, the fix and the page; `wf` exits 2. */
export class UsageError extends WorkflowError {
  constructor(message: string) {
    super("WF_CLI_USAGE", message, "run `wf help` for the usage.");
    this.name = "UsageError";
  }
}

/** A small, strict flag parser: `--name value`, `--name=value`, boolean flags. Unknown flags are errors. */
export function parseArgs(argv: string[], spec: Record<string, "string" | "boolean">): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === "boolean") flags[name] = true;
    else {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags[name] = value;
    }
  }
  return { positional, flags };
}
