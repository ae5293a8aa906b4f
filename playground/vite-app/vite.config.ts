import { defineConfig } from "vite";
import { workflow } from "workflow/vite";

export default defineConfig({
  // `api`: the app's own routes (/api/start, /api/runs/:id), served by the dev
  // server, built to dist/server/api.js for server.mjs. Workflow files are found
  // under workflows/ (and app/, src/, lib/).
  plugins: [workflow({ api: "src/api.ts" })],
});
