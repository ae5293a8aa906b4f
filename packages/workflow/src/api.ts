// `workflow/api`: server code that starts and steers runs.
export { getHookByToken, getRun, resumeHook, resumeWebhook, start, type HookInfo, type Run, type StartOptions } from "@wfkit/core";
