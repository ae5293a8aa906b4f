import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The built CLI; `npm test` builds before running tests. */
export const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(BIN))
    throw new Error(`${BIN} is missing: build first with \`npx tsc -b packages/tsconfig.json\``);
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/bin.js ...args` to its end. */
export function wf(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Polls `check` until it returns something other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

export interface DevServer {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** Starts `wf dev ...args` and resolves once it prints the URL it listens on. */
export async function startDev(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<DevServer> {
  const child = spawn(process.execPath, [BIN, "dev", ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let ended = false;
  exited.then(() => (ended = true));
  const url = await waitFor("wf dev to print its URL", () => {
    if (ended) throw new Error(`wf dev exited early.\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    return /^wf dev listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout)?.[1];
  });
  return { url, child, stdout: () => stdout, stderr: () => stderr, exited };
}
