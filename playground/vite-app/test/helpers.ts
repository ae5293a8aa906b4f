// Shared by the playground's tests: a throwaway copy of the app, child
// processes, and waiting on conditions (never on fixed sleeps).
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as kit from "@wfkit/testing-kit";
import { afterAll, beforeAll, expect } from "vitest";

export type { Child } from "@wfkit/testing-kit";
export { waitFor } from "@wfkit/testing-kit";

export const appDir = fileURLToPath(new URL("..", import.meta.url));
export const repoRoot = path.resolve(appDir, "../..");
export const viteBin = path.join(repoRoot, "node_modules", "vite", "bin", "vite.js");

const COPIED = [
  "index.html",
  "vite.config.ts",
  "server.mjs",
  "package.json",
  "tsconfig.json",
  "src",
  "workflows",
];

/**
 * A copy of the playground in a temp folder (so builds and edits never touch
 * the sources), with the packages it needs linked from the repository, and an
 * empty data folder of its own.
 */
export function copyApp(): { dir: string; dataDir: string; cleanup(): void } {
  // Its own node_modules with links to the two packages it imports, so that
  // caches (Vite's, the compiled step bundles) are written here, not in the repository.
  const link = Object.fromEntries(
    ["workflow", "vite", "@workflow/ai", "ai"].map((name) => [
      name,
      path.join(repoRoot, "node_modules", name),
    ]),
  );
  const base = kit.tempDir("wfkit-vite-app-");
  const app = kit.copyApp({ from: appDir, entries: COPIED, parent: base, prefix: "app-", link });
  return {
    dir: app.dir,
    dataDir: path.join(base, "data"),
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

export interface RunInfo {
  runId: string;
  status: string;
  webhookUrl: string | null;
  output?: Record<string, unknown>;
  error?: string;
}

export async function getRunInfo(base: string, runId: string): Promise<RunInfo> {
  return kit.getJson(`${base}/api/runs/${encodeURIComponent(runId)}`);
}

/** Starts a run through the app's API and waits until its webhook URL is published. */
export async function startRun(
  base: string,
  orderId: string,
): Promise<{ runId: string; webhookUrl: string }> {
  const { runId } = await kit.startRun(`${base}/api/start`, { orderId });
  const webhookUrl = await kit.waitFor(
    `the webhook URL of ${runId}`,
    async () => (await getRunInfo(base, runId)).webhookUrl ?? undefined,
  );
  return { runId, webhookUrl };
}

export function waitForEnd(base: string, runId: string): Promise<RunInfo> {
  return kit.waitForEnd(`${base}/api/runs/${encodeURIComponent(runId)}`);
}

/** The whole flow: start, call the webhook, see the run complete. Returns the webhook's answer and the run. */
export async function paymentFlow(base: string, orderId: string, amount: number) {
  const { runId, webhookUrl } = await startRun(base, orderId);
  expect(webhookUrl.startsWith(`${base}/.well-known/workflow/v1/webhook/`)).toBe(true);
  const answer = await fetch(webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "payment.succeeded", amount }),
  });
  const answerBody = await answer.text();
  const run = await waitForEnd(base, runId);
  return { runId, webhookUrl, answer, answerBody, run };
}

/** Starts `node ...args` with plain (uncoloured) output. */
export function startChild(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): kit.Child {
  // CI=true makes Vite's colour library colour its output; the patterns match plain text.
  return kit.startChild(args, {
    cwd: options.cwd,
    env: { NO_COLOR: "1", FORCE_COLOR: undefined, ...options.env },
  });
}

/** Runs a command to its end; rejects with its output if it fails. */
export function run(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }) {
  return kit.runChildOk(args, {
    cwd: options.cwd,
    env: { NO_COLOR: "1", FORCE_COLOR: undefined, ...options.env },
  });
}

/** A copy of the playground under its own Vite dev server (test/dev-server.mjs), for one describe block. */
export interface DevServer {
  app: ReturnType<typeof copyApp>;
  server: kit.Child;
  /** The dev server's address, e.g. `http://127.0.0.1:5173`. */
  base: string;
}

/**
 * Starts the playground's dev server before the block's tests (a fresh copy with
 * its own data folder, the runtime ready) and stops it after. The fields are set
 * once `beforeAll` ran.
 */
export function useDevServer(timeoutMs = 60_000): DevServer {
  const dev = {} as DevServer;
  beforeAll(async () => {
    dev.app = copyApp();
    dev.server = startChild([path.join(appDir, "test", "dev-server.mjs")], {
      cwd: dev.app.dir,
      env: { WORKFLOW_DATA_DIR: dev.app.dataDir, WORKFLOW_PUBLIC_URL: undefined },
    });
    const [, url] = await dev.server.waitForOutput(/dev server ready at (http:\/\/\S+?)\/?\n/);
    dev.base = url!;
    await dev.server.waitForOutput(/wfkit: workflow runtime ready/);
  }, timeoutMs);
  afterAll(async () => {
    await dev.server?.stop();
    dev.app?.cleanup();
  });
  return dev;
}
