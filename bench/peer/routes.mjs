// The peer-benchmark route contract (../../../shared/peer-bench/README.md) as a
// Web-standard handler, so the same routes run in the bench server
// (./server.mjs) and in the adapter bench apps (../apps/*: Next, Vite).

// ISO-8601: the driver reads times with Date.parse, which gives NaN for epoch
// numbers and then falls back to when its 10 ms poll saw the run.
const iso = (ms) => (ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * @param {{
 *   runtime: import("@wfkit/core").Runtime,
 *   start: (workflow: string, args: unknown[]) => Promise<{ runId: string }>,
 *   deserialize: (value: string) => unknown,
 *   info?: Record<string, unknown>,
 * }} options
 * @returns {(request: Request) => Promise<Response | undefined>} undefined for paths outside /bench/
 */
export function benchRoutes({ runtime, start, deserialize, info = {} }) {
  const runView = (r, withOutput) => ({
    runId: r.runId,
    status: r.status,
    createdAt: iso(r.createdAt),
    startedAt: iso(r.startedAt),
    completedAt: iso(r.completedAt),
    ...(withOutput && r.output !== undefined && { output: deserialize(r.output) }),
    ...(r.error !== undefined && { error: String(deserialize(r.error)?.message) }),
  });
  const json = (body, status = 200) => Response.json(body, { status });

  return async (request) => {
    const url = new URL(request.url);
    // The driver calls /bench/*; its README also names /peer-bench/*: serve both.
    const p = url.pathname.replace(/^\/peer-bench\//, "/bench/");
    if (!p.startsWith("/bench/")) return undefined;
    try {
      if (p === "/bench/info") {
        return json({ impl: "wfkit", pid: process.pid, versions: { node: process.version }, ...info });
      }
      if (p === "/bench/start" && request.method === "POST") {
        const { workflow, args } = await request.json();
        return json({ runId: (await start(workflow, args ?? [])).runId });
      }
      if (p === "/bench/run") {
        const r = await runtime.world.getRun(url.searchParams.get("runId"));
        return r ? json(runView(r, url.searchParams.get("output") !== "0")) : json({ error: "no run" }, 404);
      }
      if (p === "/bench/runs" && request.method === "POST") {
        const { runIds } = await request.json();
        const runs = await Promise.all(runIds.map((id) => runtime.world.getRun(id)));
        return json({ runs: runs.filter(Boolean).map((r) => runView(r, false)) });
      }
      if (p === "/bench/hooks") {
        const hooks = await runtime.world.listHooks({ runId: url.searchParams.get("runId") });
        const base = runtime.webhookBaseUrl;
        return json({
          hooks: hooks.map((h) => ({
            token: h.token,
            url: `${base}/.well-known/workflow/v1/webhook/${encodeURIComponent(h.token)}`,
          })),
        });
      }
      if (p === "/bench/resume" && request.method === "POST") {
        const { token, payload } = await request.json();
        const { runId } = await runtime.resumeHook(token, payload);
        return json({ runId });
      }
      return json({ error: `no bench route ${request.method} ${p}` }, 404);
    } catch (error) {
      return json({ error: String(error?.message ?? error) }, 500);
    }
  };
}

/**
 * The bench routes of an adapter app (../apps/*): on the app's default runtime (made on first
 * use), starting the exported workflows of its bench file through `workflow/api`'s `start`.
 */
export function appBenchRoutes({ getDefaultRuntime, start, deserialize, workflows, adapter }) {
  let routes;
  return async (request) => {
    routes ??= getDefaultRuntime().then((runtime) =>
      benchRoutes({
        runtime,
        deserialize,
        start: (name, args) => start(workflows[name], args),
        info: { adapter, dataDir: process.env.WORKFLOW_DATA_DIR },
      }),
    );
    return (await routes)(request);
  };
}
