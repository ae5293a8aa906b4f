// `workflow/api`: server code that starts and steers runs. A light entry:
// no compiler or bundler, so app routes that import it stay small.
export {
  getHookByToken,
  getRun,
  type HookInfo,
  type Run,
  resumeHook,
  resumeWebhook,
  type StartOptions,
  start,
} from "@wfkit/core/api";
