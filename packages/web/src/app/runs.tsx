import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, type Info, type RunStatus, type RunSummary } from "./api";
import { ago, duration, shortName } from "./format";
import { subscribe } from "./live";
import { useNow } from "./main";
import "./runs.css";

const STATUSES: Array<RunStatus | ""> = ["", "running", "pending", "completed", "failed", "cancelled"];

export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`badge s-${status}`} data-status={status}>
      <i />
      {status}
    </span>
  );
}

export function RunsPage({ info }: { info: Info | undefined }) {
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const [workflow, setWorkflow] = useState(params.get("workflow") ?? "");
  const [status, setStatus] = useState(params.get("status") ?? "");
  const [search, setSearch] = useState("");
  const [runs, setRuns] = useState<RunSummary[] | undefined>();
  const [cursor, setCursor] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState(0);
  const searchBox = useRef<HTMLInputElement>(null);
  const now = useNow();
  useEffect(() => {
    document.title = "Runs · wfkit";
  }, []);

  // Filters are part of the URL, so a filtered list can be shared and reloaded.
  useEffect(() => {
    const q = new URLSearchParams();
    if (workflow) q.set("workflow", workflow);
    if (status) q.set("status", status);
    const text = q.toString();
    history.replaceState(null, "", `#/${text ? `?${text}` : ""}`);
    setRuns(undefined);
    setError(undefined);
    api.runs({ workflow, status, limit: 50 }).then(
      (page) => {
        setRuns(page.runs);
        setCursor(page.nextCursor);
      },
      (e) => setError(e.message),
    );
  }, [workflow, status]);

  useEffect(
    () =>
      subscribe({
        run(change) {
          const matches =
            (!workflow || change.workflowId === workflow) && (!status || change.status === status);
          setRuns((list) => {
            if (!list) return list;
            const at = list.findIndex((r) => r.runId === change.runId);
            const { events: _e, created: _c, ...summary } = change;
            if (at >= 0) {
              const next = list.slice();
              next[at] = summary;
              return next;
            }
            if (!matches) return list;
            return [summary, ...list];
          });
          if (change.created && matches) {
            setFresh((s) => new Set(s).add(change.runId));
            setTimeout(
              () =>
                setFresh((s) => {
                  const next = new Set(s);
                  next.delete(change.runId);
                  return next;
                }),
              1600,
            );
          }
        },
      }),
    [workflow, status],
  );

  const workflows = useMemo(() => {
    const all = new Set(info?.workflows ?? []);
    for (const r of runs ?? []) all.add(r.workflowId);
    return [...all].sort();
  }, [info, runs]);

  // Search matches a run id or a workflow's name, case aside, within the runs loaded.
  const needle = search.trim().toLowerCase();
  const shown = (runs ?? []).filter(
    (r) => !needle || r.runId.toLowerCase().includes(needle) || r.workflowId.toLowerCase().includes(needle),
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = (e.target as HTMLElement).matches?.("input, textarea, select");
      if (e.key === "/" && !typing) {
        e.preventDefault();
        searchBox.current?.focus();
      } else if (e.key === "Escape" && typing) {
        (e.target as HTMLElement).blur();
      } else if (!typing && (e.key === "j" || e.key === "ArrowDown")) {
        e.preventDefault();
        setSelected((i) => Math.min(i + 1, shown.length - 1));
      } else if (!typing && (e.key === "k" || e.key === "ArrowUp")) {
        e.preventDefault();
        setSelected((i) => Math.max(i - 1, 0));
      } else if (!typing && e.key === "Enter" && shown[selected]) {
        location.hash = `#/runs/${encodeURIComponent(shown[selected].runId)}`;
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [shown, selected]);

  const more = () =>
    cursor &&
    api.runs({ workflow, status, cursor, limit: 50 }).then((page) => {
      setRuns((list) => [...(list ?? []), ...page.runs]);
      setCursor(page.nextCursor);
    });

  const counts = new Map<string, number>();
  for (const r of runs ?? []) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);

  return (
    <section class="page">
      <div class="page-head">
        <h1>Runs</h1>
        <span class="muted">{runs ? `${runs.length}${cursor ? "+" : ""} shown` : ""}</span>
      </div>
      <div class="filters">
        <fieldset class="chips" aria-label="Status">
          {STATUSES.map((s) => (
            <button
              type="button"
              key={s}
              class={`chip ${status === s ? "on" : ""} ${s ? `s-${s}` : ""}`}
              onClick={() => setStatus(s)}
              data-testid={`status-${s || "all"}`}
            >
              {s ? <i /> : null}
              {s || "all"}
              {s && counts.get(s) && status === "" ? <em>{counts.get(s)}</em> : null}
            </button>
          ))}
        </fieldset>
        <select
          value={workflow}
          onChange={(e) => setWorkflow((e.target as HTMLSelectElement).value)}
          aria-label="Workflow"
          data-testid="workflow-filter"
        >
          <option value="">All workflows</option>
          {workflows.map((w) => (
            <option key={w} value={w}>
              {shortName(w).name} {shortName(w).where && `(${shortName(w).where})`}
            </option>
          ))}
        </select>
        <input
          ref={searchBox}
          class="search"
          type="search"
          placeholder="Search run id or workflow   /"
          value={search}
          onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => {
            const id = search.trim();
            if (e.key === "Enter" && id)
              location.hash = `#/runs/${encodeURIComponent(shown[0]?.runId ?? id)}`;
          }}
          data-testid="search"
        />
      </div>
      {error && <div class="error-box">{error}</div>}
      <div class="table" data-testid="runs">
        <div class="row head">
          <span>Status</span>
          <span>Run</span>
          <span>Workflow</span>
          <span>Started</span>
          <span class="num">Duration</span>
        </div>
        {runs === undefined && !error && <div class="empty">Loading…</div>}
        {runs && shown.length === 0 && (
          <div class="empty">
            {search
              ? `No run id or workflow contains “${search}”.`
              : "No runs yet. Start one and it shows up here."}
          </div>
        )}
        {shown.map((run, i) => {
          const name = shortName(run.workflowId);
          const end =
            run.completedAt ?? (run.status === "running" || run.status === "pending" ? now : undefined);
          return (
            <a
              key={run.runId}
              class={`row ${i === selected ? "sel" : ""} ${fresh.has(run.runId) ? "fresh" : ""}`}
              href={`#/runs/${encodeURIComponent(run.runId)}`}
              data-run-id={run.runId}
              onMouseEnter={() => setSelected(i)}
            >
              <span>
                <StatusBadge status={run.status} />
              </span>
              <span class="mono id">{run.runId}</span>
              <span class="wf">
                <b>{name.name}</b>
                {name.where && <small>{name.where}</small>}
              </span>
              <span title={new Date(run.createdAt).toISOString()}>{ago(run.createdAt, now)}</span>
              <span class="num mono">{end === undefined ? "—" : duration(end - run.createdAt)}</span>
            </a>
          );
        })}
      </div>
      {cursor && (
        <button type="button" class="btn ghost more" onClick={more}>
          Load older runs
        </button>
      )}
      <p class="keys muted">
        <kbd>/</kbd> search · <kbd>j</kbd>
        <kbd>k</kbd> move · <kbd>Enter</kbd> open
      </p>
    </section>
  );
}
