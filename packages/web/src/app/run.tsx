import { useEffect, useRef, useState } from "preact/hooks";
import {
  api,
  type ErrorView,
  type Info,
  type Json,
  type RunView,
  type StoredEvent,
  type StreamView,
} from "./api";
import { absolute, ago, duration, json, shortName } from "./format";
import { subscribe } from "./live";
import { useNow } from "./main";
import { StatusBadge } from "./runs";
import { type Selection, Timeline } from "./timeline";

const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const INTERNAL_FRAME =
  /\((?:node:|.*\/(?:@wfkit|packages)\/(?:core|builder|world[\w-]*)\/)|^\s+at (?:async )?(?:node:|file:\/\/.*\/(?:@wfkit|packages)\/core\/)/;

/** The run, read again whenever the server says it changed (one read in flight, one queued). */
function useRun(runId: string) {
  const [run, setRun] = useState<RunView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const state = useRef({ busy: false, again: false });
  const load = () => {
    const s = state.current;
    if (s.busy) {
      s.again = true;
      return;
    }
    s.busy = true;
    api
      .run(runId)
      .then(
        (view) => {
          setRun(view);
          setError(undefined);
        },
        (e) => setError(`${e.code}: ${e.message}`),
      )
      .finally(() => {
        s.busy = false;
        if (s.again) {
          s.again = false;
          load();
        }
      });
  };
  useEffect(() => {
    setRun(undefined);
    load();
  }, [runId]);
  return { run, error, load };
}

/** Stream chunks as they arrive: the default stream from the start, others once the server names them. */
function useStreams(runId: string) {
  const [streams, setStreams] = useState<Record<string, StreamView>>({});
  const next = useRef<Record<string, number>>({});
  const busy = useRef<Set<string>>(new Set());
  const again = useRef<Set<string>>(new Set());
  const fetchFrom = (namespace: string) => {
    // One read per namespace in flight; a change told meanwhile reads once more after it.
    if (busy.current.has(namespace)) {
      again.current.add(namespace);
      return;
    }
    busy.current.add(namespace);
    const from = next.current[namespace] ?? 0;
    api
      .stream(runId, namespace, from)
      .then(
        (view) => {
          next.current[namespace] = view.tailIndex + 1;
          setStreams((all) => {
            const old = all[namespace];
            if (!old && view.chunks.length === 0 && !view.closed) return all;
            return {
              ...all,
              [namespace]: { ...view, chunks: [...(old?.chunks ?? []), ...view.chunks] },
            };
          });
        },
        () => {},
      )
      .finally(() => {
        busy.current.delete(namespace);
        if (again.current.delete(namespace)) fetchFrom(namespace);
      });
  };
  useEffect(() => {
    setStreams({});
    next.current = {};
    // Every namespace the run wrote to; new ones are named by the server's stream events.
    api.streams(runId).then(
      (list) => {
        for (const s of list.streams) fetchFrom(s.namespace);
      },
      () => fetchFrom(""),
    );
  }, [runId]);
  return { streams, fetchFrom };
}

export function ErrorBlock({ error }: { error: ErrorView }) {
  return (
    <div class="error-block" data-testid="error">
      <div class="error-title">
        <b>{error.name}</b>: {error.message}
        {error.code && <span class="code">{error.code}</span>}
      </div>
      {error.stack && (
        <pre class="stack">
          {error.stack.split("\n").map((line, i) => (
            // wfkit's and Node's own frames are dimmed: the user's frames are what to read.
            <div key={i} class={INTERNAL_FRAME.test(line) ? "internal" : ""}>
              {line}
            </div>
          ))}
        </pre>
      )}
    </div>
  );
}

export function Value({ value, label }: { value: Json | undefined; label?: string }) {
  if (value === undefined) return <span class="muted">—</span>;
  return (
    <pre class="value" data-label={label}>
      {json(value)}
    </pre>
  );
}

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
        <EventList events={events} start={run.createdAt} />
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

function Detail({
  run,
  selection,
  canAct,
  onResume,
}: {
  run: RunView;
  selection: Selection | undefined;
  canAct: boolean;
  onResume: (token: string, payload: string) => void;
}) {
  const [payload, setPayload] = useState("{}");
  const [invalid, setInvalid] = useState<string | undefined>();
  if (!selection)
    return (
      <aside class="detail muted" data-testid="detail">
        Select a step, sleep or hook to see its attempts, payloads and requests.
      </aside>
    );
  const t = (at: number | undefined) => (at === undefined ? "—" : `+${duration(at - run.createdAt)}`);
  if (selection.kind === "step") {
    const step = run.steps.find((s) => s.opId === selection.opId);
    if (!step) return null;
    return (
      <aside class="detail" data-testid="detail">
        <h3>
          {shortName(step.stepId).name} <StatusBadge status={step.status} />
        </h3>
        <div class="kv">
          <span>step</span>
          <code>{step.stepId}</code>
          <span>scheduled</span>
          <span>{t(step.scheduledAt)}</span>
          <span>took</span>
          <span>{step.endedAt ? duration(step.endedAt - step.scheduledAt) : "running"}</span>
        </div>
        <h4>Input</h4>
        <Value value={step.input} />
        {step.error ? (
          // The failed attempt below shows it; an error no attempt holds is shown here.
          !step.attempts.some((a) => a.error?.message === step.error?.message) && (
            <>
              <h4>Error</h4>
              <ErrorBlock error={step.error} />
            </>
          )
        ) : (
          <>
            <h4>Output</h4>
            <Value value={step.output} />
          </>
        )}
        <h4>Attempts</h4>
        <ol class="attempts">
          {step.attempts.map((a) => (
            <li key={a.attempt}>
              <div>
                <b>#{a.attempt}</b> <StatusBadge status={a.status} />{" "}
                <span class="muted">at {t(a.startedAt)}</span>
                {a.endedAt !== undefined && <span class="muted"> · {duration(a.endedAt - a.startedAt)}</span>}
                {a.retryAt !== undefined && <span class="muted"> · retry at {t(a.retryAt)}</span>}
              </div>
              {a.error && <ErrorBlock error={a.error} />}
            </li>
          ))}
        </ol>
      </aside>
    );
  }
  if (selection.kind === "sleep") {
    const sleep = run.sleeps.find((s) => s.opId === selection.opId);
    if (!sleep) return null;
    return (
      <aside class="detail" data-testid="detail">
        <h3>sleep {duration(sleep.wakeAt - sleep.scheduledAt)}</h3>
        <div class="kv">
          <span>scheduled</span>
          <span>{t(sleep.scheduledAt)}</span>
          <span>wakes</span>
          <span>
            {t(sleep.wakeAt)} ({absolute(sleep.wakeAt)})
          </span>
          <span>woke</span>
          <span>{sleep.firedAt ? t(sleep.firedAt) : "not yet"}</span>
        </div>
      </aside>
    );
  }
  const hook = run.hooks.find((h) => h.opId === selection.opId);
  if (!hook) return null;
  const resumable = canAct && hook.kind === "hook" && hook.status === "waiting" && !TERMINAL.has(run.status);
  return (
    <aside class="detail" data-testid="detail">
      <h3>
        {hook.kind} <StatusBadge status={hook.status} />
      </h3>
      <div class="kv">
        <span>token</span>
        <code data-testid="hook-token">{hook.token}</code>
        <span>created</span>
        <span>{t(hook.createdAt)}</span>
        {hook.respondWith && (
          <>
            <span>responds</span>
            <span>{typeof hook.respondWith === "string" ? hook.respondWith : "static"}</span>
          </>
        )}
        {hook.verify && (
          <>
            <span>verified by</span>
            <span>{hook.verify}</span>
          </>
        )}
      </div>
      {hook.metadata !== undefined && (
        <>
          <h4>Metadata</h4>
          <Value value={hook.metadata} />
        </>
      )}
      {resumable && (
        <form
          class="resume"
          onSubmit={(e) => {
            e.preventDefault();
            try {
              JSON.parse(payload);
              setInvalid(undefined);
              onResume(hook.token, payload);
            } catch (error) {
              setInvalid((error as Error).message);
            }
          }}
        >
          <h4>Resume with a JSON payload</h4>
          <textarea
            value={payload}
            rows={4}
            spellcheck={false}
            data-testid="resume-payload"
            onInput={(e) => setPayload((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.metaKey || e.ctrlKey))
                (e.currentTarget.form as HTMLFormElement).requestSubmit();
            }}
          />
          {invalid && <div class="error-box">Not JSON: {invalid}</div>}
          <button type="submit" class="btn primary" data-testid="resume">
            Resume hook
          </button>
          <span class="muted"> Ctrl+Enter</span>
        </form>
      )}
      <h4>
        {hook.kind === "webhook" ? "Requests" : "Payloads"} <em class="count">{hook.requests.length}</em>
      </h4>
      {hook.requests.length === 0 && <span class="muted">None received yet.</span>}
      {hook.requests.map((r, i) => (
        <div class="request" key={i} data-testid="hook-request">
          <div class="muted">received {t(r.receivedAt)}</div>
          {hook.kind === "webhook" &&
          r.payload &&
          typeof r.payload === "object" &&
          !Array.isArray(r.payload) ? (
            <HttpMessage message={r.payload} />
          ) : (
            <Value value={r.payload} />
          )}
          {r.response !== undefined && (
            <>
              <div class="muted">responded {t(r.respondedAt)}</div>
              {r.response && typeof r.response === "object" && !Array.isArray(r.response) ? (
                <HttpMessage message={r.response} />
              ) : (
                <Value value={r.response} />
              )}
            </>
          )}
        </div>
      ))}
    </aside>
  );
}

