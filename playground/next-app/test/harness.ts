// Real Next.js servers for the tests: build, start, wait, stop. No mocks.
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NEXT_BIN = createRequire(path.join(APP_DIR, "package.json")).resolve("next/dist/bin/next");

/** The environment of every Next process: no telemetry, and none of vitest's NODE_ENV=test. */
function nextEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...extra };
  delete env.NODE_ENV;
  return env;
}

/** A port nobody listens on: bind port 0, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Runs a Next CLI command to completion (e.g. `build`); rejects with its output when it fails. */
export function runNext(args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NEXT_BIN, ...args], {
      cwd,
      env: nextEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`next ${args.join(" ")} exited ${code}:\n${output}`)),
    );
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
  options: { cwd: string; dataDir: string; args?: string[]; timeoutMs?: number },
): Promise<NextServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [NEXT_BIN, command, "-p", String(port), "-H", "127.0.0.1", ...(options.args ?? [])],
    {
      cwd: options.cwd,
      env: nextEnv({ WORKFLOW_DATA_DIR: options.dataDir }),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group, so stop() also ends next dev's server process
    },
  );
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const server: NextServer = {
    url,
    child,
    logs: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const group = -child.pid!;
      try {
        process.kill(group, signal);
      } catch {
        return;
      }
      const killed = setTimeout(() => {
        try {
          process.kill(group, "SIGKILL");
        } catch {}
      }, 5_000);
      await exited;
      clearTimeout(killed);
    },
  };
  try {
    // The runtime says so when it has started and recovered, before any request.
    await waitFor(
      "the workflow runtime to start",
      () => {
        if (child.exitCode !== null) throw new Error(`next ${command} exited ${child.exitCode}`);
        return output.includes("wfkit: workflow runtime ready");
      },
      options.timeoutMs ?? 60_000,
    );
  } catch (error) {
    await server.stop("SIGKILL");
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return server;
}

/** A fresh data dir for the embedded World. */
export function tempDataDir(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `wfkit-next-${name}-`));
}

/**
 * A copy of the playground under `.test-apps/` (inside the repo, so it resolves
 * the same node_modules), for tests that edit files or build differently.
 */
export function copyApp(name: string): string {
  const parent = path.join(APP_DIR, ".test-apps");
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, `${name}-`));
  for (const entry of ["app", "workflows", "lib", "next.config.ts", "tsconfig.json", "package.json"]) {
    cpSync(path.join(APP_DIR, entry), path.join(dir, entry), {
      recursive: true,
      filter: (source) => !source.includes(`${path.sep}.well-known`),
    });
  }
  return dir;
}

/** Removes a temp dir (and `.test-apps/` once it is empty). */
export function remove(dir: string | undefined): void {
  if (!dir) return;
  rmSync(dir, { recursive: true, force: true });
  try {
    rmdirSync(path.join(APP_DIR, ".test-apps"));
  } catch {
    // Not empty (another test file's copy) or already gone.
  }
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

export async function startRun(
  base: string,
  body: Record<string, unknown>,
): Promise<{ runId: string } & Record<string, string>> {
  const response = await fetch(`${base}/api/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 201)
    throw new Error(`POST /api/runs answered ${response.status}: ${await response.text()}`);
  return response.json();
}

export async function getRun(base: string, runId: string): Promise<RunView> {
  const response = await fetch(`${base}/api/runs/${runId}`);
  if (!response.ok) throw new Error(`GET /api/runs/${runId} answered ${response.status}`);
  return response.json();
}

/** Waits until the run has ended and returns it. */
export function waitForEnd(base: string, runId: string, timeoutMs = 30_000): Promise<RunView> {
  return waitFor(
    `run ${runId} to end`,
    async () => {
      const run = await getRun(base, runId);
      return ["completed", "failed", "cancelled"].includes(run.status) ? run : undefined;
    },
    timeoutMs,
  );
}

/** Waits until the run has a live webhook and returns its URL. */
export function webhookUrl(base: string, runId: string): Promise<string> {
  return waitFor(
    `a webhook in run ${runId}`,
    async () => (await getRun(base, runId)).hooks.find((h) => h.kind === "webhook" && h.live)?.url,
  );
}
