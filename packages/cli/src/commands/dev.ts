import { statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { type AppRuntime, type AppServerLogger, createAppServer, resolveConfig } from "@wfkit/builder";
import { type ParsedArgs, UsageError } from "../args.js";
import { createDevHandler, workflowNames } from "../dev/api.js";
import { describeWorld, worldFactory } from "../world/index.js";

const HOST = "127.0.0.1";

function parsePort(value: string | boolean | undefined): number {
  if (value === undefined) return 3000;
  const port = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(
      `--port must be a whole number from 0 to 65535 (0 picks a free port), not ${String(value)}`,
    );
  }
  return port;
}

/** Errors that carry a code are shown as their message: their stack is wfkit's, not the user's. */
const shown = (error: unknown) =>
  error instanceof Error && (error as { code?: string }).code?.startsWith("WF_") ? error.message : error;
const runtimeLog = (level: string, args: unknown[]) =>
  ((console as unknown as Record<string, (...a: unknown[]) => void>)[level] ?? console.error)(
    ...args.map(shown),
  );

/** The app server's messages; readiness is the banner wf dev prints itself. */
const logger: AppServerLogger = {
  info() {},
  warn: (message) => console.error(message),
  error: (message, error) => console.error(message, ...(error === undefined ? [] : [shown(error)])),
};

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, HOST, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * `wf dev [dir]`: compiles the directive files under `dir`, runs them on the
 * configured World (PostgreSQL with `--postgres-url` or `WORKFLOW_POSTGRES_URL`, else SQLite), and serves the webhook routes and a JSON API on 127.0.0.1 until
 * SIGINT or SIGTERM. Resolves with the exit code.
 */
export async function devCommand({ positional, flags }: ParsedArgs): Promise<number> {
  if (positional.length > 1)
    throw new UsageError(`dev takes at most one folder, not ${positional.join(" ")}: wf dev [dir]`);
  const root = process.cwd();
  const dirArg = positional[0] ?? "workflows";
  const dir = path.resolve(root, dirArg);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(
      `there is no folder ${dirArg} (resolved to ${dir}); wf dev [dir] serves the workflows in it (default: workflows)`,
    );
  }
  const port = parsePort(flags.port);
  const config = resolveConfig({
    root,
    dataDir: flags["data-dir"] as string | undefined,
    postgresUrl: flags["postgres-url"] as string | undefined,
  });

  let api: { app: AppRuntime; handle: (request: Request) => Promise<Response> } | undefined;
  const workflow = createAppServer({
    ...config,
    dirs: [path.relative(root, dir) || "."],
    world: worldFactory(),
    watch: true,
    onRebuild: (outcome) =>
      outcome.ok
        ? process.stdout.write(`wf dev: rebuilt (${outcome.workflows} workflows, ${outcome.steps} steps)\n`)
        : process.stderr.write(
            `wf dev: the rebuild failed, the previous build keeps running:\n${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}\n`,
          ),
    // The JSON API, on the runtime that runs now (a start that failed is retried by the next request).
    routes: (request, app) => {
      if (api?.app !== app) api = { app, handle: createDevHandler({ app, root, dir, log: logger.error }) };
      return api.handle(request);
    },
    runtime: { log: runtimeLog },
    logger,
    autoStart: false,
    // A second wf dev on the same data folder is a mistake to report at once, not to wait out.
    lockWaitMs: 0,
  });
  const server = createServer((req, res) => workflow.nodeHandler(req, res));

  // Listen first: webhook URLs need the port before the runtime starts (recovered runs create webhooks too).
  let origin: string;
  try {
    origin = `http://${HOST}:${await listen(server, port)}`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(
      code === "EADDRINUSE"
        ? `wf: port ${port} on ${HOST} is in use.\n  Fix: pass --port <another port>, or --port 0 for a free one.\n`
        : `wf: cannot listen on ${HOST}:${port}: ${(error as Error).message}\n`,
    );
    return 1;
  }
  workflow.setOrigin(origin);

  let app: AppRuntime;
  try {
    app = await workflow.ready();
  } catch {
    // The app server printed why.
    server.close();
    await workflow.close();
    return 1;
  }

  const names = [...workflowNames(app, root, dir).keys()];
  const shownDir = path.relative(root, dir) || ".";
  const webhookBase = workflow.webhookBaseUrl;
  const lines = [
    `wf dev listening on ${origin}`,
    `  ${names.length} workflow${names.length === 1 ? "" : "s"} in ${shownDir}/${names.length ? ":" : ' (none yet: export an async function that starts with "use workflow")'}`,
    ...names.map((name) => `    ${name}`),
    `  data: ${config.postgresUrl ? describeWorld(config) : path.relative(root, config.dataDir) || "."}${webhookBase === origin ? "" : `, webhook base: ${webhookBase}`}`,
    "  Ctrl-C stops. Edits to the folder are picked up for new runs.",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`wf dev: ${signal} again, exiting without a clean shutdown\n`);
        process.exit(1);
      }
      stopping = true;
      process.stdout.write(`wf dev: ${signal}, stopping\n`);
      server.close();
      server.closeAllConnections();
      workflow.close().then(
        () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          resolve(0);
        },
        (error) => {
          logger.error("wf dev: closing the runtime failed:", error);
          resolve(1);
        },
      );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
