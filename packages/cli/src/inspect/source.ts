// Where `wf inspect` reads: a data folder no server holds, or a running server's inspect route.
import { resolveConfig } from "@wfkit/builder";
import {
  cancelStoredRun,
  createInspector,
  type EventPage,
  type ListRunsOptions,
  type RunPage,
  type RunView,
  rerunStoredRun,
  resumeStoredHook,
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
  /** A POST to the inspect route: `runs/<id>/cancel|rerun` or `hooks/<token>/resume`. */
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
    async post(route, body) {
      // No workflow code runs here: each action records what a runtime would, and the
      // next server on this folder carries the run on (core's inspect/offline.ts).
      const cancel = /^runs\/([^/]+)\/cancel$/.exec(route);
      if (cancel) {
        const run = await cancelStoredRun(await world(), decodeURIComponent(cancel[1]!));
        return { runId: run.runId, status: run.status };
      }
      const rerun = /^runs\/([^/]+)\/rerun$/.exec(route);
      if (rerun) return { ...(await rerunStoredRun(await world(), decodeURIComponent(rerun[1]!))) };
      const resume = /^hooks\/([^/]+)\/resume$/.exec(route);
      if (resume) return { ...(await resumeStoredHook(await world(), decodeURIComponent(resume[1]!), body)) };
      throw new WorkflowError("WF_CLI_USAGE", `No such action on a data folder: ${route}.`, "See wf --help.");
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
      call(
        route,
        body === undefined
          ? { method: "POST" }
          : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
      ),
    close: async () => {},
  };
}
