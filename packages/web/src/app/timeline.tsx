// The run as a Gantt chart: a row per step (a bar per attempt, the backoff
// between them dashed), per sleep, per hook or webhook wait (a tick per
// request it received), and per child run, on one time axis from the run's start.
import type { RunView } from "./api";
import { duration, shortName } from "./format";

/** A row of the timeline; a child run is named by its place in `run.children`. */
export type Selection = { kind: "step" | "sleep" | "hook" | "child"; opId: number };

interface Row {
  key: string;
  sel: Selection;
  label: string;
  sub: string;
  start: number;
  status: string;
  bars: Array<{ from: number; to: number; cls: string; title: string }>;
  ticks: Array<{ at: number; title: string }>;
}

export function Timeline({
  run,
  now,
  selection,
  onSelect,
}: {
  run: RunView;
  now: number;
  selection: Selection | undefined;
  onSelect: (s: Selection) => void;
}) {
  const t0 = run.createdAt;
  const live = run.completedAt === undefined;
  const end = run.completedAt ?? now;
  const rows: Row[] = [];

  for (const step of run.steps) {
    const bars: Row["bars"] = [];
    step.attempts.forEach((a, i) => {
      const to = a.endedAt ?? (live ? now : end);
      bars.push({
        from: a.startedAt,
        to,
        cls: `a-${a.status}`,
        title: `attempt ${a.attempt}: ${a.status}${a.error ? ` (${a.error.message})` : ""}, ${duration(to - a.startedAt)}`,
      });
      const next = step.attempts[i + 1];
      if (a.retryAt !== undefined && next)
        bars.push({
          from: to,
          to: next.startedAt,
          cls: "backoff",
          title: `backoff ${duration(next.startedAt - to)}`,
        });
    });
    const n = step.attempts.length;
    rows.push({
      key: `s${step.opId}`,
      sel: { kind: "step", opId: step.opId },
      label: shortName(step.stepId).name,
      sub:
        n > 1
          ? `${n} attempts`
          : step.status === "running"
            ? "running"
            : duration((step.endedAt ?? now) - step.scheduledAt),
      start: step.scheduledAt,
      status: step.status,
      bars,
      ticks: [],
    });
  }
  for (const sleep of run.sleeps) {
    const to = sleep.firedAt ?? (live ? Math.min(now, sleep.wakeAt) : end);
    const bars: Row["bars"] = [
      { from: sleep.scheduledAt, to, cls: "sleep", title: `slept ${duration(to - sleep.scheduledAt)}` },
    ];
    if (!sleep.firedAt && live && sleep.wakeAt > now)
      bars.push({
        from: now,
        to: sleep.wakeAt,
        cls: "sleep future",
        title: `wakes in ${duration(sleep.wakeAt - now)}`,
      });
    rows.push({
      key: `z${sleep.opId}`,
      sel: { kind: "sleep", opId: sleep.opId },
      label: `sleep ${duration(sleep.wakeAt - sleep.scheduledAt)}`,
      sub: sleep.firedAt ? "woke" : live ? `wakes in ${duration(sleep.wakeAt - now)}` : "did not wake",
      start: sleep.scheduledAt,
      status: sleep.firedAt ? "completed" : "waiting",
      bars,
      ticks: [],
    });
  }
  for (const hook of run.hooks) {
    const last = hook.requests.at(-1)?.receivedAt;
    const to =
      hook.disposedAt ?? (hook.status === "waiting" && live ? now : (run.completedAt ?? last ?? now));
    rows.push({
      key: `h${hook.opId}`,
      sel: { kind: "hook", opId: hook.opId },
      label: hook.kind === "webhook" ? "webhook" : "hook",
      sub: `${hook.requests.length} ${hook.kind === "webhook" ? "request" : "payload"}${hook.requests.length === 1 ? "" : "s"} · ${hook.status}`,
      start: hook.createdAt,
      status: hook.status,
      bars: [{ from: hook.createdAt, to, cls: `wait ${hook.status}`, title: `${hook.kind} ${hook.status}` }],
      ticks: hook.requests.map((r) => ({
        at: r.receivedAt,
        title: `received at +${duration(r.receivedAt - t0)}`,
      })),
    });
  }
  (run.children ?? []).forEach((child, i) => {
    const to = child.endedAt ?? (live ? now : end);
    const cls =
      child.status === "running" ? "a-running" : child.status === "completed" ? "a-completed" : "a-failed";
    rows.push({
      key: `c${i}`,
      sel: { kind: "child", opId: i },
      label: `child ${shortName(child.workflowId).name}`,
      sub: child.status === "running" ? "running" : `${child.status} · ${duration(to - child.startedAt)}`,
      start: child.startedAt,
      status: child.status,
      bars: [
        {
          from: child.startedAt,
          to,
          cls: `child ${cls}`,
          title: `child run ${child.runId}: ${child.status}`,
        },
      ],
      ticks: [],
    });
  });
  rows.sort((a, b) => a.start - b.start || a.key.localeCompare(b.key));

  // The axis reaches the latest thing shown (a sleep's wake time may lie ahead).
  const far = Math.max(end, ...rows.flatMap((r) => r.bars.map((b) => b.to)), t0 + 1);
  const span = far - t0;
  const pct = (at: number) => `${(((at - t0) / span) * 100).toFixed(3)}%`;
  const width = (from: number, to: number) => `max(3px, ${(((to - from) / span) * 100).toFixed(3)}%)`;
  const ticks = niceTicks(span);

  if (rows.length === 0)
    return (
      <div class="timeline empty" data-testid="timeline">
        {live ? "No steps, sleeps or hooks yet." : "The run ended without steps, sleeps or hooks."}
      </div>
    );
  return (
    <div class="timeline" data-testid="timeline">
      <div class="axis">
        <span />
        <div class="scale">
          {ticks.map((f) => (
            <span key={f} style={{ left: `${f * 100}%` }}>
              +{duration(Math.round(span * f))}
            </span>
          ))}
        </div>
      </div>
      {rows.map((row) => {
        const on = selection?.kind === row.sel.kind && selection.opId === row.sel.opId;
        return (
          <button
            type="button"
            key={row.key}
            class={`trow k-${row.sel.kind} ${on ? "on" : ""}`}
            onClick={() => onSelect(row.sel)}
            data-testid={`row-${row.sel.kind}`}
            data-status={row.status}
          >
            <span class="tlabel">
              <b>{row.label}</b>
              <small>{row.sub}</small>
            </span>
            <span class="track">
              {ticks.slice(1).map((f) => (
                <i key={f} class="grid" style={{ left: `${f * 100}%` }} />
              ))}
              {row.bars.map((b, i) => (
                <i
                  key={i}
                  class={`bar ${b.cls}`}
                  title={b.title}
                  style={{ left: pct(b.from), width: width(b.from, b.to) }}
                />
              ))}
              {row.ticks.map((t, i) => (
                <i key={`t${i}`} class="tick" title={t.title} style={{ left: pct(t.at) }} />
              ))}
            </span>
          </button>
        );
      })}
    </div>
  );
}

/** Round steps for the axis, from 1 ms to a week: 1, 2, 5 in ms; seconds, minutes and hours as clocks count them. */
const STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3,
  1800e3, 3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3, 172800e3, 604800e3,
];

/** Axis marks as fractions of `span`: multiples of the smallest round step that gives at most five. */
function niceTicks(span: number): number[] {
  const step = STEPS.find((s) => span / s <= 5) ?? span / 4;
  const ticks: number[] = [];
  for (let at = 0; at <= span + 1e-9; at += step) ticks.push(at / span);
  return ticks;
}
