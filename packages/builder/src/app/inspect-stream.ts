// `GET inspect/stream`: server-sent events for the web UI's live updates. Fed
// by the runtime's own commit notifications (Runtime.onRunChange) and the
// World's stream notifications (streams.onAppend): nothing polls.
import { type RunChange, type Runtime, summarizeRun } from "@wfkit/core";
import type { World } from "@wfkit/world";

/** A comment line this often keeps proxies from closing an idle connection. */
const KEEPALIVE_MS = 15_000;

/**
 * The event stream. `event: run` carries the run's summary (as `listRuns`
 * gives it) plus `events` (the types just committed) and `created`;
 * `event: stream` carries `{ runId, namespace }` when a run's stream grew.
 * With `runId`, only that run's changes are sent.
 */
export function inspectEventStream(
  world: World,
  runtime: Runtime | undefined,
  request: Request,
  onlyRunId: string | undefined,
): Response {
  const encoder = new TextEncoder();
  let stop = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const send = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          stop();
        }
      };
      // Changes of one tick are sent once per run, each with a fresh read of its record.
      const pending = new Map<string, { events: string[]; created: boolean }>();
      let flushing = false;
      const flush = async () => {
        while (pending.size > 0 && !closed) {
          const batch = [...pending];
          pending.clear();
          for (const [runId, change] of batch) {
            const run = await world.getRun(runId).catch(() => null);
            if (!run) continue;
            send(`event: run\ndata: ${JSON.stringify({ ...summarizeRun(run), ...change })}\n\n`);
          }
        }
        flushing = false;
      };
      const onRun = (change: RunChange) => {
        if (onlyRunId !== undefined && change.runId !== onlyRunId) return;
        const entry = pending.get(change.runId) ?? { events: [], created: false };
        entry.events.push(...change.events);
        entry.created ||= change.kind === "created";
        pending.set(change.runId, entry);
        if (!flushing) {
          flushing = true;
          setImmediate(() => void flush());
        }
      };
      let unsubscribeRuns = () => {};
      let unsubscribeStreams = () => {};
      const keepalive = setInterval(() => send(": keepalive\n\n"), KEEPALIVE_MS);
      keepalive.unref?.();
      stop = () => {
        if (closed) return;
        closed = true;
        clearInterval(keepalive);
        unsubscribeRuns();
        unsubscribeStreams();
        request.signal.removeEventListener("abort", stop);
        try {
          controller.close();
        } catch {}
      };
      // A closed runtime (a dev-server restart) ends the stream: the browser reconnects to the next one.
      if (runtime) unsubscribeRuns = runtime.onRunChange(onRun, () => stop());
      if (!closed) {
        unsubscribeStreams = world.streams.onAppend(({ runId, namespace }) => {
          if (onlyRunId !== undefined && runId !== onlyRunId) return;
          send(`event: stream\ndata: ${JSON.stringify({ runId, namespace })}\n\n`);
        });
      }
      request.signal.addEventListener("abort", stop);
      // The first line tells the client the stream is open, and whether run changes will come.
      send(`retry: 1000\nevent: hello\ndata: ${JSON.stringify({ live: runtime !== undefined })}\n\n`);
    },
    cancel() {
      stop();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
}
