// `workflow/api`: server code that starts and steers runs.
export {
  getHookByToken,
  getRun,
  type HookInfo,
  type Run,
  resumeHook,
  resumeWebhook,
  type StartOptions,
  start,
} from "@wfkit/core";
