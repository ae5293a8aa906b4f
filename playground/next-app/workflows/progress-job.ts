// Scenario: a run streams its progress to the page while it works. Steps write
// to the run's stream (getWritable); GET /api/runs/:runId/stream reads it.
import { createHook, getWritable } from "workflow";

export interface ProgressUpdate {
  step: number;
  of: number;
  message: string;
}

async function doWork(writable: WritableStream<ProgressUpdate>, step: number, of: number) {
  "use step";
  const writer = writable.getWriter();
  await writer.write({ step, of, message: `step ${step} of ${of} done` });
  writer.releaseLock();
}

async function finish(writable: WritableStream<ProgressUpdate>, of: number) {
  "use step";
  const writer = writable.getWriter();
  await writer.write({ step: of, of, message: "finished" });
  // Closing ends every reader's stream.
  await writer.close();
}

/**
 * Works through `steps` steps, streaming one update each, then waits for a
 * go-ahead (the hook `progress:<id>`, POST /api/progress/:id) before it finishes:
 * a reader sees the updates while the run is still going.
 */
export async function progressJob(id: string, steps: number) {
  "use workflow";
  const writable = getWritable<ProgressUpdate>();
  for (let step = 1; step < steps; step++) await doWork(writable, step, steps);
  await createHook<{ go: boolean }>({ token: `progress:${id}` });
  await finish(writable, steps);
  return { id, steps };
}
