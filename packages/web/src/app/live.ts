// Live updates: one EventSource on the inspect route's `stream`, shared by
// every view. The server pushes run changes and stream growth; nothing polls.
import type { RunSummary } from "./api";
import { BASE } from "./api";

export interface RunEvent extends RunSummary {
  /** The event types just committed. */
  events: string[];
  created: boolean;
}

type Listener = { run?: (e: RunEvent) => void; stream?: (e: { runId: string; namespace: string }) => void };

const listeners = new Set<Listener>();
const stateListeners = new Set<(connected: boolean) => void>();
let source: EventSource | undefined;
export let connected = false;

function setConnected(value: boolean) {
  connected = value;
  for (const l of stateListeners) l(value);
}

function open() {
  if (source) return;
  source = new EventSource(`${BASE}stream`);
  source.addEventListener("hello", () => setConnected(true));
  source.addEventListener("run", (e) => {
    const data = JSON.parse((e as MessageEvent).data) as RunEvent;
    for (const l of listeners) l.run?.(data);
  });
  source.addEventListener("stream", (e) => {
    const data = JSON.parse((e as MessageEvent).data);
    for (const l of listeners) l.stream?.(data);
  });
  // EventSource reconnects by itself; the dot shows it meanwhile.
  source.onerror = () => setConnected(false);
}

/** Calls `listener` with every pushed change until the returned function is called. */
export function subscribe(listener: Listener): () => void {
  open();
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function onConnection(listener: (connected: boolean) => void): () => void {
  open();
  stateListeners.add(listener);
  return () => stateListeners.delete(listener);
}
