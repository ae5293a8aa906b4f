import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { transformSync } from "@babel/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TransformMode } from "../src/index.js";
import { compile } from "./helpers.js";

// Loads compiled output for real: TypeScript is stripped with Babel (keeping
// every import, so pruning is ours and not TypeScript's import elision), the
// runtime module is mapped to a fake that records calls, and the module runs.

const SOURCE = `
import { query } from "./db.mjs";
import type { Order } from "./types";

export async function chargeCard(order: Order, cents: number): Promise<string> {
  "use step";
  return query("charge", order.id, cents);
}

export async function processOrder(order: Order, factor: number) {
  "use workflow";
  let bonus = factor * 2;
  async function addBonus(value: number) {
    "use step";
    return value + bonus + factor;
  }
  const receipt = await chargeCard(order, order.total);
  const first = await addBonus(order.total);
  bonus = 100;
  const second = await addBonus(order.total);
  async function scaled(x = factor) {
    "use step";
    return x * 10;
  }
  await scaled();
  const doubled = await Promise.all([1, 2].map(async (n) => {
    "use step";
    return n * factor;
  }));
  return { receipt, first, second, doubled };
}

export const handlers = {
  async double(n: number) {
    "use step";
    return n * 2;
  },
};

export class Billing {
  static async tax(n: number) {
    "use step";
    return n / 2;
  }
}

export default async function () {
  "use workflow";
  return handlers.double(await Billing.tax(8));
}
`;

const FAKE_RUNTIME = `
export const calls = [];
export const steps = new Map();
export const workflows = new Map();
let closure = {};
const tag = (fn, key, id) => Object.defineProperty(fn, key, { value: id, configurable: true });
export function markWorkflow(fn, id) { tag(fn, "workflowId", id); calls.push(["markWorkflow", id]); return fn; }
export function workflowCalledDirectly(id) { return new Error("workflow called directly: " + id); }
export function registerWorkflow(fn, id) { tag(fn, "workflowId", id); workflows.set(id, fn); return fn; }
export function registerStep(fn, id) { tag(fn, "stepId", id); steps.set(id, fn); return fn; }
export function markStep(fn, id) { tag(fn, "stepId", id); calls.push(["markStep", id]); return fn; }
export const classes = new Map();
export function registerClass(cls, id) { tag(cls, "classId", id); classes.set(id, cls); return cls; }
export function stepProxy(id, name, getClosure) {
  const proxy = async (...args) => {
    const captured = getClosure ? getClosure() : undefined;
    calls.push(["step", id, name, args, captured]);
    return globalThis.__runStep ? globalThis.__runStep(id, args, captured) : "proxied:" + name;
  };
  tag(proxy, "stepId", id);
  return proxy;
}
export function stepClosure() { return closure; }
export function runStep(id, args, captured) {
  closure = captured ?? {};
  try { return steps.get(id)(...args); } finally { closure = {}; }
}
`;

const DB = `export async function query(op, id, cents) { return op + ":" + id + ":" + cents; }`;

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "wfkit-compiler-exec-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Compiles SOURCE for `mode` into its own folder and imports it with the fake runtime beside it. */
async function load(mode: TransformMode, withDb: boolean) {
  const sub = path.join(dir, mode);
  fs.mkdirSync(sub, { recursive: true });
  fs.writeFileSync(path.join(sub, "runtime.mjs"), FAKE_RUNTIME);
  if (withDb) fs.writeFileSync(path.join(sub, "db.mjs"), DB);
  const out = compile(SOURCE, "src/orders.ts", mode, { runtimeModule: "./runtime.mjs" });
  expect(out.diagnostics).toEqual([]);
  const js = transformSync(out.code, {
    filename: "orders.ts",
    babelrc: false,
    configFile: false,
    presets: [["@babel/preset-typescript", { onlyRemoveTypeImports: true }]],
  })!.code!;
  fs.writeFileSync(path.join(sub, "orders.mjs"), js);
  const mod = await import(pathToFileURL(path.join(sub, "orders.mjs")).href);
  const runtime = await import(pathToFileURL(path.join(sub, "runtime.mjs")).href);
  return { mod, runtime, js };
}

const order = { id: "o-1", total: 10 };

