// `@wfkit/next/route`: the handlers of the generated catch-all route
// `app/.well-known/workflow/v1/[...path]/route.js`.
import { errorResponse } from "@wfkit/core/api";
import { asAddressed } from "./request-url.js";
import { currentWorkflowServer } from "./slot.js";

/** Hands a request under `/.well-known/workflow/v1/` to this process's workflow runtime. */
export async function handleWorkflowRequest(request: Request): Promise<Response> {
  const server = currentWorkflowServer();
  if (!server) {
    return errorResponse(
      503,
      "WF_RUNTIME_UNAVAILABLE",
      "No workflow runtime was started in this server process, so workflow routes cannot be served.",
      "Wrap the Next config with withWorkflow() and run the app with `next dev` or `next start` (output: 'standalone' servers do not load next.config).",
    );
  }
  return server.handler(server.config.trustProxy ? asAddressed(request) : request);
}

export const GET = handleWorkflowRequest;
export const POST = handleWorkflowRequest;
export const PUT = handleWorkflowRequest;
export const PATCH = handleWorkflowRequest;
export const DELETE = handleWorkflowRequest;
export const HEAD = handleWorkflowRequest;
export const OPTIONS = handleWorkflowRequest;
