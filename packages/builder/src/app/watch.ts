import { type FSWatcher, watch } from "node:fs";
import path from "node:path";
import { isWatchedSource, WATCH_DEBOUNCE_MS } from "./discover.js";

/**
 * Calls `onChange` once per burst of edits to source files under `dirs`
 * (relative to root), with the files of the burst (relative to root, POSIX).
 * Folders that do not exist are skipped. Returns a closer.
 */
export function watchSources(
  root: string,
  dirs: readonly string[],
  onChange: (files: string[]) => void,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const burst = new Set<string>();
  const changed = (dir: string) => (_: string, file: string | null) => {
    if (file && !isWatchedSource(file)) return;
    if (file) burst.add(path.posix.join(dir.split(path.sep).join("/"), file.split(path.sep).join("/")));
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...burst];
      burst.clear();
      onChange(files);
    }, WATCH_DEBOUNCE_MS);
  };
  const watchers: FSWatcher[] = dirs.flatMap((dir) => {
    try {
      return [watch(path.resolve(root, dir), { recursive: true }, changed(dir))];
    } catch {
      return [];
    }
  });
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
