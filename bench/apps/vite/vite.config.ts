import { defineConfig } from "vite";
import { workflow } from "workflow/vite";

// The peer-bench route contract on Vite, for bench/adapters.mjs: `vite` (the
// dev server) and `vite build` + `node server.mjs`. Runs go to WORKFLOW_DATA_DIR.
export default defineConfig({ plugins: [workflow({ api: "api.ts" })] });
