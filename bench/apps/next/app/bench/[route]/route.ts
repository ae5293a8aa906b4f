import { deserialize, getDefaultRuntime } from "@wfkit/core";
import { start } from "workflow/api";
// Both copied in by bench/adapters.mjs before the build (see .gitignore).
import { benchRoutes } from "../../../lib/routes.mjs";
import * as workflows from "../../../workflows/bench";

type Handler = (request: Request) => Promise<Response | undefined>;
let routes: Promise<Handler> | undefined;

async function handle(request: Request): Promise<Response> {
  routes ??= getDefaultRuntime().then((runtime) =>
    benchRoutes({
      runtime,
      deserialize,
      start: (name: string, args: unknown[]) =>
        start((workflows as Record<string, (...a: never[]) => Promise<unknown>>)[name]!, args as never[]),
      info: { adapter: "next", dataDir: process.env.WORKFLOW_DATA_DIR },
    }),
  );
  return (await (await routes)(request)) ?? Response.json({ error: "not a bench route" }, { status: 404 });
}

export const GET = handle;
export const POST = handle;
