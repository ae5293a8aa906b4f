import path from "node:path";
import { type AppRuntime, ROUTE_PREFIX, serveUi } from "@wfkit/builder";
import {
  CLOSE_CONNECTION,
  codeOf,
  DEFAULT_MAX_JSON_BYTES,
  DEFAULT_MAX_JSON_DEPTH,
  deserialize,
  type ErrorResponseInit,
  errorResponse,
  errorResponseFor,
  messageOf,
  readJsonBody,
  statusOf,
  WorkflowError,
  WorkflowRunNotFoundError,
  workflowBuildFailed,
} from "@wfkit/core";
import { toJsonValue } from "../json.js";

/** Largest JSON body the API reads. */
export const MAX_API_BODY_BYTES = DEFAULT_MAX_JSON_BYTES;
/** Deepest nesting of a JSON body the API reads. */
export const MAX_API_JSON_DEPTH = DEFAULT_MAX_JSON_DEPTH;

export interface DevHandlerOptions {
  app: AppRuntime;
  /** The project root (absolute): manifest files are relative to it. */
  root: string;
  /** The workflows folder (absolute): `file#export` names are relative to it. */
  dir: string;
  /** How long a request body may take to arrive, in ms. Default 10 s. */
  bodyTimeoutMs?: number;
  /** Where unexpected errors (with their stacks) are reported; the client only gets code and message. */
  log?: (message: string, error: unknown) => void;
}

/** An error of the API itself; its status is the code's registered one unless `init` says otherwise. */
class ApiError extends WorkflowError {
  constructor(
    code: string,
    message: string,
    hint: string,
    readonly init: ErrorResponseInit = {},
  ) {
    super(code, message, hint);
  }
}

const ROUTES = [
  "GET / (the web UI)",
  "GET /api/workflows",
  "POST /api/runs",
  "GET /api/runs/<runId>",
  "GET /api/runs/<runId>/hooks",
  "POST /api/runs/<runId>/cancel",
  "POST /api/hooks/<token>",
  `* ${ROUTE_PREFIX}webhook/<token>`,
];

/** `file#export` (file relative to the workflows folder) → the manifest entry. */
export function workflowNames(
  app: AppRuntime,
  root: string,
  dir: string,
): Map<string, { id: string; file: string; exportName: string }> {
  const names = new Map<string, { id: string; file: string; exportName: string }>();
  for (const w of app.manifest().workflows) {
    if (!w.exportName) continue;
    const file = path.relative(dir, path.resolve(root, w.file)).split(path.sep).join("/");
    names.set(`${file}#${w.exportName}`, { id: w.id, file, exportName: w.exportName });
  }
  return names;
}

/** The body as JSON, within the limits (WF_PAYLOAD_TOO_LARGE, WF_JSON_TOO_DEEP, WF_REQUEST_TIMEOUT). */
async function readJson(request: Request, timeoutMs: number | undefined): Promise<unknown> {
  let body: unknown;
  try {
    body = await readJsonBody(request, {
      maxBytes: MAX_API_BODY_BYTES,
      maxDepth: MAX_API_JSON_DEPTH,
      timeoutMs,
    });
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new ApiError(
      "WF_DEV_BAD_REQUEST",
      `The request body is not valid JSON: ${error.message}`,
      `Send a JSON document; with curl, quote the whole body: --json '{"a": 1}'.`,
    );
  }
  if (body === undefined) {
    throw new ApiError(
      "WF_DEV_BAD_REQUEST",
      "The request body is empty; this route takes a JSON body.",
      "Send JSON, e.g. with curl --json '{...}'.",
    );
  }
  return body;
}

function segment(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ApiError(
      "WF_DEV_BAD_REQUEST",
      `The path segment ${part} is not valid percent-encoding.`,
      "Encode ids and tokens with encodeURIComponent().",
    );
  }
}

/**
 * The `wf dev` server as a Web handler: the runtime's routes under
 * `/.well-known/workflow/v1/`, plus the JSON API under `/api/`. Every error
 * answer is JSON `{ error: { code, message, hint, docs } }`.
 */
