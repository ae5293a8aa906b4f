"use client";

import { useCallback, useEffect, useState } from "react";
import type { ReceivedCallback } from "@/lib/report-client";
import type { RunView } from "@/lib/runs";
import { ProgressStream } from "./progress-stream";

const SCENARIOS = [
  { scenario: "render", label: "Render job (webhook progress, 5 min timeout)" },
  { scenario: "approval", label: "Expense approval (hook)" },
  { scenario: "quote", label: "Quote desk (manual-response webhook)" },
  { scenario: "newsletter", label: "Newsletter (static-response webhook)" },
  { scenario: "hello", label: "Hello (step + sleep)" },
];

function curlFor(hook: { url?: string; respondWith?: string }): string {
  if (hook.respondWith === "manual")
    return `curl -i -X POST ${hook.url} -H 'content-type: application/json' -d '{"item":"gear","qty":3}'`;
  if (hook.respondWith === "static")
    return `curl -i -X POST ${hook.url} -H 'content-type: application/json' -d '{"email":"ada@example.com"}'`;
  return `curl -i -X POST ${hook.url} -H 'content-type: application/json' -d '{"percent":50,"message":"from curl"}'`;
}

function Run({ run, onDecide }: { run: RunView; onDecide: (token: string, approved: boolean) => void }) {
  return (
    <section className="run">
      <header>
        <strong>{run.workflow}</strong>
        <span className={`badge ${run.status}`}>{run.status}</span>
        {run.sleeping && <span className="badge">waiting on a timer</span>}
        <code className="muted">{run.runId}</code>
      </header>
      {run.steps.length > 0 && (
        <ul className="steps">
          {run.steps.map((step) => (
            <li key={step.opId}>
              {step.name} · <span className={`badge ${step.status}`}>{step.status}</span>
              {step.attempt > 1 && <span className="muted"> attempt {step.attempt}</span>}
              {typeof step.output === "string" && <span className="muted"> → {step.output}</span>}
            </li>
          ))}
        </ul>
      )}
      {run.hooks
        .filter((hook) => hook.live)
        .map((hook) => (
          <div className="hook" key={hook.token}>
            {hook.kind === "hook" ? (
              <>
                Waiting for <code>{hook.token}</code>{" "}
                <button type="button" className="primary" onClick={() => onDecide(hook.token, true)}>
                  Approve
                </button>{" "}
                <button type="button" onClick={() => onDecide(hook.token, false)}>
                  Reject
                </button>
              </>
            ) : (
              <>
                Webhook ({hook.respondWith}, {hook.received} received):
                <pre>{curlFor(hook)}</pre>
              </>
            )}
          </div>
        ))}
      {run.output !== undefined && <pre>{JSON.stringify(run.output, null, 2)}</pre>}
      {run.error && <pre>{run.error}</pre>}
    </section>
  );
}

/** The report service (async request-reply): 202 + status URL, then a signed callback to the client route. */
function Reports() {
  const [accepted, setAccepted] = useState<{ taskId: string; statusUrl: string }>();
  const [status, setStatus] = useState<string>();
  const [callbacks, setCallbacks] = useState<ReceivedCallback[]>([]);

  useEffect(() => {
    const timer = setInterval(async () => {
      const response = await fetch("/api/client/reports", { cache: "no-store" }).catch(() => undefined);
      if (response?.ok)
        setCallbacks(((await response.json()) as { callbacks: ReceivedCallback[] }).callbacks);
    }, 1000);
    return () => clearInterval(timer);
  }, []);

  const request = async () => {
    const response = await fetch("/api/reports", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        reportType: "monthly_sales",
        webhookUrl: `${location.origin}/api/client/reports`,
      }),
    });
    setAccepted(await response.json());
    setStatus(`${response.status} ${response.statusText}, Location: ${response.headers.get("location")}`);
  };

  const poll = async () => {
    if (!accepted) return;
    const response = await fetch(accepted.statusUrl, { cache: "no-store", redirect: "manual" });
    const body = response.type === "opaqueredirect" ? "(303 to the result)" : await response.text();
    setStatus(`GET status: ${response.status || 303} ${body}`);
  };

  return (
    <section className="run">
      <header>
        <strong>Report service (async request-reply)</strong>
      </header>
      <div className="actions">
        <button type="button" onClick={request}>
          POST /api/reports (202 + status URL, signed callback)
        </button>{" "}
        {accepted && (
          <button type="button" onClick={poll}>
            GET the status URL
          </button>
        )}
      </div>
      {status && <pre>{status}</pre>}
      {callbacks.length > 0 && <pre>{JSON.stringify(callbacks, null, 2)}</pre>}
    </section>
  );
}

export default function Home() {
  const [runs, setRuns] = useState<RunView[]>([]);
  const [problem, setProblem] = useState<string>();

  const refresh = useCallback(async () => {
    try {
      const response = await fetch("/api/runs", { cache: "no-store" });
      if (!response.ok) throw new Error(`GET /api/runs answered ${response.status}`);
      setRuns(((await response.json()) as { runs: RunView[] }).runs);
      setProblem(undefined);
    } catch (error) {
      setProblem(String(error));
    }
  }, []);

  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, 1000);
    return () => clearInterval(timer);
  }, [refresh]);

  const startRun = async (scenario: string) => {
    await fetch("/api/runs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ scenario }),
    });
    refresh();
  };

  const decide = async (token: string, approved: boolean) => {
    if (token.startsWith("progress:")) {
      await fetch(`/api/progress/${encodeURIComponent(token.slice("progress:".length))}`, { method: "POST" });
      return refresh();
    }
    const id = token.slice("approval:".length);
    await fetch(`/api/approvals/${encodeURIComponent(id)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ approved, by: "the playground" }),
    });
    refresh();
  };

  return (
    <main>
      <h1>wfkit × Next.js</h1>
      <p className="lead">
        Durable workflows in a Next.js app. Start a run; this list refreshes every second.
      </p>
      <div className="actions">
        {SCENARIOS.map(({ scenario, label }) => (
          <button type="button" key={scenario} onClick={() => startRun(scenario)}>
            {label}
          </button>
        ))}
      </div>
      <ProgressStream />
      <Reports />
      {problem && <p className="muted">{problem}</p>}
      {runs.length === 0 && <p className="muted">No runs yet.</p>}
      {runs.map((run) => (
        <Run key={run.runId} run={run} onDecide={decide} />
      ))}
    </main>
  );
}
