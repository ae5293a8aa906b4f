// Times and durations as people read them.

/** `340ms`, `1.2s`, `42s`, `2m 5s`, `1h 0m`, `2d 3h`: rounded in the smallest unit shown, so never `59m 60s`. */
export function duration(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  if (ms < 9_950) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  const m = Math.round(ms / 60_000);
  if (m < 1440) return `${Math.floor(m / 60)}h ${m % 60}m`;
  const h = Math.round(ms / 3_600_000);
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function ago(at: number, now: number): string {
  const ms = now - at;
  if (ms < 5_000) return "just now";
  if (ms < 60_000) return `${Math.floor(ms / 1000)}s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)}h ago`;
  return `${Math.floor(ms / 86_400_000)}d ago`;
}

export function absolute(at: number): string {
  return new Date(at).toLocaleString(undefined, {
    dateStyle: "medium",
    timeStyle: "medium",
  });
}

/** `workflow//orders//processOrder` → `processOrder`, with the file as a hint. */
export function shortName(id: string): { name: string; where: string } {
  const parts = id.split("//").filter(Boolean);
  if (parts.length >= 3) return { name: parts[parts.length - 1], where: parts.slice(1, -1).join("/") };
  return { name: id, where: "" };
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "undefined";
}
