// docs/getting-started.md, Next.js part: a new app made of the page's files
// (next.config.ts, the two routes, workflows/order.ts) under `next dev`: start
// an order, take the webhook URL from the log, call it, read the run completed.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as kit from "@wfkit/testing-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_DIR, type NextServer, remove, startNext, tempDataDir, waitFor } from "./harness.js";

const page = readFileSync(path.join(APP_DIR, "..", "..", "docs", "getting-started.md"), "utf8");
const FILES = [
  "next.config.ts",
  "app/api/orders/route.ts",
  "app/api/orders/[runId]/route.ts",
  "workflows/order.ts",
];

/** The ```ts block of the page that starts with `// <file>`. */
function fileFromPage(file: string): string {
  const escaped = file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const block = new RegExp(`\`\`\`ts\\n// ${escaped}\\n([\\s\\S]*?)\`\`\``).exec(page)?.[1];
  expect(block, `docs/getting-started.md has a block for ${file}`).toBeDefined();
  return block!;
}

let app: string;
let dataDir: string;
let server: NextServer | undefined;

beforeAll(async () => {
  // Inside the repository (like the harness's copies), so Next finds node_modules by walking up.
  app = kit.copyApp({
    from: APP_DIR,
    entries: ["tsconfig.json", "package.json"],
    parent: path.join(APP_DIR, ".test-apps"),
    prefix: "getting-started-",
  }).dir;
  for (const file of FILES) {
    mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
    writeFileSync(path.join(app, file), fileFromPage(file));
  }
  expect(page).toContain("npx next dev --port 3000");
  dataDir = tempDataDir("getting-started");
  server = await startNext("dev", { cwd: app, dataDir });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  remove(app);
  remove(dataDir);
});

describe("getting started with Next.js, from the page", () => {
  it("starts an order, resumes it through the webhook in the log, and reads it completed", async () => {
    const started = await fetch(`${server!.url}/api/orders`, {
      method: "POST",
      body: JSON.stringify({ orderId: "order-7" }),
    });
    expect(started.status).toBe(200);
    const { runId } = (await started.json()) as { runId: string };
    const url = await waitFor(
      "the webhook URL in the log",
      () => /order order-7: waiting for a payment at (http:\/\/\S+)/.exec(server!.logs())?.[1],
      30_000,
    );
    const paid = await fetch(url, { method: "POST", body: JSON.stringify({ cents: 1200 }) });
    expect(paid.status).toBe(202);
    const run = await waitFor(
      "the run to complete",
      async () => {
        const body = (await (await fetch(`${server!.url}/api/orders/${runId}`)).json()) as { status: string };
        return body.status === "completed" ? body : undefined;
      },
      30_000,
    );
    expect(run).toEqual({
      status: "completed",
      output: { orderId: "order-7", status: "paid", receipt: "rcpt-order-7-1200" },
    });
  }, 90_000);
});
