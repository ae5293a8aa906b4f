// The run page's Events tab: the raw log, one line per event, opened on click.
import { useState } from "preact/hooks";
import type { RunView, StoredEvent } from "./api";
import { duration, json, shortName } from "./format";

/** What an event is about, in a few words: the step, sleep or hook its op is, and the attempt. */
function about(event: StoredEvent, run: RunView): string {
  const e = event as StoredEvent & { opId?: number; attempt?: number };
  const parts: string[] = [];
  if (e.opId !== undefined) {
    const step = run.steps.find((s) => s.opId === e.opId);
    const hook = run.hooks.find((h) => h.opId === e.opId);
    const sleep = run.sleeps.find((s) => s.opId === e.opId);
    parts.push(
      step
        ? shortName(step.stepId).name
        : hook
          ? hook.kind
          : sleep
            ? `sleep ${duration(sleep.wakeAt - sleep.scheduledAt)}`
            : "",
    );
  }
  if (typeof e.attempt === "number") parts.push(`attempt ${e.attempt}`);
  return parts.filter(Boolean).join(" · ");
}

export function EventList({
  events,
  start,
  run,
}: {
  events: StoredEvent[] | undefined;
  start: number;
  run: RunView;
}) {
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
              <span class={`etype t-${type.split("_")[0]}`}>
                {type} <small class="muted">{about(e, run)}</small>
              </span>
              <span class="muted mono">+{duration(at - start)}</span>
            </button>
            {open === seq && <pre class="value">{json(rest)}</pre>}
          </div>
        );
      })}
    </div>
  );
}
