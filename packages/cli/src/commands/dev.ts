import { statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { errorResponse } from "@wfkit/core";
import { type AppRuntime, createAppRuntime } from "@wfkit/core/app";
import { sendWebResponse, toWebRequest } from "@wfkit/core/node";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { type ParsedArgs, UsageError } from "../args.js";
import { createDevHandler, workflowNames } from "../dev/api.js";

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

/** The runtime's log, with build errors shown as their message: their stack is wfkit's, not the user's. */
function runtimeLog(level: string, args: unknown[]): void {
  const shown = args.map((arg) =>
    arg instanceof Error && (arg as { code?: string }).code === "WF_BUILD_FAILED" ? arg.message : arg,
  );
  const write = (console as unknown as Record<string, (...a: unknown[]) => void>)[level] ?? console.error;
  write(...shown);
}

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
 * SQLite World, and serves the webhook routes and a JSON API on 127.0.0.1 until
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
  const dataDir = path.resolve((flags["data-dir"] as string | undefined) ?? ".workflow-data");
  const log = (message: string, error: unknown) => console.error(message, error);

  // Listen first: webhook URLs need the port before the runtime starts (recovered runs create webhooks too).
  let handle: ((request: Request) => Promise<Response>) | undefined;
  let origin = `http://${HOST}:${port}`;
  const server = createServer((req, res) => {
    const answer = async () => {
      const response = handle
        ? await handle(toWebRequest(req, res))
        : errorResponse(503, "WF_RUNTIME_CLOSED", "wf dev is starting or stopping.", "Retry in a moment.");
      await sendWebResponse(res, response, req);
    };
    answer().catch((error) => {
      log("wf dev: answering a request failed:", error);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: {
            code: "WF_DEV_INTERNAL_ERROR",
            message: "wf dev could not answer this request.",
            hint: "The error is printed by the wf dev process.",
            docs: "docs/errors/WF_DEV_INTERNAL_ERROR.md",
          },
        }),
      );
    });
  });
  let actualPort: number;
  try {
    actualPort = await listen(server, port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(
      code === "EADDRINUSE"
        ? `wf: port ${port} on ${HOST} is in use.\n  Fix: pass --port <another port>, or --port 0 for a free one.\n`
        : `wf: cannot listen on ${HOST}:${port}: ${(error as Error).message}\n`,
    );
    return 1;
  }
  origin = `http://${HOST}:${actualPort}`;
  const webhookBase = process.env.WORKFLOW_PUBLIC_URL?.replace(/\/+$/, "") || origin;

  let app: AppRuntime;
  try {
    const world = sqliteWorld({ dataDir });
    try {
      app = await createAppRuntime({
        root,
        dirs: [path.relative(root, dir) || "."],
        world,
        watch: true,
        onRebuild: (outcome) =>
          outcome.ok
            ? process.stdout.write(
                `wf dev: rebuilt (${outcome.workflows} workflows, ${outcome.steps} steps)\n`,
              )
            : process.stderr.write(
                `wf dev: the rebuild failed, the previous build keeps running:\n${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}\n`,
              ),
        runtime: { webhookBaseUrl: webhookBase, log: runtimeLog },
      });
    } catch (error) {
      await world.close().catch(() => {});
      throw error;
    }
  } catch (error) {
    server.close();
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  handle = createDevHandler({ app, root, dir, log });

  const names = [...workflowNames(app, root, dir).keys()];
  const shownDir = path.relative(root, dir) || ".";
  const lines = [
    `wf dev listening on ${origin}`,
    `  ${names.length} workflow${names.length === 1 ? "" : "s"} in ${shownDir}/${names.length ? ":" : ' (none yet: export an async function that starts with "use workflow")'}`,
    ...names.map((name) => `    ${name}`),
    `  data: ${path.relative(root, dataDir) || "."}${webhookBase === origin ? "" : `, webhook base: ${webhookBase}`}`,
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
      handle = undefined;
      server.close();
      server.closeAllConnections();
      app.close().then(
        () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          resolve(0);
        },
        (error) => {
          log("wf dev: closing the runtime failed:", error);
          resolve(1);
        },
      );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
