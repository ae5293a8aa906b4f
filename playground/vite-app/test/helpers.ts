// Shared by the playground's tests: a throwaway copy of the app, child
// processes, and waiting on conditions (never on fixed sleeps).
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const appDir = fileURLToPath(new URL("..", import.meta.url));
export const repoRoot = path.resolve(appDir, "../..");
export const viteBin = path.join(repoRoot, "node_modules", "vite", "bin", "vite.js");

const COPIED = new Set([
  "index.html",
  "vite.config.ts",
  "server.mjs",
  "package.json",
  "tsconfig.json",
  "src",
  "workflows",
]);

/**
 * A copy of the playground in a temp folder (so builds and edits never touch
 * the sources), with the packages it needs linked from the repository, and an
 * empty data folder of its own.
 */
export function copyApp(): { dir: string; dataDir: string; cleanup(): void } {
  const base = mkdtempSync(path.join(tmpdir(), "wfkit-vite-app-"));
  const dir = path.join(base, "app");
  for (const name of COPIED) cpSync(path.join(appDir, name), path.join(dir, name), { recursive: true });
  // Its own node_modules with links to the two packages it imports, so that
  // caches (Vite's, the compiled step bundles) are written here, not in the repository.
  mkdirSync(path.join(dir, "node_modules"));
  for (const name of ["workflow", "vite"]) {
    symlinkSync(path.join(repoRoot, "node_modules", name), path.join(dir, "node_modules", name), "dir");
  }
  return {
    dir,
    dataDir: path.join(base, "data"),
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** Polls `check` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

export interface RunInfo {
  runId: string;
  status: string;
  webhookUrl: string | null;
  output?: Record<string, unknown>;
  error?: string;
}

export async function getRunInfo(base: string, runId: string): Promise<RunInfo> {
  const response = await fetch(`${base}/api/runs/${encodeURIComponent(runId)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as RunInfo;
}

/** Starts a run through the app's API and waits until its webhook URL is published. */
export async function startRun(
  base: string,
  orderId: string,
): Promise<{ runId: string; webhookUrl: string }> {
  const response = await fetch(`${base}/api/start`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ orderId }),
  });
  expect(response.status).toBe(201);
  const { runId } = (await response.json()) as { runId: string };
  const webhookUrl = await waitFor(
    `the webhook URL of ${runId}`,
    async () => (await getRunInfo(base, runId)).webhookUrl ?? undefined,
  );
  return { runId, webhookUrl };
}

export function waitForEnd(base: string, runId: string): Promise<RunInfo> {
  return waitFor(`run ${runId} to end`, async () => {
    const info = await getRunInfo(base, runId);
    return ["completed", "failed", "cancelled"].includes(info.status) ? info : undefined;
  });
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

export interface Child {
  process: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in the output. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | null>;
}

export function startChild(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Child {
  // CI=true makes Vite's colour library colour its output; the patterns match plain text.
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: "1",
    FORCE_COLOR: undefined,
    ...options.env,
  };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const child = spawn(process.execPath, args, { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes.
    output += chunk.toString().replace(/\x1b\[[0-9;]*m/g, "");
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    process: child,
    output: () => output,
    waitForOutput(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            done();
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(`Timed out waiting for ${pattern} in the output of ${args.join(" ")}:\n${output}`),
          );
        }, timeoutMs);
        const onExit = (code: number | null) => {
          done();
          reject(new Error(`${args.join(" ")} exited (${code}) before printing ${pattern}:\n${output}`));
        };
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off("exit", onExit);
        };
        listeners.add(check);
        child.once("exit", onExit);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** Runs a command to its end; rejects with its output if it fails. */
export async function run(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
) {
  const child = startChild(args, options);
  const code = await new Promise<number | null>((resolve) => child.process.once("exit", resolve));
  if (code !== 0) throw new Error(`${args.join(" ")} exited with ${code}:\n${child.output()}`);
  return child.output();
}
