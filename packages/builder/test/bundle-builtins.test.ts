// Workflow code that reaches a Node builtin through a helper in another file of
// the app fails the build with WF_C008, naming the helper, the import chain and
// the fix, with a code frame; a builtin only steps or unused exports touch does not.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { WorkflowError } from "@wfkit/core";
import { afterAll, describe, expect, it } from "vitest";
import { buildWorkflowBundle } from "../src/index.js";

const base = mkdtempSync(path.join(tmpdir(), "wfkit-builtins-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

let apps = 0;
/** Writes `files` (path → text) into a fresh app folder and returns its root. */
function app(files: Record<string, string>): string {
  const root = path.join(base, `app-${++apps}`);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

const ORDER = `
import { receiptName, saveReceipt } from "../lib/receipts";

export async function processOrder(orderId: string) {
  "use workflow";
  await saveReceipt(receiptName(orderId));
  return orderId;
}
`;

async function buildError(root: string): Promise<WorkflowError> {
  const error = await buildWorkflowBundle({ root, files: ["workflows/order.ts"] }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowError);
  return error as WorkflowError;
}

describe("workflow code reaching a Node builtin", () => {
  it("through a helper imported from another file: WF_C008 with the chain, the frame and the fix", async () => {
    const root = app({
      "workflows/order.ts": ORDER,
      "lib/receipts.ts": `import { writeFile } from "node:fs/promises";

export function receiptName(orderId: string) {
  return \`receipt-\${orderId}.txt\`;
}

export async function saveReceipt(name: string) {
  await writeFile(name, "paid");
}
`,
    });
    const error = await buildError(root);
    expect(error.code).toBe("WF_BUILD_FAILED");
    expect(error.message).toContain(
      'WF_C008_NODE_MODULE_IN_HELPER: saveReceipt in lib/receipts.ts uses writeFile from "node:fs/promises", and workflow code reaches it: workflows/order.ts → lib/receipts.ts.',
    );
    expect(error.message).toContain("at lib/receipts.ts:8:9");
    expect(error.message).toMatch(/> +8 \| {3}await writeFile\(name, "paid"\);/);
    expect(error.message).toContain('Fix: add "use step" as the first statement of saveReceipt');
    // receiptName is pure: not reported.
    expect(error.message).not.toContain("receiptName in");
  });

  it("through two files, and from module-level code", async () => {
    const root = app({
      "workflows/order.ts": ORDER,
      "lib/receipts.ts": `export { receiptName, saveReceipt } from "./files";\n`,
      "lib/files.ts": `import path from "node:path";
import { appendFile } from "node:fs";

const dir = path.join("var", "receipts");

export function receiptName(orderId: string) {
  return dir + orderId;
}

export async function saveReceipt(name: string) {
  appendFile(name, "paid", () => {});
}
`,
    });
    const { message } = await buildError(root);
    expect(message).toContain(
      'lib/files.ts uses path from "node:path" at module level, which runs when workflow code loads the file; workflow code reaches it: workflows/order.ts → lib/receipts.ts → lib/files.ts.',
    );
    expect(message).toContain("saveReceipt in lib/files.ts uses appendFile");
  });

  it("builds when only steps and exports the workflow never calls use builtins", async () => {
    const root = app({
      "workflows/order.ts": ORDER,
      "lib/receipts.ts": `import { writeFile } from "node:fs/promises";

export function receiptName(orderId: string) {
  return \`receipt-\${orderId}.txt\`;
}

export async function saveReceipt(name: string) {
  "use step";
  await writeFile(name, "paid");
}

export async function unused() {
  await writeFile("x", "y");
}
`,
    });
    const bundle = await buildWorkflowBundle({ root, files: ["workflows/order.ts"] });
    expect(bundle.manifest.workflows.map((w) => w.name)).toEqual(["processOrder"]);
  });
});

describe("esbuild's own errors in a compiled file", () => {
  it("name the line the user wrote, with a one-line frame", async () => {
    const root = app({
      "workflows/order.ts": `import { receiptName } from "../lib/missing";

export async function processOrder(orderId: string) {
  "use workflow";
  return receiptName(orderId);
}
`,
    });
    const { message } = await buildError(root);
    expect(message).toContain('workflows/order.ts:1:29: Could not resolve "../lib/missing"');
    expect(message).toContain('  > 1 | import { receiptName } from "../lib/missing";\n');
  });
});
