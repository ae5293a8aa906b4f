// The run page's Events tab: the raw log, one line per event, opened on click.
import { useState } from "preact/hooks";
import type { StoredEvent } from "./api";
import { duration, json } from "./format";

export function EventList({ events, start }: { events: StoredEvent[] | undefined; start: number }) {
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
