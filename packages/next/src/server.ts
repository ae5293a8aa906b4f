import { setDefaultRuntimeFactory } from "@wfkit/core";
import { type AppRuntime, createAppRuntime } from "@wfkit/core/app";
import type { World } from "@wfkit/world";
import { WorkflowNextError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import { serverSlot } from "./slot.js";

/** How long to wait for a data dir that another process still holds (the previous `next dev` server exiting). */
const LOCK_WAIT_MS = 10_000;

async function openWorld(options: ResolvedOptions): Promise<World> {
  const world = options.world;
  if (!world) {
    throw new WorkflowNextError(
      "WF_NEXT_NO_WORLD",
      "withWorkflow() from @wfkit/next was given no World to store runs in.",
      'Import withWorkflow from "workflow/next" (embedded SQLite World), or pass { world: () => myWorld() }.',
    );
  }
  if (typeof world !== "function") return world;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      return await world({ root: options.root, dataDir: options.dataDir });
    } catch (error) {
      const { code, pid } = error as { code?: string; pid?: number };
      if (code !== "WF_W001_DATA_DIR_LOCKED" || pid === process.pid || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function open(options: ResolvedOptions, dev: boolean): Promise<AppRuntime> {
  const world = await openWorld(options);
  let app: AppRuntime;
  try {
    app = await createAppRuntime({
      root: options.root,
      dirs: options.dirs,
      buildDir: options.buildDir,
      world,
      watch: dev,
      runtime: { ...options.runtime, webhookBaseUrl: options.publicUrl ?? options.runtime?.webhookBaseUrl },
    });
  } catch (error) {
    await world.close().catch(() => {});
    throw error;
  }
  // Next has bound its port before loading the config: until a request to the
  // workflow routes shows the origin callers use, webhook URLs point here.
  const origin = process.env.__NEXT_PRIVATE_ORIGIN;
  if (!options.publicUrl && !options.runtime?.webhookBaseUrl && origin) app.runtime.setWebhookBase(origin);
  const n = app.manifest().workflows.length;
  console.log(
    `wfkit: workflow runtime ready: ${n} workflow${n === 1 ? "" : "s"}, ${world.name} world, data in ${options.dataDir}, webhooks at ${app.runtime.webhookBaseUrl}/.well-known/workflow/v1/webhook/`,
  );
  return app;
}

/**
 * Starts the app's workflow runtime in this process, once: compiles workflow
 * and step code, opens the World, recovers unfinished runs and makes it the
 * runtime `workflow/api` uses (calls made before it is ready wait for it).
 * With `dev`, edited workflow files are compiled and swapped in without a
 * restart. A failed start is logged, and the next use tries again.
 */
export function startWorkflowServer(options: ResolvedOptions, dev: boolean): Promise<AppRuntime> {
  const slot = serverSlot();
  if (slot.app) return slot.app;
  const start = () => startWorkflowServer(options, dev);
  const factory = async () => (await start()).runtime;
  const app = open(options, dev);
  slot.app = app;
  slot.start = start;
  setDefaultRuntimeFactory(factory);
  app.catch((error: unknown) => {
    if (slot.app === app) slot.app = undefined;
    setDefaultRuntimeFactory(factory); // forget the failed attempt
    console.error("wfkit: the workflow runtime did not start:", error);
  });
  return app;
}
