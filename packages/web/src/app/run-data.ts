// The run page's data: the run view and its streams, read again when the server says they changed.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type RunView, type StreamView } from "./api";

/** The run, read again whenever the server says it changed (one read in flight, one queued). */
export function useRun(runId: string) {
  const [run, setRun] = useState<RunView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const state = useRef({ busy: false, again: false });
  const load = () => {
    const s = state.current;
    if (s.busy) {
      s.again = true;
      return;
    }
    s.busy = true;
    api
      .run(runId)
      .then(
        (view) => {
          setRun(view);
          setError(undefined);
        },
        (e) => setError(`${e.code}: ${e.message}`),
      )
      .finally(() => {
        s.busy = false;
        if (s.again) {
          s.again = false;
          load();
        }
      });
  };
  useEffect(() => {
    setRun(undefined);
    load();
  }, [runId]);
  return { run, error, load };
}

/** Stream chunks as they arrive: every namespace the run has, and new ones the server names. */
export function useStreams(runId: string) {
  const [streams, setStreams] = useState<Record<string, StreamView>>({});
  const next = useRef<Record<string, number>>({});
  const busy = useRef<Set<string>>(new Set());
  const again = useRef<Set<string>>(new Set());
  const fetchFrom = (namespace: string) => {
    // One read per namespace in flight; a change told meanwhile reads once more after it.
    if (busy.current.has(namespace)) {
      again.current.add(namespace);
      return;
    }
    busy.current.add(namespace);
    const from = next.current[namespace] ?? 0;
    api
      .stream(runId, namespace, from)
      .then(
        (view) => {
          next.current[namespace] = view.tailIndex + 1;
          setStreams((all) => {
            const old = all[namespace];
            if (!old && view.chunks.length === 0 && !view.closed) return all;
            return {
              ...all,
              [namespace]: { ...view, chunks: [...(old?.chunks ?? []), ...view.chunks] },
            };
          });
        },
        () => {},
      )
      .finally(() => {
        busy.current.delete(namespace);
        if (again.current.delete(namespace)) fetchFrom(namespace);
      });
  };
  useEffect(() => {
    setStreams({});
    next.current = {};
    // Every namespace the run wrote to; new ones are named by the server's stream events.
    api.streams(runId).then(
      (list) => {
        for (const s of list.streams) fetchFrom(s.namespace);
      },
      () => fetchFrom(""),
    );
  }, [runId]);
  return { streams, fetchFrom };
}
