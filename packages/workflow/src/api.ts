// `workflow/api`: server code that starts and steers runs.
export { getHookByToken, getRun, resumeHook, start, type Run, type StartOptions } from "@wfkit/core";
