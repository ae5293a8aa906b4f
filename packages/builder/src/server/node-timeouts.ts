// Timeouts for the Node HTTP servers wfkit starts (`wf dev`) and documents
// (production servers with createWorkflowServer): Node waits 300 s by default
// for a request whose body never arrives.
import { DEFAULT_BODY_TIMEOUT_MS } from "@wfkit/core";

/** How long a client may take to send the request headers, in ms. */
export const HEADERS_TIMEOUT_MS = 10_000;

/** The options `serverTimeouts()` returns: those of `http.createServer(options, listener)`. */
export interface NodeServerTimeouts {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
}

/**
 * Options for `http.createServer(options, listener)`: the headers must arrive
 * within 10 s and the whole request within 10 s more than the body deadline
 * (`bodyTimeoutMs`, WORKFLOW_BODY_TIMEOUT_MS), checked every second. The
 * workflow routes stop reading a late body themselves (408 WF_REQUEST_TIMEOUT);
 * these bound every other route of the server too.
 *
 * ```js
 * const server = http.createServer(serverTimeouts(workflow.config.bodyTimeoutMs), listener);
 * ```
 */
export function serverTimeouts(bodyTimeoutMs: number = DEFAULT_BODY_TIMEOUT_MS): NodeServerTimeouts {
  return {
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: HEADERS_TIMEOUT_MS + bodyTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, bodyTimeoutMs),
  };
}
