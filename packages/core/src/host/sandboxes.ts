import { availableParallelism } from "node:os";
import { WorkflowError } from "../errors/workflow-error.js";
import { type SandboxHost, type SandboxLimits, VmSandboxHost } from "./sandbox-host.js";
import { type SandboxOptions, sandboxNodeSupport } from "./sandbox-vm.js";
import { WorkerSandboxHost } from "./sandbox-worker/host.js";
import { sandboxThreadAvailable } from "./sandbox-worker/sandbox-thread.js";

/** Where workflow code runs and its limits (`RuntimeOptions.sandbox`); unset fields fall back to env, then defaults. */
export interface SandboxSettings {
  /**
   * `"worker"` (default): worker threads with heap and stack limits, so an endless
   * loop, a runaway allocation or a stack overflow fails its run alone.
   * `"vm"`: contexts in the runtime's own thread (only the activation timeout applies). Env `WORKFLOW_SANDBOX`.
   */
  mode?: "worker" | "vm";
  /**
   * Worker threads hosting workflow instances. Default 2, and 1 on a machine with 2 cores or
   * fewer, where a second worker is a third busy thread (it measured about 10-30% more CPU
   * per step there). Env `WORKFLOW_SANDBOX_WORKERS`.
   */
  workers?: number;
  /**
   * How long, in ms, one activation may run before its worker retires: the other runs of that
   * worker are rebuilt in a fresh worker (by replay) instead of waiting behind it, and the
   * activation itself goes on until it answers or `activationTimeoutMs` stops it. Worker mode
   * only. Default 1000, so that a slow moment of a busy worker (a long garbage collection) is
   * seldom taken for a stall, which would cost its other runs a replay. Env `WORKFLOW_SANDBOX_STALL_MS`.
   */
  stallMs?: number;
  /** Heap limit of one sandbox worker, in MB. Default 512. Env `WORKFLOW_SANDBOX_MEMORY_MB`. */
  memoryLimitMb?: number;
  /** Stack of one sandbox worker, in MB. Default 4. Env `WORKFLOW_SANDBOX_STACK_MB`. */
  stackSizeMb?: number;
  /**
   * How long, in µs, the runtime waits for a lone activation's answer, and a sandbox worker
   * for the next activation after answering one, polling instead of sleeping. Only when one
   * activation is in flight. Off by default: it pays only while both threads run on cores
   * of their own (runs back to back); on a server that was idle, the scheduler often puts
   * both on one core, where each thread's polling keeps the other from running and a step's
   * round trip grows to twice `spinUs` (docs/performance.md).
   * Default 0 (off). Env `WORKFLOW_SANDBOX_SPIN_US`.
   */
  spinUs?: number;
}

/** The defaults, as docs/security.md lists them. */
export const SANDBOX_DEFAULTS = {
  mode: "worker",
  workers: availableParallelism() <= 2 ? 1 : 2,
  activationTimeoutMs: 5000,
  memoryLimitMb: 512,
  stackSizeMb: 4,
  stallMs: 1000,
  spinUs: 0,
} as const;

type Env = Record<string, string | undefined>;

/** Option, then environment variable, then default; a value that cannot be used is WF_CONFIG_INVALID. */
export function resolveSandboxLimits(
  settings: SandboxSettings = {},
  activationTimeoutMs: number | undefined,
  env: Env = process.env,
): SandboxLimits {
  const mode = settings.mode ?? env.WORKFLOW_SANDBOX ?? SANDBOX_DEFAULTS.mode;
  if (mode !== "worker" && mode !== "vm") {
    throw invalid("sandbox.mode (WORKFLOW_SANDBOX)", String(mode), '"worker" or "vm"');
  }
  return {
    mode,
    workers: numberSetting(
      "sandbox.workers (WORKFLOW_SANDBOX_WORKERS)",
      settings.workers,
      env.WORKFLOW_SANDBOX_WORKERS,
      SANDBOX_DEFAULTS.workers,
    ),
    activationTimeoutMs: numberSetting(
      "activationTimeoutMs (WORKFLOW_ACTIVATION_TIMEOUT_MS)",
      activationTimeoutMs,
      env.WORKFLOW_ACTIVATION_TIMEOUT_MS,
      SANDBOX_DEFAULTS.activationTimeoutMs,
    ),
    memoryLimitMb: numberSetting(
      "sandbox.memoryLimitMb (WORKFLOW_SANDBOX_MEMORY_MB)",
      settings.memoryLimitMb,
      env.WORKFLOW_SANDBOX_MEMORY_MB,
      SANDBOX_DEFAULTS.memoryLimitMb,
    ),
    stackSizeMb: numberSetting(
      "sandbox.stackSizeMb (WORKFLOW_SANDBOX_STACK_MB)",
      settings.stackSizeMb,
      env.WORKFLOW_SANDBOX_STACK_MB,
      SANDBOX_DEFAULTS.stackSizeMb,
    ),
    stallMs: numberSetting(
      "sandbox.stallMs (WORKFLOW_SANDBOX_STALL_MS)",
      settings.stallMs,
      env.WORKFLOW_SANDBOX_STALL_MS,
      SANDBOX_DEFAULTS.stallMs,
    ),
    spinUs: numberSetting(
      "sandbox.spinUs (WORKFLOW_SANDBOX_SPIN_US)",
      settings.spinUs,
      env.WORKFLOW_SANDBOX_SPIN_US,
      SANDBOX_DEFAULTS.spinUs,
      true,
    ),
  };
}

/** A number setting: the option, else the environment variable, else `fallback`; `zero` allows 0. */
function numberSetting(
  name: string,
  option: number | undefined,
  fromEnv: string | undefined,
  fallback: number,
  zero = false,
): number {
  const value = option ?? (fromEnv === undefined || fromEnv === "" ? fallback : Number(fromEnv));
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zero))
    throw invalid(name, String(option ?? fromEnv), zero ? "0 or more" : "a positive number");
  return value;
}

function invalid(name: string, value: string, expected: string): WorkflowError {
  return new WorkflowError(
    "WF_CONFIG_INVALID",
    `The runtime setting ${name} is ${JSON.stringify(value)}, but it must be ${expected}.`,
    "Fix the option or the environment variable (docs/runtime.md lists both).",
  );
}

/** The sandbox host the limits ask for: worker threads when they can start here, else vm contexts (logged). */
export function createSandboxHost(
  code: string,
  hash: string,
  options: SandboxOptions,
  limits: SandboxLimits,
  explicitTimeoutMs: number | undefined,
): SandboxHost {
  const unsupported = sandboxNodeSupport();
  if (unsupported) throw unsupported;
  const log = options.log ?? (() => {});
  if (limits.mode === "worker") {
    if (sandboxThreadAvailable()) return new WorkerSandboxHost(code, hash, limits, options.webhookBase, log);
    log("warn", [
      "wfkit: the sandbox worker file is missing (a bundler that did not copy it?), so workflow code runs in this thread: endless loops still time out, but memory and stack are not limited.",
    ]);
  }
  return new VmSandboxHost(code, hash, VmSandboxHost.vmOptions(options, explicitTimeoutMs), limits);
}