function HttpMessage({ message }: { message: { [key: string]: Json } }) {
  const headers = (message.headers ?? {}) as Record<string, string>;
  const first =
    message.method !== undefined
      ? `${message.method} ${message.url}`
      : `${message.status} ${message.statusText ?? ""}`;
  return (
    <pre class="http">
      <b>{first}</b>
      {"\n"}
      {Object.entries(headers).map(([k, v]) => (
        <span key={k} class="hdr">
          {k}: {v}
          {"\n"}
        </span>
      ))}
      {message.body !== null && message.body !== undefined && (
        <>
          {"\n"}
          {typeof message.body === "string" ? message.body : json(message.body)}
        </>
      )}
    </pre>
  );
}

function EventList({ events, start }: { events: StoredEvent[] | undefined; start: number }) {
  const [open, setOpen] = useState<number | undefined>();
  if (!events) return <div class="muted">Loading…</div>;
  return (
    <div class="events" data-testid="events">
      {events.map((e) => {
        const { seq, type, at, v: _v, ...rest } = e;
        return (
          <div key={seq} class={`event ${open === seq ? "open" : ""}`}>
            <button type="button" onClick={() => setOpen(open === seq ? undefined : seq)}>
              <span class="seq mono">{seq}</span>
              <span class={`etype t-${type.split("_")[0]}`}>{type}</span>
              <span class="muted mono">+{duration(at - start)}</span>
            </button>
            {open === seq && <pre class="value">{json(rest)}</pre>}
          </div>
        );
      })}
    </div>
  );
}