export function createDevHandler(options: DevHandlerOptions): (request: Request) => Promise<Response> {
  const { app, root, dir } = options;
  const log = options.log ?? ((message, error) => console.error(message, error));
  const runtime = app.runtime;

  const notFound = (method: string, pathname: string) =>
    new ApiError(
      "WF_DEV_ROUTE_NOT_FOUND",
      `No route for ${method} ${pathname}.`,
      `wf dev serves: ${ROUTES.join(", ")}.`,
    );
  const wrongMethod = (method: string, pathname: string, allow: string) =>
    new ApiError(
      "WF_DEV_ROUTE_NOT_FOUND",
      `${pathname} does not take ${method}; it takes ${allow}.`,
      `Send ${allow} ${pathname}.`,
      { status: 405, headers: { allow } },
    );

  const routes = {
    listWorkflows() {
      const names = workflowNames(app, root, dir);
      return Response.json([...names.keys()].map((workflow) => ({ workflow, id: names.get(workflow)!.id })));
    },

    async startRun(request: Request) {
      const body = await readJson(request, options.bodyTimeoutMs);
      const shape = `Send {"workflow": "<file>#<export>", "args": [...]}, e.g. {"workflow": "orders.ts#processOrder", "args": ["order-1"]}.`;
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw new ApiError("WF_DEV_BAD_REQUEST", "The body must be a JSON object.", shape);
      }
      const {
        workflow,
        args = [],
        idempotencyKey,
        ...rest
      } = body as { workflow?: unknown; args?: unknown; idempotencyKey?: unknown };
      const unknown = Object.keys(rest);
      if (unknown.length) {
        throw new ApiError(
          "WF_DEV_BAD_REQUEST",
          `Unknown field${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} in the body.`,
          shape,
        );
      }
      if (typeof workflow !== "string" || !workflow.includes("#")) {
        throw new ApiError("WF_DEV_BAD_REQUEST", '"workflow" must be a string "<file>#<export>".', shape);
      }
      if (idempotencyKey !== undefined && (typeof idempotencyKey !== "string" || idempotencyKey === "")) {
        throw new ApiError(
          "WF_DEV_BAD_REQUEST",
          '"idempotencyKey" must be a non-empty string.',
          "Starting twice with the same key returns the first run instead of a new one.",
        );
      }
      if (!Array.isArray(args)) {
        throw new ApiError(
          "WF_DEV_BAD_REQUEST",
          '"args" must be a JSON array of the workflow\'s arguments.',
          shape,
        );
      }
      const names = workflowNames(app, root, dir);
      const entry = names.get(workflow);
      const [file] = workflow.split("#");
      const inFile = path.relative(root, path.resolve(dir, file!)).split(path.sep).join("/");
      const unbuilt = entry ? undefined : app.unbuilt().find((u) => u.file === inFile);
      // Its file did not build: say why, not "no such workflow".
      if (unbuilt) throw workflowBuildFailed(workflow, unbuilt);
      if (!entry) {
        const available = [...names.keys()];
        throw new ApiError(
          "WF_DEV_WORKFLOW_NOT_FOUND",
          `There is no workflow ${workflow}.`,
          available.length
            ? `Workflows: ${available.join(", ")}. The file part is relative to the workflows folder.`
            : 'No workflows were found: export an async function whose body starts with "use workflow".',
        );
      }
      const run = await runtime.start(entry.id, args, idempotencyKey === undefined ? {} : { idempotencyKey });
      return Response.json(
        { runId: run.runId },
        { status: 201, headers: { location: `/api/runs/${encodeURIComponent(run.runId)}` } },
      );
    },

    async getRun(runId: string) {
      const record = await runtime.world.getRun(runId);
      if (!record) throw new WorkflowRunNotFoundError(runId);
      const answer: {
        runId: string;
        status: string;
        output?: unknown;
        error?: { name: string; message: string };
      } = {
        runId: record.runId,
        status: record.status,
      };
      if (record.status === "completed")
        answer.output = toJsonValue(record.output === undefined ? undefined : deserialize(record.output));
      if (record.status === "failed") {
        const cause = record.error === undefined ? undefined : deserialize<unknown>(record.error);
        answer.error =
          typeof cause === "object" && cause !== null && "message" in cause
            ? { name: String((cause as Error).name ?? "Error"), message: String((cause as Error).message) }
            : { name: "Error", message: String(cause) };
      }
      return Response.json(answer);
    },

    async listHooks(runId: string) {
      if (!(await runtime.world.getRun(runId))) throw new WorkflowRunNotFoundError(runId);
      const hooks = await runtime.world.listHooks({ runId });
      const base = runtime.webhookBaseUrl;
      return Response.json(
        hooks.map((h) =>
          h.kind === "webhook"
            ? {
                token: h.token,
                kind: h.kind,
                url: `${base}${ROUTE_PREFIX}webhook/${encodeURIComponent(h.token)}`,
              }
            : { token: h.token, kind: h.kind },
        ),
      );
    },

    async cancelRun(runId: string) {
      if (!(await runtime.world.getRun(runId))) throw new WorkflowRunNotFoundError(runId);
      await runtime.cancel(runId);
      const record = await runtime.world.getRun(runId);
      return Response.json({ runId, status: record?.status });
    },

    async resumeHook(token: string, request: Request) {
      const payload = await readJson(request, options.bodyTimeoutMs);
      const { runId } = await runtime.resumeHook(token, payload);
      return Response.json({ runId });
    },
  };

  async function api(request: Request, url: URL): Promise<Response> {
    const method = request.method;
    const pathname = url.pathname.length > 1 ? url.pathname.replace(/\/$/, "") : url.pathname;
    const parts = pathname.split("/").slice(1); // ["api", ...]
    const only = (allow: string, handle: () => Promise<Response> | Response) =>
      method === allow ? handle() : Promise.reject(wrongMethod(method, pathname, allow));

    if (parts[0] !== "api") throw notFound(method, url.pathname);
    const [, collection, id, sub, ...extra] = parts;
    if (extra.length) throw notFound(method, url.pathname);
    if (collection === "workflows" && id === undefined) return only("GET", routes.listWorkflows);
    if (collection === "runs" && id === undefined) return only("POST", () => routes.startRun(request));
    if (collection === "runs" && id && sub === undefined)
      return only("GET", () => routes.getRun(segment(id)));
    if (collection === "runs" && id && sub === "hooks")
      return only("GET", () => routes.listHooks(segment(id)));
    if (collection === "runs" && id && sub === "cancel")
      return only("POST", () => routes.cancelRun(segment(id)));
    if (collection === "hooks" && id && sub === undefined)
      return only("POST", () => routes.resumeHook(segment(id), request));
    throw notFound(method, url.pathname);
  }

  return async function handle(request: Request): Promise<Response> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return errorResponse(
        "WF_DEV_BAD_REQUEST",
        "The request URL is not valid.",
        "Send a request to a route of wf dev.",
      );
    }
    try {
      if (url.pathname.startsWith(ROUTE_PREFIX)) return await app.handler(request);
      if (!url.pathname.startsWith("/api/")) {
        const ui = await serveUi(request, "/");
        if (ui) return ui;
      }
      return await api(request, url);
    } catch (error) {
      if (error instanceof ApiError)
        return errorResponse(error.code, messageOf(error), error.hint!, error.init);
      // The runtime's own errors (WF_RUN_NOT_FOUND, WF_HOOK_PAYLOAD_INVALID, ...): status from the registry.
      const code = codeOf(error);
      if (code) {
        if (statusOf(code) >= 500) log(`wf dev: ${request.method} ${url.pathname} failed:`, error);
        // The body was not read in full: the connection cannot carry another request.
        return errorResponseFor(
          error,
          code,
          "",
          code === "WF_REQUEST_TIMEOUT" ? { headers: CLOSE_CONNECTION } : {},
        );
      }
      log(`wf dev: ${request.method} ${url.pathname} failed:`, error);
      return errorResponse(
        500,
        "WF_HANDLER_FAILED",
        `wf dev could not answer ${request.method} ${url.pathname}: ${error instanceof Error ? error.message : String(error)}`,
        "The error and its stack are printed by the wf dev process. If it looks like a wfkit bug, report it with that output.",
      );
    }
  };
}
