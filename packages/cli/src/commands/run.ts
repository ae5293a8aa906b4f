import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildStepBundle, buildWorkflowBundle, formatDiagnostic, resolveConfig } from "@wfkit/builder";
import { Runtime, setDefaultRuntime } from "@wfkit/core";
import { type ParsedArgs, UsageError } from "../args.js";
import { toJson } from "../json.js";
import { openWorld } from "../world/index.js";

/** `wf run <file> <exportName>`: runs one workflow to its end in this process. */
export async function runCommand({ positional, flags }: ParsedArgs): Promise<number> {
  const [file, exportName] = positional;
  if (!file || !exportName)
    throw new UsageError(
      "run takes a file and the name of a workflow it exports: wf run <file> <exportName>",
    );
  const root = path.resolve((flags.root as string | undefined) ?? process.cwd());
  const absolute = path.resolve(file);
  if (!existsSync(absolute)) throw new UsageError(`no file at ${file}`);
  let args: unknown[] = [];
  if (flags.args !== undefined) {
    try {
      args = JSON.parse(flags.args as string);
    } catch (error) {
      throw new UsageError(`--args is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(args))
      throw new UsageError(`--args must be a JSON array of arguments, like '["a", 1]'`);
  }

  const [workflows, steps] = await Promise.all([
    buildWorkflowBundle({ root, files: [absolute] }),
    buildStepBundle({ root, files: [absolute] }),
  ]);
  // Errors fail the build above (WF_BUILD_FAILED, each with its frame); warnings are printed the same way.
  for (const warning of workflows.warnings) process.stderr.write(`${formatDiagnostic(warning)}\n`);
  const rel = path.relative(root, absolute).split(path.sep).join("/");
  const workflow = workflows.manifest.workflows.find((w) => w.exportName === exportName && w.file === rel);
  if (!workflow) {
    const available = workflows.manifest.workflows.filter((w) => w.exportName).map((w) => w.exportName);
    throw new UsageError(
      `${file} exports no workflow named ${exportName}. ${available.length ? `Workflows it exports: ${available.join(", ")}.` : 'It exports no function marked "use workflow".'}`,
    );
  }
  await import(pathToFileURL(steps.file).href);

  const config = resolveConfig({
    root: process.cwd(),
    dataDir: flags["data-dir"] as string | undefined,
    postgresUrl: flags["postgres-url"] as string | undefined,
  });
  // Progress goes to stderr (stdout is the return value): the run id, then a line per step.
  const runtime = new Runtime({
    world: await openWorld(config),
    workflows,
    logLevel: process.env.WORKFLOW_LOG_LEVEL ? config.logLevel : "debug",
    logFormat: config.logFormat,
    log: (_level, args) =>
      process.stderr.write(`${args.map((a) => (a instanceof Error ? a.stack : String(a))).join(" ")}\n`),
    ...(config.publicUrl && { webhookBaseUrl: config.publicUrl }),
  });
  setDefaultRuntime(runtime);
  try {
    await runtime.recover();
    const run = await runtime.start(workflow.id, args);
    try {
      const value = await run.returnValue;
      process.stdout.write(`${toJson(value)}\n`);
      return 0;
    } catch (error) {
      const cause = (error as Error).cause as Error | undefined;
      process.stderr.write(`${(error as Error).message}\n${cause?.stack ? `\n${cause.stack}\n` : ""}`);
      return 1;
    }
  } finally {
    await runtime.close();
  }
}
