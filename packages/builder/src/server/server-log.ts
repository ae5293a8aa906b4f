// What the app server logs, and where: the logger, the readiness line, and how a
// start failure is shown.
import { codeOf } from "@wfkit/core";
import type { AppRuntime } from "../app/app-runtime.js";
import { UNAVAILABLE } from "./lifecycle-errors.js";

/** Where the server's messages go. Vite's logger fits; the default writes to the console. */
export interface AppServerLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export const consoleLogger: AppServerLogger = {
  info: (message) => console.log(message),
  warn: (message) => console.warn(message),
  error: (message, error) => (error === undefined ? console.error(message) : console.error(message, error)),
};

/** Build errors are shown as their message: their stack is wfkit's, not the app's. */
function shown(error: unknown): unknown {
  const cause = codeOf(error) === UNAVAILABLE ? ((error as Error).cause ?? error) : error;
  return codeOf(cause) === "WF_BUILD_FAILED" ? (cause as Error).message : cause;
}

/** Logs why the runtime could not start. */
export function logStartFailure(log: AppServerLogger, error: unknown): void {
  log.error("wfkit: the workflow runtime could not start:", shown(error));
}

/** Logs that the runtime runs: what it found under `root`, its World, and where webhooks go. */
export function logReady(log: AppServerLogger, app: AppRuntime, root: string): void {
  const { workflows, steps } = app.manifest();
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  log.info(
    `wfkit: workflow runtime ready (${plural(workflows.length, "workflow")}, ${plural(steps.length, "step")}, World: ${
      app.runtime.world.name
    }, webhooks at ${app.runtime.webhookBaseUrl}/.well-known/workflow/v1/webhook/)${
      workflows.length ? "" : `; no "use workflow" files found under ${root}`
    }`,
  );
}
