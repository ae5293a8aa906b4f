// Where the report service keeps finished reports until they are downloaded.
// A real service writes them to its storage; the playground keeps them in
// this server process (on a registered symbol, so every route bundle and the
// step bundle see the same map). After a restart, the download route falls
// back to the finished run's return value.
const KEY = Symbol.for("playground.reportStore");

export function storedReports(): Map<string, unknown> {
  const g = globalThis as Record<symbol, Map<string, unknown> | undefined>;
  g[KEY] ??= new Map();
  return g[KEY];
}
