import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type ChildResult, runChild, startChild } from "@wfkit/testing-kit";

export { waitFor } from "@wfkit/testing-kit";

/** The built CLI; `npm test` builds before running tests. */
export const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(BIN))
    throw new Error(`${BIN} is missing: build first with \`npx tsc -b packages/tsconfig.json\``);
}

export type Result = Pick<ChildResult, "code" | "stdout" | "stderr">;

/** Runs `node dist/bin.js ...args` to its end. */
export function wf(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return runChild([BIN, ...args], { cwd, env, name: `wf ${args.join(" ")}` });
}

export interface DevServer {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** SIGTERM (SIGKILL after a grace period) unless it has ended; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `wf dev ...args` and resolves once it prints the URL it listens on. */
export async function startDev(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<DevServer> {
  const child = startChild([BIN, "dev", ...args], { cwd, env, name: "wf dev" });
  const [, url] = await child.waitForOutput(/^wf dev listening on (http:\/\/127\.0\.0\.1:\d+)$/m, 20_000);
  return {
    url: url!,
    child: child.process,
    stdout: child.stdout,
    stderr: child.stderr,
    exited: child.exited,
    stop: (signal) => child.stop(signal),
  };
}
