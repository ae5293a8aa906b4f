import { deserialize, getDefaultRuntime } from "@wfkit/core";
import { start } from "workflow/api";
// Both copied in by bench/adapters.mjs before the run (see .gitignore).
import { benchRoutes } from "./lib/routes.mjs";
import * as workflows from "./workflows/bench";

type Handler = (request: Request) => Promise<Response | undefined>;
let routes: Promise<Handler> | undefined;

/** The bench routes; undefined passes other paths on. */
export default async function api(request: Request): Promise<Response | undefined> {
  routes ??= getDefaultRuntime().then((runtime) =>
    benchRoutes({
      runtime,
      deserialize,
      start: (name: string, args: unknown[]) =>
        start((workflows as Record<string, (...a: never[]) => Promise<unknown>>)[name]!, args as never[]),
      info: { adapter: "vite", dataDir: process.env.WORKFLOW_DATA_DIR },
    }),
  );
  return (await routes)(request);
}
