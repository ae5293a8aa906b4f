import { deserialize, getDefaultRuntime } from "@wfkit/core";
import { start } from "workflow/api";
// Both copied in by bench/adapters.mjs before the run (see .gitignore).
import { appBenchRoutes } from "./lib/routes.mjs";
import * as workflows from "./workflows/bench";

/** The bench routes; undefined passes other paths on. */
export default appBenchRoutes({ getDefaultRuntime, start, deserialize, workflows, adapter: "vite" });
