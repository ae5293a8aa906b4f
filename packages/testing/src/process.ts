import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** How to start a child process. */
export interface ChildOptions {
  cwd?: string;
  /** Added to the parent's environment; a key set to `undefined` is removed from it. */
  env?: Record<string, string | undefined>;
  /**
   * Starts the child in its own process group, so `stop()` also ends the
   * processes it started (`next dev` runs its server in a grandchild).
   */
  group?: boolean;
  /** Names the process in failure messages. Default: its arguments. */
  name?: string;
}

/** A running child process whose output is kept for assertions and failure messages. */
export interface Child {
  readonly process: ChildProcess;
  /** Everything it wrote so far, stdout and stderr as they arrived, without ANSI colour codes. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Resolves once the process has exited and all of its output has been read. */
  readonly closed: Promise<void>;
  /**
   * Resolves with the first match of `pattern` in the output. Rejects, quoting
   * the output, if the process exits first or nothing matches in `timeoutMs`.
   */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The first `http://` or `https://` URL it prints (without a trailing slash). */
  waitForUrl(timeoutMs?: number): Promise<string>;
  /**
   * Sends `signal` (to the group when started with `group`), then SIGKILL if
   * it is still running after `graceMs`; resolves with the exit code. Does
   * nothing to a process that has already exited.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/** What {@link runChild} resolves with. */
export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matches ANSI colour codes.
const ANSI = /\x1b\[[0-9;]*m/g;

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  return env;
}

/**
 * Starts `node ...args` (the running Node binary) with piped output.
 *
 * @example
 * const server = startChild(["server.mjs"], { cwd: app.dir, env: { PORT: "0" } });
 * const url = await server.waitForUrl();
 * await server.stop();
 */
export function startChild(args: string[], options: ChildOptions = {}): Child {
  const name = options.name ?? args.join(" ");
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.group === true,
  });
  let output = "";
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout!.on("data", (chunk: Buffer) => {
    const text = chunk.toString().replace(ANSI, "");
    stdout += text;
    output += text;
    for (const listener of listeners) listener();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    const text = chunk.toString().replace(ANSI, "");
    stderr += text;
    output += text;
    for (const listener of listeners) listener();
  });
  let ended = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      ended = true;
      resolve(code);
    });
    child.once("error", (error) => {
      output += `\n[could not start ${name}: ${error.message}]\n`;
      ended = true;
      resolve(null);
    });
  });
  // "close" comes after "exit" once every byte of output has been read.
  const closed = new Promise<void>((resolve) => {
    child.once("close", () => resolve());
    child.once("error", () => resolve());
  });

  const waitForOutput = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = output.match(pattern);
        if (!match) return false;
        done();
        resolve(match);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${pattern} from ${name}:\n${output}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      if (check()) return;
      listeners.add(check);
      void closed.then(() => {
        if (!listeners.has(check) || check()) return;
        done();
        reject(
          new Error(
            `${name} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${output}`,
          ),
        );
      });
    });

  return {
    process: child,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    closed,
    waitForOutput,
    async waitForUrl(timeoutMs) {
      const [url] = await waitForOutput(/https?:\/\/[^\s/"']+/, timeoutMs);
      return url;
    },
    async stop(signal = "SIGTERM", graceMs = 5_000) {
      const kill = (s: NodeJS.Signals) => {
        try {
          if (options.group) process.kill(-child.pid!, s);
          else child.kill(s);
        } catch {
          // Gone already.
        }
      };
      // A group is signalled even when its leader has exited: what it started may still run.
      if (ended || child.exitCode !== null || child.signalCode !== null) {
        if (options.group && child.pid !== undefined) kill(signal);
        return exited;
      }
      kill(signal);
      const timer = setTimeout(() => kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs `node ...args` to its end; never rejects for a failing exit code (see {@link runChildOk}). */
export async function runChild(args: string[], options: ChildOptions = {}): Promise<ChildResult> {
  const child = startChild(args, options);
  const code = await child.exited;
  await child.closed;
  return { code, stdout: child.stdout(), stderr: child.stderr(), output: child.output() };
}

/** Runs `node ...args` to its end and resolves with its output; rejects, quoting the output, unless it exits 0. */
export async function runChildOk(args: string[], options: ChildOptions = {}): Promise<string> {
  const result = await runChild(args, options);
  if (result.code !== 0) {
    throw new Error(`${options.name ?? args.join(" ")} exited with ${result.code}:\n${result.output}`);
  }
  return result.output;
}

/** A TCP port nobody listens on right now: binds port 0 on 127.0.0.1, reads it, closes. */
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
