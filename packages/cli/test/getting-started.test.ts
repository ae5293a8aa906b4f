// docs/getting-started.md, plain Node part: its workflow files, copied from the
// page, run as the page says, with `wf dev` (start, find the webhook, call it,
// read the result) and `wf run`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, type DevServer, startDev, waitFor, wf } from "./helpers.js";

const page = readFileSync(
  fileURLToPath(new URL("../../../docs/getting-started.md", import.meta.url)),
  "utf8",
);

/** The ```ts block of the page that starts with `// <file>`. */
function fileFromPage(file: string): string {
  const block = new RegExp(`\`\`\`ts\\n// ${file.replace(".", "\\.")}\\n([\\s\\S]*?)\`\`\``).exec(page)?.[1];
  expect(block, `docs/getting-started.md has a block for ${file}`).toBeDefined();
  return block!;
}

let dir: string;
let dev: DevServer | undefined;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(path.join(tmpdir(), "wf-getting-started-"));
  mkdirSync(path.join(dir, "workflows"));
  for (const file of ["workflows/order.ts", "workflows/greet.ts"])
    writeFileSync(path.join(dir, file), fileFromPage(file));
  expect(page).toContain("npx wf dev workflows --port 3000");
  dev = await startDev(["workflows", "--port", "0", "--data-dir", "data-dev"], dir);
}, 60_000);

afterAll(async () => {
  await dev?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("getting started, plain Node", () => {
  it("wf dev: starts processOrder, calls its webhook, and reads the completed run", async () => {
    expect(page).toContain(
      `-H 'content-type: application/json' -d '{"workflow": "order.ts#processOrder", "args": ["order-7"]}'`,
    );
    const started = await fetch(`${dev!.url}/api/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ workflow: "order.ts#processOrder", args: ["order-7"] }),
    });
    expect(started.status).toBe(201);
    const { runId } = (await started.json()) as { runId: string };
    const url = await waitFor("the run's webhook", async () => {
      const hooks = (await (await fetch(`${dev!.url}/api/runs/${runId}/hooks`)).json()) as Array<{
        url?: string;
      }>;
      return hooks[0]?.url;
    });
    expect(dev!.stdout()).toContain(`order order-7: waiting for a payment at ${url}`);
    const paid = await fetch(url, { method: "POST", body: JSON.stringify({ cents: 1200 }) });
    expect(paid.status).toBe(202);
    const run = await waitFor("the run to complete", async () => {
      const body = (await (await fetch(`${dev!.url}/api/runs/${runId}`)).json()) as { status: string };
      return body.status === "completed" ? body : undefined;
    });
    expect(run).toMatchObject({
      output: { orderId: "order-7", status: "paid", receipt: "rcpt-order-7-1200" },
    });
  });

  it("wf run: prints what greet returns", async () => {
    expect(page).toContain(`npx wf run workflows/greet.ts greet --args '["Ada"]'`);
    const result = await wf(
      ["run", "workflows/greet.ts", "greet", "--args", '["Ada"]', "--data-dir", "data-run"],
      dir,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toBe("HELLO, ADA!");
  });
});