describe("client mode", () => {
  it("workflow stubs carry workflowId and throw when called", async () => {
    const { mod } = await load("client", true);
    expect(mod.processOrder.workflowId).toBe("workflow//src/orders//processOrder");
    expect(mod.default.workflowId).toBe("workflow//src/orders//default");
    await expect(mod.processOrder(order, 1)).rejects.toThrow(
      "workflow called directly: workflow//src/orders//processOrder",
    );
  });

  it("steps stay callable and carry stepId", async () => {
    const { mod } = await load("client", true);
    expect(mod.chargeCard.stepId).toBe("step//src/orders//chargeCard");
    expect(await mod.chargeCard(order, 5)).toBe("charge:o-1:5");
    expect(await mod.handlers.double(4)).toBe(8);
    expect(await mod.Billing.tax(8)).toBe(4);
  });
});

describe("workflow mode", () => {
  it("loads without the step-only import and calls step proxies with ids, args and closures", async () => {
    // No db.mjs in this folder: the import must have been pruned with the step bodies.
    const { mod, runtime, js } = await load("workflow", false);
    expect(js).not.toContain("db.mjs");
    const wf = runtime.workflows.get("workflow//src/orders//processOrder");
    expect(wf).toBe(mod.processOrder);
    (globalThis as any).__runStep = (id: string, args: unknown[]) =>
      id.endsWith("chargeCard") ? "receipt-1" : (args[0] as number) + 1;
    try {
      const result = await wf(order, 3);
      expect(result).toEqual({ receipt: "receipt-1", first: 11, second: 11, doubled: [2, 3] });
    } finally {
      delete (globalThis as any).__runStep;
    }
    const stepCalls = runtime.calls.filter((c: unknown[]) => c[0] === "step");
    expect(stepCalls[0]).toEqual([
      "step",
      "step//src/orders//chargeCard",
      "chargeCard",
      [order, 10],
      undefined,
    ]);
    // Captured by value at call time: `bonus` changed between the two calls.
    expect(stepCalls[1]).toEqual([
      "step",
      "step//src/orders//processOrder/addBonus",
      "processOrder/addBonus",
      [10],
      { bonus: 6, factor: 3 },
    ]);
    expect(stepCalls[2][4]).toEqual({ bonus: 100, factor: 3 });
    // Array#map passes (value, index, array): the proxy forwards whatever the caller passed.
    expect(stepCalls[3].slice(1, 3)).toEqual([
      "step//src/orders//processOrder/scaled",
      "processOrder/scaled",
    ]);
    expect(stepCalls[4].slice(1)).toEqual([
      "step//src/orders//processOrder/anonymous",
      "processOrder/anonymous",
      [1, 0, [1, 2]],
      { factor: 3 },
    ]);
    expect(mod.handlers.double.stepId).toBe("step//src/orders//handlers.double");
    expect(mod.Billing.tax.stepId).toBe("step//src/orders//Billing.tax");
    expect(await runtime.workflows.get("workflow//src/orders//default")()).toBe("proxied:handlers.double");
  });
});

describe("step mode", () => {
  it("registers step bodies that compute the right results", async () => {
    const { mod, runtime } = await load("step", true);
    expect(await runtime.runStep("step//src/orders//chargeCard", [order, 7])).toBe("charge:o-1:7");
    expect(await runtime.runStep("step//src/orders//handlers.double", [21])).toBe(42);
    expect(await runtime.runStep("step//src/orders//Billing.tax", [9])).toBe(4.5);
    expect(mod.chargeCard.stepId).toBe("step//src/orders//chargeCard");
  });

  it("nested steps read their closure through stepClosure()", async () => {
    const { runtime } = await load("step", true);
    expect(
      await runtime.runStep("step//src/orders//processOrder/addBonus", [10], { bonus: 6, factor: 3 }),
    ).toBe(19);
    expect(await runtime.runStep("step//src/orders//processOrder/anonymous", [5], { factor: 4 })).toBe(20);
    // A captured variable used as a parameter default.
    expect(await runtime.runStep("step//src/orders//processOrder/scaled", [], { factor: 3 })).toBe(30);
    expect(await runtime.runStep("step//src/orders//processOrder/scaled", [2], { factor: 3 })).toBe(20);
  });

  it("workflows are stubs in step mode", async () => {
    const { mod } = await load("step", true);
    expect(mod.processOrder.workflowId).toBe("workflow//src/orders//processOrder");
    await expect(mod.processOrder(order, 1)).rejects.toThrow("workflow called directly");
  });
});
