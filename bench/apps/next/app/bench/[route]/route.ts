import { deserialize, getDefaultRuntime } from "@wfkit/core";
import { start } from "workflow/api";
// Both copied in by bench/adapters.mjs before the build (see .gitignore).
import { appBenchRoutes } from "../../../lib/routes.mjs";
import * as workflows from "../../../workflows/bench";

const routes = appBenchRoutes({ getDefaultRuntime, start, deserialize, workflows, adapter: "next" });

async function handle(request: Request): Promise<Response> {
  return (await routes(request)) ?? Response.json({ error: "not a bench route" }, { status: 404 });
}

export const GET = handle;
export const POST = handle;
