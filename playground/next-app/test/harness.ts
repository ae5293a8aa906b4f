// Real Next.js servers for the tests: build, start, wait, stop. No mocks.
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as kit from "@wfkit/testing-kit";

export { freePort, waitFor } from "@wfkit/testing-kit";

export const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NEXT_BIN = createRequire(path.join(APP_DIR, "package.json")).resolve("next/dist/bin/next");
const COPIES = path.join(APP_DIR, ".test-apps");

/** The environment of every Next process: no telemetry, and none of vitest's NODE_ENV=test. */
const NEXT_ENV = { NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: undefined };

/** Runs a Next CLI command to completion (e.g. `build`); rejects with its output when it fails. */
export function runNext(args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  return kit.runChildOk([NEXT_BIN, ...args], {
    cwd,
    env: { ...NEXT_ENV, ...env },
    name: `next ${args.join(" ")}`,
  });
}

export interface NextServer {
  url: string;
  child: ChildProcess;
  /** Everything the server printed so far. */
  logs(): string;
  /** Stops the server and every process it started (its process group). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `next dev` or `next start` on a free port and resolves once the workflow runtime is ready. */
export async function startNext(
  command: "dev" | "start",
  options: {
    cwd: string;
    dataDir: string;
    args?: string[];
    timeoutMs?: number;
    env?: Record<string, string>;
  },
): Promise<NextServer> {
  const port = await kit.freePort();
  const child = kit.startChild(
    [NEXT_BIN, command, "-p", String(port), "-H", "127.0.0.1", ...(options.args ?? [])],
    {
      cwd: options.cwd,
      env: { ...NEXT_ENV, WORKFLOW_DATA_DIR: options.dataDir, ...options.env },
      group: true, // its own process group, so stop() also ends next dev's server process
      name: `next ${command}`,
    },
  );
  const server: NextServer = {
    url: `http://127.0.0.1:${port}`,
    child: child.process,
    logs: child.output,
    async stop(signal = "SIGTERM") {
      await child.stop(signal);
    },
  };
  try {
    // The runtime says so when it has started and recovered, before any request.
    await child.waitForOutput(/wfkit: workflow runtime ready/, options.timeoutMs ?? 60_000);
  } catch (error) {
    await child.stop("SIGKILL");
    throw error;
  }
  return server;
}

/** A fresh data dir for the embedded World. */
export function tempDataDir(name: string): string {
  return kit.tempDir(`wfkit-next-${name}-`);
}

/**
 * A copy of the playground under `.test-apps/` (inside the repo, so it resolves
 * the same node_modules), for tests that edit files or build differently.
 */
export function copyApp(name: string): string {
  return kit.copyApp({
    from: APP_DIR,
    entries: ["app", "workflows", "lib", "next.config.ts", "tsconfig.json", "package.json"],
    parent: COPIES,
    prefix: `${name}-`,
    skip: (source) => source.includes(`${path.sep}.well-known`),
  }).dir;
}

/** Removes a temp dir (and `.test-apps/` once it is empty). */
export function remove(dir: string | undefined): void {
  if (!dir) return;
  rmSync(dir, { recursive: true, force: true });
  kit.removeIfEmpty(COPIES);
}

// ——— the playground's API ———

export interface RunView {
  runId: string;
  workflow: string;
  status: string;
  steps: Array<{ name: string; status: string; output?: unknown }>;
  hooks: Array<{
    kind: string;
    token: string;
    url?: string;
    respondWith?: string;
    received: number;
    live: boolean;
  }>;
  output?: any;
  error?: string;
}

/** Starts a run through the playground's `POST /api/runs`. */
export function startRun(
  base: string,
  body: Record<string, unknown>,
): Promise<{ runId: string } & Record<string, string>> {
  return kit.startRun(`${base}/api/runs`, body);
}

export function getRun(base: string, runId: string): Promise<RunView> {
  return kit.getJson(`${base}/api/runs/${runId}`);
}

/** Waits until the run has ended and returns it. */
export function waitForEnd(base: string, runId: string, timeoutMs = 30_000): Promise<RunView> {
  return kit.waitForEnd(`${base}/api/runs/${runId}`, timeoutMs);
}

/** Waits until the run has a live webhook and returns its URL. */
export function webhookUrl(base: string, runId: string): Promise<string> {
  return kit.waitFor(
    `a webhook in run ${runId}`,
    async () => (await getRun(base, runId)).hooks.find((h) => h.kind === "webhook" && h.live)?.url,
  );
}
