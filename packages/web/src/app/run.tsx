import { useEffect, useState } from "preact/hooks";
import { api, type Info, type StoredEvent } from "./api";
import { Detail } from "./detail";
import { EventList } from "./events";
import { absolute, ago, duration, shortName } from "./format";
import { subscribe } from "./live";
import { useNow } from "./main";
import { ErrorBlock, TERMINAL, Value } from "./parts";
import { useRun, useStreams } from "./run-data";
import { StatusBadge } from "./runs";
import { type Selection, Timeline } from "./timeline";
import "./run.css";

export function RunPage({ runId, info }: { runId: string; info: Info | undefined }) {
  const { run, error, load } = useRun(runId);
  const { streams, fetchFrom } = useStreams(runId);
  const [tab, setTab] = useState<"timeline" | "events">("timeline");
  const [selection, setSelection] = useState<Selection | undefined>();
  const [events, setEvents] = useState<StoredEvent[] | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [notice, setNotice] = useState<{ kind: "ok" | "err"; text: string } | undefined>();
  const now = useNow();

  useEffect(
    () =>
      subscribe({
        run: (change) => change.runId === runId && load(),
        stream: (change) => change.runId === runId && fetchFrom(change.namespace),
      }),
    [runId],
  );
  useEffect(() => {
    if (tab === "events")
      api.events(runId).then(
        (page) => setEvents(page.events),
        () => {},
      );
  }, [tab, runId, run?.eventCount]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).matches?.("input, textarea, select")) return;
      if (e.key === "Escape") location.hash = "#/";
      if (e.key === "t") setTab("timeline");
      if (e.key === "e") setTab("events");
      if (e.key === "j" || e.key === "k") {
        // Moves the selection along the timeline's rows, in the order they are shown.
        const rows = [...document.querySelectorAll<HTMLButtonElement>(".trow")];
        const at = rows.findIndex((r) => r.classList.contains("on"));
        const next = rows[Math.max(0, Math.min(rows.length - 1, at + (e.key === "j" ? 1 : -1)))];
        next?.click();
        next?.focus();
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  const act = async (name: string, action: () => Promise<unknown>, done: (result: any) => string) => {
    setBusy(name);
    setNotice(undefined);
    try {
      setNotice({ kind: "ok", text: done(await action()) });
      // A data folder has no live feed: read the run again rather than wait for one.
      load();
    } catch (e) {
      setNotice({
        kind: "err",
        text: `${(e as Error & { code?: string }).code ?? "Error"}: ${(e as Error).message}`,
      });
    } finally {
      setBusy(undefined);
    }
  };

  useEffect(() => {
    if (run) document.title = `${shortName(run.workflowId).name} · ${run.status} · wfkit`;
  }, [run?.workflowId, run?.status]);

  if (error && !run)
    return (
      <section class="page">
        <a class="back" href="#/">
          ← Runs
        </a>
        <div class="error-box">{error}</div>
      </section>
    );
  if (!run) return <section class="page muted">Loading…</section>;

  const name = shortName(run.workflowId);
  const ended = TERMINAL.has(run.status);
  const end = run.completedAt ?? (ended ? undefined : now);
  const canAct = info?.actions !== false;
  const canCancel = canAct || info?.cancel === true;
  const namespaces = Object.keys(streams).sort();

  return (
    <section class="page run">
      <a class="back" href="#/">
        ← Runs
      </a>
      <div class="run-head">
        <div>
          <h1>
            {name.name} <StatusBadge status={run.status} />
          </h1>
          <div class="meta">
            <span class="mono" data-testid="run-id">
              {run.runId}
            </span>
            <button
              type="button"
              class="link"
              title="Copy the run id"
              onClick={() => navigator.clipboard?.writeText(run.runId)}
            >
              copy
            </button>
            <span>{run.workflowId}</span>
            <span title={absolute(run.createdAt)}>started {ago(run.createdAt, now)}</span>
            {end !== undefined && (
              <span>
                {ended ? "took" : "running for"} {duration(end - run.createdAt)}
              </span>
            )}
            <span>{run.eventCount} events</span>
            {run.parentRunId !== undefined && (
              <span data-testid="parent-run">
                child of{" "}
                <a class="mono" href={`#/runs/${encodeURIComponent(run.parentRunId)}`}>
                  {run.parentRunId}
                </a>
              </span>
            )}
            {(run.children?.length ?? 0) > 0 && (
              <span data-testid="child-runs">
                children{" "}
                {run.children?.map((c) => (
                  <a key={c.runId} class="mono" href={`#/runs/${encodeURIComponent(c.runId)}`}>
                    {shortName(c.workflowId).name} ({c.status}){" "}
                  </a>
                ))}
              </span>
            )}
          </div>
        </div>
        {canCancel && (
          <div class="actions">
            {!ended && (
              <button
                type="button"
                class="btn danger"
                disabled={busy !== undefined}
                data-testid="cancel"
                onClick={() =>
                  confirm(`Cancel run ${run.runId}?`) &&
                  act(
                    "cancel",
                    () => api.cancel(run.runId),
                    (r) => `Run ${r.status}.`,
                  )
                }
              >
                Cancel
              </button>
            )}
            {canAct && (
              <button
                type="button"
                class="btn"
                disabled={busy !== undefined}
                data-testid="rerun"
                onClick={() =>
                  act(
                    "rerun",
                    () => api.rerun(run.runId),
                    (r) => {
                      location.hash = `#/runs/${encodeURIComponent(r.runId)}`;
                      return `Started ${r.runId} with the same input.`;
                    },
                  )
                }
              >
                Rerun
              </button>
            )}
          </div>
        )}
      </div>
      {notice && <div class={notice.kind === "ok" ? "notice" : "error-box"}>{notice.text}</div>}
      {run.error && <ErrorBlock error={run.error} />}
      {run.parked && (
        <div class="parked" data-testid="parked" title={absolute(run.parked.since)}>
          <b>Parked</b> since {ago(run.parked.since, now)}: {run.parked.code} at position{" "}
          {run.parked.position}: {run.parked.message} It continues once compatible code is deployed.
        </div>
      )}

      <div class="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          class={tab === "timeline" ? "on" : ""}
          onClick={() => setTab("timeline")}
        >
          Timeline <kbd>t</kbd> <kbd>j</kbd>
          <kbd>k</kbd>
        </button>
        <button
          type="button"
          role="tab"
          class={tab === "events" ? "on" : ""}
          onClick={() => setTab("events")}
        >
          Events <em>{run.eventCount}</em> <kbd>e</kbd>
        </button>
      </div>

      {tab === "timeline" ? (
        <div class="split">
          <Timeline run={run} now={now} selection={selection} onSelect={setSelection} />
          <Detail
            run={run}
            selection={selection}
            canAct={canAct}
            onResume={(token, payload) =>
              act(
                "resume",
                () => api.resume(token, payload),
                () => `Resumed hook ${token}.`,
              )
            }
          />
        </div>
      ) : (
        <EventList events={events} start={run.createdAt} run={run} />
      )}

      <div class="io">
        <div class="panel">
          <h3>Input</h3>
          <Value value={run.input} label="input" />
        </div>
        <div class="panel">
          <h3>Output</h3>
          {run.error ? (
            <span class="muted">None: the run failed (the error is above).</span>
          ) : run.status === "completed" ? (
            <Value value={run.output ?? null} label="output" />
          ) : (
            <span class="muted">{ended ? "—" : `Not yet: the run is ${run.status}.`}</span>
          )}
        </div>
      </div>

      <div class="panel streams" data-testid="streams">
        <h3>Streams</h3>
        {namespaces.length === 0 && (
          <span class="muted">
            {ended ? "The run wrote nothing to its streams." : "Nothing written to the run's streams yet."}
          </span>
        )}
        {namespaces.map((ns) => (
          <div key={ns} class="stream">
            <div class="stream-head">
              <b>{ns === "" ? "default" : ns}</b>
              <span class="muted">
                {streams[ns].chunks.length} chunk{streams[ns].chunks.length === 1 ? "" : "s"}
                {streams[ns].closed ? " · closed" : ended ? "" : " · open"}
              </span>
            </div>
            <pre class="chunks">
              {streams[ns].chunks.map((c) => (
                <div key={c.index}>
                  <span class="idx">{c.index}</span>
                  {typeof c.value === "string" ? c.value : JSON.stringify(c.value)}
                </div>
              ))}
            </pre>
          </div>
        ))}
      </div>
    </section>
  );
}
