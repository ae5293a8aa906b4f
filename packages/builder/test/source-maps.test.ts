// Stack traces of failed runs name the user's files: a real build (the
// workflow bundle runs as a vm.Script, the step bundle as a module) and a real
// runtime; the frames are mapped host-side when the failure is stored.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { deserialize, type WorkflowRunFailedError } from "@wfkit/core";
import { tempDir } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { type AppRuntime, createAppRuntime } from "../src/index.js";

// Line numbers matter below: each throw's line and column are asserted.
const ORDER = `import { sleep } from "workflow";

class OrderRejectedError extends Error {
  constructor(message: string, readonly orderId: string) {
    super(message);
  }
}

async function reserve(sku: string): Promise<number> {
  "use step";
  if (sku === "none") throw new OrderRejectedError("no stock for " + sku, sku);
  return 1;
}

export async function order(sku: string) {
  "use workflow";
  await sleep(1);
  if (sku === "") throw new TypeError("an order needs a sku");
  return await reserve(sku);
}
`;

const root = tempDir("wfkit-source-maps-");
mkdirSync(path.join(root, "workflows"), { recursive: true });
writeFileSync(path.join(root, "workflows", "order.ts"), ORDER);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ORDER_ID = "workflow//workflows/order//order";
const logged: unknown[][] = [];
let app: AppRuntime | undefined;
afterAll(() => app?.close());

async function appRuntime(): Promise<AppRuntime> {
  app ??= await createAppRuntime({
    root,
    world: sqliteWorld({ dataDir: path.join(root, ".data") }),
    buildDir: path.join(root, ".wfkit"),
    runtime: { log: (_level, args) => logged.push(args), retry: { maxRetries: 0 } },
    setDefault: false,
  });
  return app;
}

async function failure(sku: string): Promise<{ runId: string; error: WorkflowRunFailedError }> {
  const { runtime } = await appRuntime();
  const run = await runtime.start(ORDER_ID, [sku]);
  const error = await run.returnValue.then(
    () => expect.unreachable("the run should fail"),
    (e: WorkflowRunFailedError) => e,
  );
  return { runId: run.runId, error };
}

describe("source-mapped stacks of failed runs", () => {
  it("names the workflow file, line and column of a throw in workflow code (the VM bundle)", async () => {
    const { runId, error } = await failure("");
    expect(error.errorCode).toBe("USER_ERROR");
    const cause = error.cause as Error;
    expect(cause.name).toBe("TypeError");
    expect(cause.message).toBe("an order needs a sku");
    const stack = cause.stack!.split("\n");
    expect(stack[0]).toBe("TypeError: an order needs a sku");
    expect(stack[1]).toBe("    at order (workflows/order.ts:18:25)");
    expect(cause.stack).not.toMatch(/wfkit-workflows-/);
    // It ends at the user's code: the host frames that called it (the VM call, the actor) are cut.
    expect(stack).toHaveLength(2);

    // The stored error is the mapped one: what getRun() and the inspect views read.
    const stored = await (await appRuntime()).runtime.world.getRun(runId);
    expect((deserialize(stored!.error!) as Error).stack).toContain("at order (workflows/order.ts:18:25)");
    // The failure's log line is followed by the mapped frames.
    const line = logged.find(
      (args) => String(args[0]).includes(`run ${runId}`) && /failed/.test(String(args[0])),
    );
    expect(line?.[1]).toMatch(/^\n {4}at order \(workflows\/order\.ts:18:25\)/);
  });

  it("names the file, line and column of a throw in step code (the step bundle), with the user's class", async () => {
    const { error } = await failure("none");
    expect(error.errorCode).toBe("USER_ERROR");
    const cause = error.cause as Error & { orderId?: string };
    expect(cause.name).toBe("OrderRejectedError");
    expect(cause.message).toBe("no stock for none");
    expect(cause.orderId).toBe("none");
    const stack = cause.stack!.split("\n");
    expect(stack[0]).toBe("OrderRejectedError: no stock for none");
    // Under vitest the module loader maps step modules itself (to an absolute path) before
    // wfkit sees the stack; the exact relative frame is checked through the CLI (run.test.ts).
    expect(stack[1]).toMatch(/^ {4}at reserve \((?:\/.*\/)?workflows\/order\.ts:11:29\)$/);
    expect(cause.stack).not.toMatch(/steps-[0-9a-f]+\.mjs/);
    expect(cause.stack).not.toMatch(/StepExecutor/);
  });
});
