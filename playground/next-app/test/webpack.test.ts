// `next build --webpack` + `next start` of a copy of the playground: the
// loader and the routes work with webpack too, and with a next.config.mjs.
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  copyApp,
  type NextServer,
  remove,
  runNext,
  startNext,
  startRun,
  tempDataDir,
  waitForEnd,
  webhookUrl,
} from "./harness.js";

let server: NextServer | undefined;
let app: string;
let dataDir: string;

beforeAll(async () => {
  app = copyApp("webpack");
  rmSync(path.join(app, "next.config.ts"));
  writeFileSync(
    path.join(app, "next.config.mjs"),
    'import { withWorkflow } from "workflow/next";\n\nexport default withWorkflow({ reactStrictMode: true });\n',
  );
  dataDir = tempDataDir("webpack");
  await runNext(["build", "--webpack"], app);
  server = await startNext("start", { cwd: app, dataDir });
}, 300_000);

afterAll(async () => {
  await server?.stop();
  remove(app);
  remove(dataDir);
});

describe("next build --webpack + next start", { timeout: 60_000 }, () => {
  it("runs a workflow whose webhook answers from a step", async () => {
    const { runId } = await startRun(server!.url, { scenario: "quote", quotes: 1 });
    const response = await fetch(await webhookUrl(server!.url, runId), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ item: "sprocket", qty: 2 }),
    });
    expect(await response.json()).toEqual({ item: "sprocket", qty: 2, total: 14, currency: "EUR" });
    const run = await waitForEnd(server!.url, runId);
    expect(run.output).toEqual({ quotes: [{ item: "sprocket", qty: 2, total: 14 }] });
  });
});
