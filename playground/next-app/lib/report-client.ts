// The client side of the report scenario, played by this same app: the
// callbacks it received, kept in this server process (on a registered symbol,
// so every route bundle sees the same list).
export interface ReceivedCallback {
  webhookId: string;
  taskId: string;
  receivedAt: string;
  /** How many times this webhook-id arrived (senders retry; a client dedupes). */
  deliveries: number;
  /** What the download link gave. */
  download?: { status: number; body: unknown };
}

const KEY = Symbol.for("playground.reportClient.received");

export function receivedCallbacks(): Map<string, ReceivedCallback> {
  const g = globalThis as Record<symbol, Map<string, ReceivedCallback> | undefined>;
  g[KEY] ??= new Map();
  return g[KEY];
}
