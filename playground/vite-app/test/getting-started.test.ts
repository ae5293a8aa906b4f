// docs/getting-started.md, Vite part: a new app made of the page's files only
// (vite.config.ts, src/api.ts, workflows/order.ts), under `vite` as the page
// runs it: start an order, take the webhook URL from the log, call it, read
// the completed run through the app's own route.
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as kit from "@wfkit/testing-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Child, repoRoot, startChild, viteBin, waitFor } from "./helpers.js";

const page = readFileSync(path.join(repoRoot, "docs", "getting-started.md"), "utf8");

/** The ```ts block of the page that starts with `// <file>`. */
function fileFromPage(file: string): string {
  const escaped = file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const block = new RegExp(`\`\`\`ts\\n// ${escaped}\\n([\\s\\S]*?)\`\`\``).exec(page)?.[1];
  expect(block, `docs/getting-started.md has a block for ${file}`).toBeDefined();
  return block!;
}

describe("getting started with Vite, from the page", { timeout: 60_000 }, () => {
  let dir: string;
  let server: Child | undefined;
  let base: string;

  beforeAll(async () => {
    dir = kit.tempDir("wfkit-getting-started-vite-");
    for (const file of ["vite.config.ts", "src/api.ts", "workflows/order.ts"]) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), fileFromPage(file));
    }
    writeFileSync(
      path.join(dir, "package.json"),
      '{ "name": "my-app", "private": true, "type": "module" }\n',
    );
    mkdirSync(path.join(dir, "node_modules"));
    for (const name of ["workflow", "vite"])
      symlinkSync(path.join(repoRoot, "node_modules", name), path.join(dir, "node_modules", name), "dir");
    expect(page).toContain("npx vite --port 3000");
    const port = await kit.freePort();
    server = startChild([viteBin, "--port", String(port), "--strictPort"], {
      cwd: dir,
      env: { WORKFLOW_DATA_DIR: path.join(dir, "data"), WORKFLOW_PUBLIC_URL: undefined },
    });
    base = `http://localhost:${port}`;
    await server.waitForOutput(/wfkit: workflow runtime ready/, 40_000);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("starts an order, resumes it through the webhook in the log, and reads it completed", async () => {
    const started = await fetch(`${base}/api/orders`, {
      method: "POST",
      body: JSON.stringify({ orderId: "order-7" }),
    });
    expect(started.status).toBe(200);
    const { runId } = (await started.json()) as { runId: string };
    const [, url] = await server!.waitForOutput(/order order-7: waiting for a payment at (http:\/\/\S+)/);
    expect(url).toMatch(/\/\.well-known\/workflow\/v1\/webhook\//);
    const paid = await fetch(url!, { method: "POST", body: JSON.stringify({ cents: 1200 }) });
    expect(paid.status).toBe(202);
    const run = await waitFor("the run to complete", async () => {
      const body = (await (await fetch(`${base}/api/orders/${runId}`)).json()) as { status: string };
      return body.status === "completed" ? body : undefined;
    });
    expect(run).toEqual({
      status: "completed",
      output: { orderId: "order-7", status: "paid", receipt: "rcpt-order-7-1200" },
    });
  });
});
