import { type FSWatcher, watch } from "node:fs";
import path from "node:path";
import { isWatchedSource, WATCH_DEBOUNCE_MS } from "./discover.js";

/**
 * Calls `onChange` once per burst of edits to source files under `dirs`
 * (relative to root). Folders that do not exist are skipped. Returns a closer.
 */
export function watchSources(root: string, dirs: readonly string[], onChange: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const changed = (_: string, file: string | null) => {
    if (file && !isWatchedSource(file)) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, WATCH_DEBOUNCE_MS);
  };
  const watchers: FSWatcher[] = dirs.flatMap((dir) => {
    try {
      return [watch(path.resolve(root, dir), { recursive: true }, changed)];
    } catch {
      return [];
    }
  });
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
