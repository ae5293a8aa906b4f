"use client";

import { useState } from "react";
import type { ProgressUpdate } from "@/workflows/progress-job";

/** Starts a progress job and shows its stream (GET /api/runs/:runId/stream) line by line as the run writes it. */
export function ProgressStream() {
  const [job, setJob] = useState<{ runId: string; progressId: string }>();
  const [updates, setUpdates] = useState<ProgressUpdate[]>([]);
  const [ended, setEnded] = useState(false);

  const start = async () => {
    setUpdates([]);
    setEnded(false);
    const response = await fetch("/api/runs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ scenario: "progress", progress: { steps: 4 } }),
    });
    const started = (await response.json()) as { runId: string; progressId: string };
    setJob(started);
    const stream = await fetch(`/api/runs/${started.runId}/stream`, { cache: "no-store" });
    const lines = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let rest = "";
    for (;;) {
      const { done, value } = await lines.read();
      if (done) break;
      rest += value;
      const complete = rest.split("\n");
      rest = complete.pop() ?? "";
      const parsed = complete.filter(Boolean).map((line) => JSON.parse(line) as ProgressUpdate);
      setUpdates((previous) => [...previous, ...parsed]);
    }
    setEnded(true);
  };

  const goAhead = async () => {
    if (job) await fetch(`/api/progress/${job.progressId}`, { method: "POST" });
  };

  return (
    <section className="run">
      <header>
        <strong>Progress job (streams: getWritable in steps, run.getReadable over HTTP)</strong>
      </header>
      <div className="actions">
        <button type="button" onClick={start}>
          Start and stream
        </button>{" "}
        {job && !ended && (
          <button type="button" className="primary" onClick={goAhead}>
            Let it finish
          </button>
        )}
      </div>
      {updates.length > 0 && (
        <ul className="steps">
          {updates.map((update) => (
            <li key={update.step}>
              <progress max={update.of} value={update.step} /> {update.message}
            </li>
          ))}
        </ul>
      )}
      {ended && <p className="muted">The stream was closed.</p>}
    </section>
  );
}
