/**
 * The registry of runtime error codes, held as data: code → the HTTP status
 * an answer over HTTP carries, and a one-line title (the heading of the
 * code's page, docs/errors/<CODE>.md). Sandbox-safe: plain data, no imports.
 *
 * Compiler codes (`WF_Cnnn_…`) live in @wfkit/compiler and World codes
 * (`WF_Wnnn_…`) in @wfkit/world, in the same shape; test/docs-errors.test.ts
 * reads all three and checks every code against its page.
 */

/** What the registry knows of one code. */
export interface ErrorCodeInfo {
  /** HTTP status of a JSON error answer with this code. */
  readonly status: number;
  /** One line: what happened (the page's heading after the code). */
  readonly title: string;
}

/** Every runtime code, in the `WF_<TOPIC>_<WHAT>` form. */
export const ERROR_CODES = {
  WF_ACTIVATION_TIMEOUT: { status: 500, title: "workflow code ran too long without giving control back" },
  WF_API_IN_WORKFLOW: { status: 500, title: '"workflow/api" called from workflow code' },
  WF_BUILD_FAILED: { status: 500, title: "the workflow or step bundle did not build" },
  WF_CHILD_HANDLE_UNSUPPORTED: {
    status: 500,
    title: "a child run's live state was read in workflow code",
  },
  WF_CLI_NOT_BUILT: { status: 500, title: "the `wf` command is not built" },
  WF_CLI_USAGE: { status: 400, title: "the `wf` command line was used wrongly" },
  WF_CONFIG_INVALID: { status: 500, title: "a setting has a value it cannot take" },
  WF_CORRUPT_EVENT_LOG: { status: 500, title: "a run's event log cannot be replayed" },
  WF_DEV_BAD_REQUEST: { status: 400, title: "the `wf dev` API could not use the request" },
  WF_DEV_ROUTE_NOT_FOUND: { status: 404, title: "`wf dev` has no route for this request" },
  WF_DEV_WORKFLOW_NOT_FOUND: { status: 404, title: "`wf dev` has no workflow with this name" },
  WF_FORBIDDEN_HOST: { status: 403, title: "a development route refused a request for a foreign host name" },
  WF_FORBIDDEN_ORIGIN: { status: 403, title: "a development route refused a request from another site" },
  WF_FORMDATA_UNSUPPORTED: { status: 500, title: "formData() on a body workflow code cannot parse" },
  WF_HANDLER_FAILED: { status: 500, title: "a request handler threw" },
  WF_HOOK_CONFLICT: { status: 409, title: "another run already owns this hook token" },
  WF_HOOK_DISPOSED: { status: 500, title: "waiting on a hook that was disposed" },
  WF_HOOK_IS_WEBHOOK: { status: 409, title: "resumeHook() was given a webhook's token" },
  WF_HOOK_NOT_FOUND: { status: 404, title: "no live hook has this token" },
  WF_HOOK_PAYLOAD_INVALID: { status: 400, title: "the payload does not match the hook's schema" },
  WF_INSPECT_FORBIDDEN: { status: 403, title: "the inspect route refused the request" },
  WF_INSPECT_INVALID_QUERY: {
    status: 400,
    title: "an inspect query with an invalid filter, limit or cursor",
  },
  WF_INSPECT_READ_ONLY: {
    status: 409,
    title: "an action on runs read from a data folder, with no runtime to drive them",
  },
  WF_INVALID_DURATION: { status: 400, title: "a value that is not a duration" },
  WF_JSON_TOO_DEEP: { status: 400, title: "JSON or a payload nested deeper than the limit" },
  WF_NEXT_NO_APP_DIR: { status: 500, title: "no app/ directory for the workflow routes" },
  WF_NEXT_NO_WORLD: { status: 500, title: "withWorkflow() from @wfkit/next has no World" },
  WF_NONDETERMINISTIC_API: { status: 500, title: "an API workflow code may not use" },
  WF_NOT_A_HOOK: { status: 500, title: "waitForHook() was not given a hook" },
  WF_NOT_A_WORKFLOW: { status: 400, title: "start() was not given a workflow" },
  WF_PATCH_ID_INVALID: { status: 500, title: "patched() or deprecatePatch() given a bad patch id" },
  WF_PAYLOAD_TOO_LARGE: { status: 413, title: "a request body or hook payload over the size limit" },
  WF_REPLAY_DIVERGED: { status: 500, title: "workflow code no longer matches its event log" },
  WF_REPLAY_MORE_WORK: { status: 500, title: "a completed run's history replays into more work" },
  WF_REQUEST_TIMEOUT: { status: 408, title: "a request body did not arrive in time" },
  WF_RESPOND_NOT_MANUAL: { status: 500, title: "respondWith() on a webhook that answers by itself" },
  WF_ROUTE_NOT_FOUND: { status: 404, title: "no workflow runtime route at this path" },
  WF_NODE_UNSUPPORTED: { status: 500, title: "a Node.js version the workflow sandbox cannot run on" },
  WF_RUNTIME_NOT_CONFIGURED: { status: 500, title: "no workflow runtime in this process" },
  WF_RUNTIME_UNAVAILABLE: { status: 503, title: "the workflow runtime is not running" },
  WF_RUN_CANCELLED: { status: 409, title: "the run was cancelled, so it has no return value" },
  WF_RUN_FAILED: { status: 500, title: "the workflow run failed" },
  WF_RUN_NOT_FOUND: { status: 404, title: "no run with this id" },
  WF_RUN_PARKED: { status: 503, title: "the run is parked and the runtime closed before it took the input" },
  WF_SEND_WEBHOOK_FAILED: { status: 502, title: "sendWebhook() used up its attempts" },
  WF_SEND_WEBHOOK_INVALID: { status: 500, title: "sendWebhook() was called with something it cannot use" },
  WF_SEND_WEBHOOK_REJECTED: { status: 502, title: "the receiver refused a sendWebhook() request" },
  WF_SERIALIZE_UNREAD_BODY: { status: 400, title: "a Request or Response with an unread body" },
  WF_SERIALIZE_UNSUPPORTED: { status: 400, title: "a value that cannot go into the event log" },
  WF_SERIALIZE_UNKNOWN_CLASS: { status: 500, title: "a class that crosses as a value is not registered" },
  WF_SERVER_ONLY: { status: 500, title: "a server call with no runtime loaded" },
  WF_START_ARGS: { status: 400, title: "start() arguments must be an array" },
  WF_STATUS_RESULT_URL_INVALID: {
    status: 500,
    title: "acceptedResponse() was given a result URL off this app",
  },
  WF_STATUS_TOKEN_INVALID: { status: 403, title: "the status URL's token does not match the run" },
  WF_STREAM_CLOSED: { status: 409, title: "a chunk written to a closed stream" },
  WF_STREAM_OUTSIDE_RUN: { status: 500, title: "getWritable() outside a workflow or step" },
  WF_STREAM_WRITE_IN_WORKFLOW: { status: 500, title: "workflow code wrote to a stream" },
  WF_STREAM_READ_IN_WORKFLOW: { status: 500, title: "workflow code read a stream" },
  WF_STEP_NOT_FOUND: { status: 500, title: "the step's code is not loaded in this process" },
  WF_STEP_ONLY: { status: 500, title: "a step-only call outside a step" },
  WF_STEP_OUTSIDE_RUNTIME: { status: 500, title: "a compiled workflow was run outside the runtime" },
  WF_STEP_TIMEOUT: { status: 500, title: "a step attempt ran past its timeout" },
  WF_UI_NOT_BUILT: { status: 503, title: "the web UI's files are missing from @wfkit/web" },
  WF_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "a development route was sent a body that is not JSON" },
  WF_VITE_API_ENTRY_INVALID: { status: 500, title: "the `api` module cannot serve requests" },
  WF_TEST_LOOKUP: {
    status: 500,
    title: "the test environment cannot find the named workflow, step or webhook",
  },
  WF_TEST_NOT_SETTLED: { status: 500, title: "the test runtime did not become idle in time" },
  WF_TEST_HISTORY_INVALID: { status: 500, title: "the histories to replay cannot be read" },
  WF_WEBHOOK_BODY_TOO_LARGE: { status: 413, title: "the request body is over the webhook route's limit" },
  WF_WEBHOOK_CUSTOM_TOKEN: { status: 500, title: "createWebhook() does not take a token" },
  WF_WEBHOOK_GONE: { status: 410, title: "the webhook at this URL has ended" },
  WF_WEBHOOK_NOT_RECORDED: { status: 503, title: "a webhook request could not be stored" },
  WF_WEBHOOK_NOT_FOUND: { status: 404, title: "no live webhook at this URL" },
  WF_WEBHOOK_NO_RESPONSE: { status: 500, title: "the run ended without answering a manual webhook call" },
  WF_WEBHOOK_PRESET_UNKNOWN: { status: 500, title: "no built-in webhook verifier has this name" },
  WF_WEBHOOK_RESPONSE_TIMEOUT: { status: 504, title: "a manual webhook did not answer in time" },
  WF_WEBHOOK_SECRET_INVALID: { status: 500, title: "a webhook verifier was given an empty or short secret" },
  WF_WEBHOOK_SIGNATURE_INVALID: { status: 401, title: "a webhook request failed its signature check" },
  WF_WEBHOOK_VERIFIER_MISSING: { status: 500, title: "the webhook names a verifier the server lacks" },
  WF_WORKFLOW_BUILD_FAILED: { status: 500, title: "the workflow's file did not build" },
  WF_WORKFLOW_BUNDLE_THREW: { status: 500, title: "the workflow code threw while it was loaded" },
  WF_WORKFLOW_CALLED_DIRECTLY: { status: 500, title: "a workflow was called like a normal function" },
  WF_WORKFLOW_CRASHED: { status: 500, title: "the workflow sandbox failed while running the run's code" },
  WF_WORKFLOW_NOT_FOUND: { status: 404, title: "the run's workflow is not in this build" },
  WF_WORKFLOW_ONLY: { status: 500, title: "a workflow-only function called elsewhere" },
  WF_WORKFLOW_OUT_OF_MEMORY: { status: 500, title: "workflow code used more memory than its sandbox allows" },
  WF_WORKFLOW_STACK_OVERFLOW: { status: 500, title: "workflow code overflowed the call stack" },
} as const satisfies Record<string, ErrorCodeInfo>;

/** A registered runtime code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Whether `code` is a registered runtime code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code);
}

/** The HTTP status for `code`: its registered status, else 500. */
export function statusOf(code: string): number {
  return isErrorCode(code) ? ERROR_CODES[code].status : 500;
}
