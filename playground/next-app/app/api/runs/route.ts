import { start } from "workflow/api";
import { listRuns } from "@/lib/runs";
import { expenseApproval } from "@/workflows/expense-approval";
import { hello } from "@/workflows/hello";
import { newsletterSignups } from "@/workflows/newsletter";
import { progressJob } from "@/workflows/progress-job";
import { quoteDesk } from "@/workflows/quote-desk";
import { type RenderJobOptions, renderJob } from "@/workflows/render-job";

type StartBody = {
  scenario?: string;
  name?: string;
  render?: RenderJobOptions;
  expense?: { id?: string; amount?: number; description?: string };
  quotes?: number;
  signups?: number;
  progress?: { steps?: number };
};

/** GET /api/runs: the latest runs with their steps and hooks. */
export async function GET() {
  return Response.json({ runs: await listRuns() });
}

/** POST /api/runs {"scenario": "render" | "approval" | "quote" | "newsletter" | "progress" | "hello", ...}: starts a run. */
export async function POST(request: Request) {
  const body = ((await request.json().catch(() => ({}))) ?? {}) as StartBody;
  switch (body.scenario) {
    case "render": {
      const run = await start(renderJob, [body.render ?? {}]);
      return Response.json({ runId: run.runId }, { status: 201 });
    }
    case "approval": {
      const id = body.expense?.id ?? `exp-${Math.random().toString(36).slice(2, 8)}`;
      const expense = {
        id,
        amount: body.expense?.amount ?? 42,
        description: body.expense?.description ?? "Team lunch",
      };
      const run = await start(expenseApproval, [expense]);
      return Response.json({ runId: run.runId, approvalId: id, token: `approval:${id}` }, { status: 201 });
    }
    case "quote": {
      const run = await start(quoteDesk, [body.quotes ?? 2]);
      return Response.json({ runId: run.runId }, { status: 201 });
    }
    case "newsletter": {
      const run = await start(newsletterSignups, [body.signups ?? 2]);
      return Response.json({ runId: run.runId }, { status: 201 });
    }
    case "progress": {
      const id = `job-${Math.random().toString(36).slice(2, 8)}`;
      const run = await start(progressJob, [id, body.progress?.steps ?? 4]);
      return Response.json({ runId: run.runId, progressId: id }, { status: 201 });
    }
    case "hello": {
      const run = await start(hello, [body.name ?? "world"]);
      return Response.json({ runId: run.runId }, { status: 201 });
    }
    default:
      return Response.json(
        {
          error: `Unknown scenario ${JSON.stringify(body.scenario)}`,
          scenarios: ["render", "approval", "quote", "newsletter", "progress", "hello"],
        },
        { status: 400 },
      );
  }
}
