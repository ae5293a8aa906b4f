// Text output of `wf inspect`: a table of runs, a run's timeline, its events.
import type { EventPage, RunPage, RunView } from "@wfkit/core";

const iso = (ms: number) => new Date(ms).toISOString();

/** `340ms`, `1.2s`, `2m05s`, `1h00m`, `2d03h`: rounded in the smallest unit shown, so never `59m60s` or `1440m00s`. */
export function duration(ms: number): string {
  if (ms < 999.5) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)}s`;
  const two = (n: number) => String(n).padStart(2, "0");
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  const m = Math.round(ms / 60_000);
  if (m < 1440) return `${Math.floor(m / 60)}h${two(m % 60)}m`;
  const h = Math.round(ms / 3_600_000);
  return `${Math.floor(h / 24)}d${two(h % 24)}h`;
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
  // Each entry is a group: its first line, then the lines that belong to it (attempts,
  // requests), so a request is never printed under an unrelated line of the same moment.
  const groups: [number, string][][] = [];
  const group = (first: [number, string]) => {
    const lines = [first];
    groups.push(lines);
    return lines;
  };
  const ended = run.completedAt !== undefined;
  for (const step of run.steps) {
    const took = step.endedAt !== undefined ? ` in ${duration(step.endedAt - step.scheduledAt)}` : "";
    const lines = group([
      step.scheduledAt,
      `step ${step.stepId} ${step.status}${took}  input ${short(step.input)}`,
    ]);
    for (const a of step.attempts) {
      const end = a.endedAt !== undefined ? ` after ${duration(a.endedAt - a.startedAt)}` : "";
      const error = a.error ? `: ${a.error.name}: ${a.error.message}` : "";
      const retry =
        a.retryAt !== undefined ? ` (retry in ${duration(a.retryAt - (a.endedAt ?? a.startedAt))})` : "";
      lines.push([a.startedAt, `  attempt ${a.attempt} ${a.status}${end}${error}${retry}`]);
    }
  }
  for (const s of run.sleeps) {
    const state =
      s.firedAt !== undefined
        ? `woke at ${at(s.firedAt).trim()}`
        : ended
          ? "never woke (the run went on without it: a timeout or race it lost)"
          : `until ${iso(s.wakeAt)}`;
    group([s.scheduledAt, `sleep ${duration(s.wakeAt - s.scheduledAt)}, ${state}`]);
  }
  for (const h of run.hooks) {
    const lines = group([h.createdAt, `${h.kind} ${h.token} ${h.status}`]);
    for (const r of h.requests) {
      if (h.kind === "webhook") {
        lines.push([r.receivedAt, `  request ${httpRequest(r.payload)}`]);
        if (r.response !== undefined)
          lines.push([r.respondedAt ?? r.receivedAt, `  response ${httpResponse(r.response)}`]);
      } else {
        lines.push([r.receivedAt, `  received ${short(r.payload)}`]);
      }
    }
  }
  for (const c of run.children ?? []) {
    const took = c.endedAt !== undefined ? ` in ${duration(c.endedAt - c.startedAt)}` : "";
    group([c.startedAt, `child ${c.runId} ${c.workflowId} ${c.status}${took}`]);
  }
  groups.sort((a, b) => a[0]![0] - b[0]![0]);
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
  const body = groups.flat().map(([ms, text]) => `${at(ms)}  ${text}`);
  const streams = (run.streams ?? []).map((st) => {
    const chunks = st.tailIndex + 1;
    return `  ${st.namespace === "" ? "(default)" : st.namespace}  ${chunks} chunk${chunks === 1 ? "" : "s"}, ${st.closed ? "closed" : "open"}`;
  });
  return `${head.join("\n")}\n\nTimeline\n${body.length ? body.join("\n") : "  (nothing yet)"}\n${
    streams.length ? `\nStreams\n${streams.join("\n")}\n` : ""
  }${run.error?.stack ? `\n${run.error.stack}\n` : ""}`;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A webhook request as a line: method, path and body (the full request is in --json). */
function httpRequest(payload: unknown): string {
  if (!isObject(payload) || typeof payload.method !== "string") return short(payload);
  let where = String(payload.url ?? "");
  try {
    const url = new URL(where);
    where = url.pathname + url.search;
  } catch {}
  const body = typeof payload.body === "string" && payload.body !== "" ? `  body ${clip(payload.body)}` : "";
  return `${payload.method} ${where}${body}`;
}

/** A response a manual webhook sent: status and body. */
function httpResponse(response: unknown): string {
  if (!isObject(response) || typeof response.status !== "number") return short(response);
  const body =
    typeof response.body === "string" && response.body !== "" ? `  body ${clip(response.body)}` : "";
  return `${response.status}${body}`;
}

const clip = (text: string) => (text.length > 120 ? `${text.slice(0, 117)}...` : text);

export function formatEvents(page: EventPage): string {
  const lines = page.events.map((e) => {
    const { seq, at, type, v: _v, ...rest } = e as unknown as Record<string, unknown>;
    return `${String(seq).padStart(4)}  ${iso(at as number)}  ${String(type).padEnd(16)}  ${short(rest)}`;
  });
  const more = page.nextCursor ? `More events: --cursor ${page.nextCursor}\n` : "";
  return `${lines.join("\n")}\n${more}`;
}
