import { type AppServer, type AppServerOptions, consoleLogger, createAppServer } from "@wfkit/builder";
import { WorkflowNextError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import { serverSlot } from "./slot.js";

/** The address this Next server listens on: Next binds its port before it loads next.config. */
function nextOrigin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.__NEXT_PRIVATE_ORIGIN) return env.__NEXT_PRIVATE_ORIGIN;
  if (!env.PORT) return undefined;
  const host =
    !env.HOSTNAME || env.HOSTNAME === "0.0.0.0" || env.HOSTNAME === "::" ? "localhost" : env.HOSTNAME;
  return `http://${host.includes(":") ? `[${host}]` : host}:${env.PORT}`;
}

function noWorld(): never {
  throw new WorkflowNextError(
    "WF_NEXT_NO_WORLD",
    "withWorkflow() from @wfkit/next was given no World to store runs in.",
    'Import withWorkflow from "workflow/next" (embedded SQLite World), or pass { world: () => myWorld() }.',
  );
}

/** `next dev` says when edited workflow files are live, as the Vite plugin does, and when they are not. */
const logRebuild: AppServerOptions["onRebuild"] = (outcome) => {
  const files = outcome.files.length > 0 ? outcome.files.join(", ") : "workflow files";
  if (outcome.ok) consoleLogger.info(`wfkit: recompiled workflows (${files}) in ${outcome.ms} ms`);
  else
    consoleLogger.error(
      `wfkit: recompiling the workflows (${files}) failed; runs keep the previous code:\n${
        outcome.error instanceof Error ? outcome.error.message : String(outcome.error)
      }`,
    );
};

/**
 * Starts the app's workflow runtime in this process, once (the app server of
 * @wfkit/builder: compiles, waits for the data folder, recovers runs, makes
 * it the runtime `workflow/api` uses). With `dev`, edited workflow files are
 * compiled and swapped in without a restart. A failed start is logged, and
 * the next request tries again.
 */
export function startWorkflowServer(options: ResolvedOptions, dev: boolean): AppServer {
  const slot = serverSlot();
  if (slot.server && slot.server.state !== "closed") return slot.server;
  const server = createAppServer({
    root: options.root,
    dirs: options.dirs,
    buildDir: options.buildDir,
    dataDir: options.dataDir,
    publicUrl: options.publicUrl,
    trustProxy: options.trustProxy,
    world: options.world ?? noWorld,
    watch: dev,
    onRebuild: logRebuild,
    runtime: options.runtime,
    inspect: options.inspect,
    autoStart: false,
  });
  const origin = nextOrigin();
  if (origin) server.setOrigin(origin);
  slot.server = server;
  server.ready().catch(() => {}); // logged by the server
  return server;
}
