// Where `wf inspect` reads: a data folder no server holds, or a running server's inspect route.
import { resolveConfig } from "@wfkit/builder";
import {
  createInspector,
  type EventPage,
  type ListRunsOptions,
  type RunPage,
  type RunView,
} from "@wfkit/core";
import { WorkflowError } from "@wfkit/core/api";
import type { World } from "@wfkit/world";
import { openWorld } from "../world/index.js";

const INSPECT_PATH = "/.well-known/workflow/v1/inspect/";

/** The reads and actions of `wf inspect`, `wf cancel`, `wf resume` and `wf rerun`. */
export interface InspectSource {
  listRuns(options: ListRunsOptions): Promise<RunPage>;
  inspectRun(runId: string): Promise<RunView>;
  listEvents(runId: string, options: { cursor?: string; limit?: number }): Promise<EventPage>;
  /** A POST to the inspect route; only a running server can drive runs. */
  post(route: string, body?: unknown): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** `--url` when given, else the data folder (`--data-dir`, else WORKFLOW_DATA_DIR, else .workflow-data). */
export function openSource(flags: Record<string, string | boolean>): InspectSource {
  if (typeof flags.url === "string") return urlSource(flags.url);
  const config = resolveConfig({
    root: process.cwd(),
    dataDir: flags["data-dir"] as string | undefined,
    postgresUrl: flags["postgres-url"] as string | undefined,
  });
  // Opened on first use, so a command that fails its arguments opens nothing.
  let opened: Promise<World> | undefined;
  const world = () => {
    opened ??= openWorld(config);
    return opened;
  };
  const inspector = async () => createInspector(await world());
  return {
    listRuns: async (o) => (await inspector()).listRuns(o),
    inspectRun: async (id) => (await inspector()).inspectRun(id),
    listEvents: async (id, o) => (await inspector()).listEvents(id, o),
    async post() {
      throw new WorkflowError(
        "WF_CLI_USAGE",
        "This command drives a run, which needs the app's running server.",
        "Start the app (wf dev, or your server) and pass its address with --url http://127.0.0.1:3000.",
      );
    },
    close: async () => {
      if (opened) await (await opened).close();
    },
  };
}

function urlSource(base: string): InspectSource {
  const root = base.replace(/\/+$/, "") + INSPECT_PATH;
  const call = async (route: string, init?: RequestInit) => {
    let response: Response;
    try {
      response = await fetch(root + route, init);
    } catch (error) {
      throw new WorkflowError(
        "WF_CLI_USAGE",
        `No server answered at ${base}: ${(error as Error).message}.`,
        "Check the address, and that the app's server is running.",
      );
    }
    const body = (await response.json().catch(() => null)) as Record<string, any> | null;
    if (!response.ok) {
      const e = body?.error as { code?: string; message?: string; hint?: string } | undefined;
      throw new WorkflowError(
        e?.code ?? "WF_CLI_USAGE",
        e?.message ?? `${base} answered ${response.status} for ${root + route}.`,
        e?.hint ?? "Is this the app's server, run in development or with the inspect option?",
      );
    }
    return body as any;
  };
  const query = (params: Record<string, string | number | undefined>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
    const text = q.toString();
    return text ? `?${text}` : "";
  };
  return {
    listRuns: (o) =>
      call(
        `runs${query({
          workflow: o.workflow,
          status: o.status === undefined ? undefined : [o.status].flat().join(","),
          cursor: o.cursor,
          limit: o.limit,
        })}`,
      ),
    inspectRun: (id) => call(`runs/${encodeURIComponent(id)}`),
    listEvents: (id, o) => call(`runs/${encodeURIComponent(id)}/events${query(o)}`),
    post: (route, body) =>
      call(route, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) }),
    close: async () => {},
  };
}
