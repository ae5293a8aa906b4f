// `@wfkit/next/route`: the handlers of the generated catch-all route
// `app/.well-known/workflow/v1/[...path]/route.js`.
import { errorResponse } from "@wfkit/core/api";
import { asAddressed } from "./request-url.js";
import { currentWorkflowServer } from "./slot.js";

/** Hands a request under `/.well-known/workflow/v1/` to this process's workflow runtime. */
export async function handleWorkflowRequest(request: Request): Promise<Response> {
  const app = currentWorkflowServer();
  if (!app) {
    return errorResponse(
      503,
      "WF_NEXT_RUNTIME_NOT_STARTED",
      "No workflow runtime was started in this server process, so workflow routes cannot be served.",
      "Wrap the Next config with withWorkflow() and run the app with `next dev` or `next start` (output: 'standalone' servers do not load next.config).",
    );
  }
  let runtime: Awaited<typeof app>;
  try {
    runtime = await app;
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    return errorResponse(
      503,
      "WF_NEXT_RUNTIME_NOT_STARTED",
      `The workflow runtime failed to start: ${code ? `${code}: ` : ""}${message ?? String(error)}`,
      "Read the server log for the cause; the next request tries to start it again.",
    );
  }
  return runtime.handler(asAddressed(request));
}

export const GET = handleWorkflowRequest;
export const POST = handleWorkflowRequest;
export const PUT = handleWorkflowRequest;
export const PATCH = handleWorkflowRequest;
export const DELETE = handleWorkflowRequest;
export const HEAD = handleWorkflowRequest;
export const OPTIONS = handleWorkflowRequest;
