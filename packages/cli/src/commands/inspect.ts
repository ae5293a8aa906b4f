import type { ListRunsOptions } from "@wfkit/core";
import { type ParsedArgs, UsageError } from "../args.js";
import { type CodedError, codedErrorText } from "../coded-error.js";
import { formatEvents, formatRun, formatRuns } from "../inspect/format.js";
import { type InspectSource, openSource } from "../inspect/source.js";

/** The flags every inspect command takes. */
export const SOURCE_FLAGS = {
  "data-dir": "string",
  "postgres-url": "string",
  url: "string",
  json: "boolean",
} as const;
export const INSPECT_FLAGS = {
  ...SOURCE_FLAGS,
  workflow: "string",
  status: "string",
  limit: "string",
  cursor: "string",
} as const;

const out = (flags: ParsedArgs["flags"], value: unknown, text: string) =>
  process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : text);

function limitOf(flags: ParsedArgs["flags"]): number | undefined {
  if (flags.limit === undefined) return undefined;
  const n = Number(flags.limit);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--limit takes a whole number from 1, not "${flags.limit}"`);
  return n;
}

/** `wf inspect runs|run|events`. */
export async function inspectCommand({ positional, flags }: ParsedArgs): Promise<number> {
  const [what, id] = positional;
  if (what !== "runs" && what !== "run" && what !== "events")
    throw new UsageError("inspect takes runs, run <id> or events <id>: wf inspect runs");
  if (what !== "runs" && !id)
    throw new UsageError(`wf inspect ${what} takes a run id: wf inspect ${what} <runId>`);
  return withSource(flags, async (source) => {
    if (what === "runs") {
      const page = await source.listRuns({
        workflow: flags.workflow as string | undefined,
        status: (flags.status as string | undefined)?.split(",") as ListRunsOptions["status"],
        cursor: flags.cursor as string | undefined,
        limit: limitOf(flags) ?? 20,
      });
      out(flags, page, formatRuns(page));
    } else if (what === "run") {
      const run = await source.inspectRun(id!);
      out(flags, run, formatRun(run));
    } else {
      const page = await source.listEvents(id!, {
        cursor: flags.cursor as string | undefined,
        limit: limitOf(flags),
      });
      out(flags, page, formatEvents(page));
    }
    return 0;
  });
}

/** `wf cancel <id>`, `wf resume <token> [--data json]`, `wf rerun <id>`: through a running server's inspect route (`--url`), or on a data folder no server holds. */
export async function actionCommand(
  command: "cancel" | "resume" | "rerun",
  { positional, flags }: ParsedArgs,
) {
  const [id] = positional;
  if (!id) throw new UsageError(`wf ${command} takes ${command === "resume" ? "a hook token" : "a run id"}`);
  let data: unknown;
  if (flags.data !== undefined) {
    try {
      data = JSON.parse(flags.data as string);
    } catch (error) {
      throw new UsageError(`--data is not valid JSON: ${(error as Error).message}`);
    }
  }
  return withSource(flags, async (source) => {
    const e = encodeURIComponent(id);
    const result =
      command === "resume"
        ? await source.post(`hooks/${e}/resume`, data)
        : await source.post(`runs/${e}/${command}`);
    const text =
      command === "cancel"
        ? `Run ${id} is ${result.status}.\n`
        : command === "resume"
          ? typeof flags.url === "string"
            ? `Resumed hook ${id} of run ${result.runId}.\n`
            : `Recorded the payload for hook ${id} of run ${result.runId}; the next server on this data folder continues the run.\n`
          : typeof flags.url === "string"
            ? `Started run ${result.runId} with the input of ${id}.\n`
            : `Created run ${result.runId} with the input of ${id}; the next server on this data folder runs it.\n`;
    out(flags, result, text);
    return 0;
  });
}

async function withSource(flags: ParsedArgs["flags"], use: (source: InspectSource) => Promise<number>) {
  let source: InspectSource | undefined;
  try {
    // Opening a data folder a server holds fails here (WF_W001_DATA_DIR_LOCKED): reported like the rest.
    source = openSource(flags);
    return await use(source);
  } catch (error) {
    const e = error as Partial<CodedError> & { message: string };
    if (!e.code) throw error;
    process.stderr.write(codedErrorText({ code: e.code, message: e.message, hint: e.hint }));
    return 1;
  } finally {
    await source?.close();
  }
}
