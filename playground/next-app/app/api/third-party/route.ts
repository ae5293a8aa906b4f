// A stand-in for a third-party render service: it accepts a job, answers 202
// at once, then calls the callback URL with progress updates. The last one
// carries the header x-task-finished: true.
import { after } from "next/server";

type Job = { callbackUrl?: string; updates?: number; intervalMs?: number };

export async function POST(request: Request) {
  const { callbackUrl, updates = 3, intervalMs = 1500 } = (await request.json()) as Job;
  if (!callbackUrl) return Response.json({ error: "callbackUrl is required" }, { status: 400 });
  const jobId = `job-${Math.random().toString(36).slice(2, 8)}`;
  after(async () => {
    for (let i = 1; i <= updates; i++) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      const finished = i === updates;
      const percent = Math.round((i / updates) * 100);
      await fetch(callbackUrl, {
        method: "POST",
        headers: { "content-type": "application/json", ...(finished && { "x-task-finished": "true" }) },
        body: JSON.stringify({ percent, message: finished ? "done" : `frame ${i} of ${updates}` }),
      }).catch((error) => console.error(`render service: callback ${i} to ${callbackUrl} failed:`, error));
    }
  });
  return Response.json({ jobId }, { status: 202 });
}
