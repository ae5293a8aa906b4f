// The detail panel of the run page: the selected step, sleep or hook.
import { useState } from "preact/hooks";
import type { RunView } from "./api";
import { absolute, duration, shortName } from "./format";
import { ErrorBlock, HttpMessage, TERMINAL, Value } from "./parts";
import { StatusBadge } from "./runs";
import type { Selection } from "./timeline";

export function Detail({
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
  if (selection.kind === "child") {
    const child = run.children?.[selection.opId];
    if (!child) return null;
    return (
      <aside class="detail" data-testid="detail">
        <h3>
          child {shortName(child.workflowId).name} <StatusBadge status={child.status} />
        </h3>
        <div class="kv">
          <span>run</span>
          <a class="mono" href={`#/runs/${encodeURIComponent(child.runId)}`}>
            {child.runId}
          </a>
          <span>workflow</span>
          <code>{child.workflowId}</code>
          <span>started</span>
          <span>{t(child.startedAt)}</span>
          <span>ended</span>
          <span>{child.endedAt ? t(child.endedAt) : "not yet"}</span>
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
