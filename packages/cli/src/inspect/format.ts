// Text output of `wf inspect`: a table of runs, a run's timeline, its events.
import type { EventPage, RunPage, RunView } from "@wfkit/core";

const iso = (ms: number) => new Date(ms).toISOString();

/** `1.2s`, `340ms`, `2m05s`: a duration people read at a glance. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  "))
    .join("\n");
}

export function formatRuns(page: RunPage): string {
  if (page.runs.length === 0) return "No runs.\n";
  const rows = [["RUN ID", "WORKFLOW", "STATUS", "CREATED", "DURATION"]];
  for (const r of page.runs) {
    const took = r.completedAt !== undefined ? duration(r.completedAt - r.createdAt) : "-";
    rows.push([r.runId, r.workflowId, r.status, iso(r.createdAt), took]);
  }
  const more = page.nextCursor ? `\nMore runs: --cursor ${page.nextCursor}\n` : "";
  return `${table(rows)}\n${more}`;
}

const short = (value: unknown) => {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** A run's timeline: every step with its attempts, sleeps, hooks and the requests they received, in time order. */
export function formatRun(run: RunView): string {
  const t0 = run.createdAt;
  const at = (ms: number) => `+${duration(ms - t0)}`.padStart(9);
  const lines: [number, string][] = [];
  for (const step of run.steps) {
    const took = step.endedAt !== undefined ? ` in ${duration(step.endedAt - step.scheduledAt)}` : "";
    lines.push([step.scheduledAt, `step ${step.stepId} ${step.status}${took}  input ${short(step.input)}`]);
    for (const a of step.attempts) {
      const end = a.endedAt !== undefined ? ` after ${duration(a.endedAt - a.startedAt)}` : "";
      const error = a.error ? `: ${a.error.name}: ${a.error.message}` : "";
      const retry =
        a.retryAt !== undefined ? ` (retry in ${duration(a.retryAt - (a.endedAt ?? a.startedAt))})` : "";
      lines.push([a.startedAt, `  attempt ${a.attempt} ${a.status}${end}${error}${retry}`]);
    }
  }
  for (const s of run.sleeps) {
    const state = s.firedAt !== undefined ? `woke at ${at(s.firedAt).trim()}` : `until ${iso(s.wakeAt)}`;
    lines.push([s.scheduledAt, `sleep ${duration(s.wakeAt - s.scheduledAt)}, ${state}`]);
  }
  for (const h of run.hooks) {
    lines.push([h.createdAt, `${h.kind} ${h.token} ${h.status}`]);
    for (const r of h.requests) {
      const response = r.response !== undefined ? `  -> ${short(r.response)}` : "";
      lines.push([r.receivedAt, `  received ${short(r.payload)}${response}`]);
    }
  }
  for (const c of run.children ?? []) {
    const took = c.endedAt !== undefined ? ` in ${duration(c.endedAt - c.startedAt)}` : "";
    lines.push([c.startedAt, `child ${c.runId} ${c.workflowId} ${c.status}${took}`]);
  }
  lines.sort((a, b) => a[0] - b[0]);
  const took = run.completedAt !== undefined ? ` in ${duration(run.completedAt - run.createdAt)}` : "";
  const head = [
    `Run ${run.runId}`,
    `  workflow  ${run.workflowId}`,
    `  status    ${run.status}${took}`,
    `  created   ${iso(run.createdAt)}`,
  ];
  if (run.parked) {
    const p = run.parked;
    head.push(`  parked: ${p.code} at position ${p.position}: ${p.message}`);
  }
  if (run.parentRunId !== undefined) head.push(`  parent    ${run.parentRunId}`);
  if (run.children?.length) head.push(`  children  ${run.children.map((c) => c.runId).join(", ")}`);
  head.push(`  input     ${short(run.input)}`);
  if (run.output !== undefined) head.push(`  output    ${short(run.output)}`);
  if (run.error) head.push(`  error     ${run.error.name}: ${run.error.message}`);
  const body = lines.map(([ms, text]) => `${at(ms)}  ${text}`);
  return `${head.join("\n")}\n\nTimeline\n${body.length ? body.join("\n") : "  (nothing yet)"}\n${
    run.error?.stack ? `\n${run.error.stack}\n` : ""
  }`;
}

export function formatEvents(page: EventPage): string {
  const lines = page.events.map((e) => {
    const { seq, at, type, v: _v, ...rest } = e as unknown as Record<string, unknown>;
    return `${String(seq).padStart(4)}  ${iso(at as number)}  ${String(type).padEnd(16)}  ${short(rest)}`;
  });
  const more = page.nextCursor ? `More events: --cursor ${page.nextCursor}\n` : "";
  return `${lines.join("\n")}\n${more}`;
}
