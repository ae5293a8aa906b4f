// The error registry, the one message format, the branded classes and the JSON answer.
import { createContext, runInContext } from "node:vm";
import { describe, expect, it } from "vitest";
import {
  codeOf,
  ERROR_CODES,
  errorResponse,
  errorResponseFor,
  FatalError,
  formatErrorMessage,
  HookConflictError,
  HookNotFoundError,
  isWorkflowError,
  messageOf,
  statusOf,
  WorkflowError,
  WorkflowRunFailedError,
  WorkflowRunNotFoundError,
} from "../src/errors/index.js";
import { deserialize, serialize } from "../src/serialization/index.js";

describe("the message format", () => {
  it("is `<CODE>: <what happened>`, then Fix and See (a file URL of the page inside the package, on the host)", () => {
    const error = new WorkflowRunNotFoundError("r1");
    const [first, fix, see, ...rest] = error.message.split("\n");
    expect(first).toBe("WF_RUN_NOT_FOUND: There is no run with id r1.");
    expect(fix).toBe(`  Fix: ${error.hint}`);
    expect(see).toMatch(/^ {2}See: file:\/\/\/.*\/core\/docs\/errors\/WF_RUN_NOT_FOUND\.md$/);
    expect(rest).toEqual([]);
  });

  it("round-trips through messageOf and codeOf", () => {
    const error = new WorkflowError("WF_START_ARGS", "Two lines:\n  - one", "Pass an array.");
    expect(codeOf(error)).toBe("WF_START_ARGS");
    expect(messageOf(error)).toBe("Two lines:\n  - one");
    expect(formatErrorMessage("WF_X", "m", undefined, "d")).toBe("WF_X: m\n  See: d");
  });
});

describe("the registry", () => {
  it("gives every code a status and a one-line title", () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^WF_[A-Z][A-Z0-9_]*[A-Z0-9]$/);
      expect(info.status, code).toBeGreaterThanOrEqual(400);
      expect(info.status, code).toBeLessThan(600);
      expect(info.title, code).not.toContain("\n");
    }
    expect(statusOf("WF_HOOK_NOT_FOUND")).toBe(404);
    expect(statusOf("WF_NOT_REGISTERED")).toBe(500);
  });

  it("decides the status of a JSON answer unless one is given; docs is a path-free reference", async () => {
    const answer = errorResponse("WF_HOOK_IS_WEBHOOK", "m", "h");
    expect(answer.status).toBe(409);
    expect(await answer.json()).toEqual({
      error: {
        code: "WF_HOOK_IS_WEBHOOK",
        message: "m",
        hint: "h",
        docs: "@wfkit/core/docs/errors/WF_HOOK_IS_WEBHOOK.md",
      },
    });
    expect(errorResponse("WF_HOOK_IS_WEBHOOK", "m", "h", { status: 400 }).status).toBe(400);
    const forError = errorResponseFor(new HookNotFoundError("t"), "WF_HANDLER_FAILED", "fallback");
    expect(forError.status).toBe(404);
    expect(await forError.json()).toMatchObject({
      error: { code: "WF_HOOK_NOT_FOUND", message: "No live hook has the token t." },
    });
    const plain = errorResponseFor(new Error("boom"), "WF_HANDLER_FAILED", "fallback");
    expect(plain.status).toBe(500);
    expect(JSON.stringify(await plain.json())).not.toContain("file:");
  });
});

describe("branded classes", () => {
  it("match by brand and code, not by class identity", () => {
    const notFound = new WorkflowRunNotFoundError("r1");
    expect(notFound).toBeInstanceOf(WorkflowRunNotFoundError);
    expect(notFound).toBeInstanceOf(WorkflowError);
    expect(notFound).toBeInstanceOf(Error);
    expect(notFound).not.toBeInstanceOf(HookNotFoundError);
    expect(notFound.name).toBe("WorkflowRunNotFoundError");
    // Another copy of the module would make a plain WorkflowError with the same code: still a match.
    expect(new WorkflowError("WF_HOOK_CONFLICT", "m")).toBeInstanceOf(HookConflictError);
    // A look-alike without the brand is not.
    expect({ code: "WF_HOOK_CONFLICT", message: "m" }).not.toBeInstanceOf(HookConflictError);
    expect(new FatalError("x")).not.toBeInstanceOf(WorkflowError);
  });

  it("keep ordinary class identity for plain subclasses", () => {
    class AppError extends WorkflowError {}
    const error = new AppError("WF_START_ARGS", "m");
    expect(error).toBeInstanceOf(AppError);
    expect(error).toBeInstanceOf(WorkflowError);
    expect(new WorkflowError("WF_START_ARGS", "m")).not.toBeInstanceOf(AppError);
  });

  it("hold for an error from another realm (a node:vm context) carrying the brand", () => {
    const foreign = runInContext(
      `const e = new Error("WF_HOOK_NOT_FOUND: No live hook has the token t.");
       e.code = "WF_HOOK_NOT_FOUND";
       Object.defineProperty(e, Symbol.for("wfkit.error.workflow"), { value: true });
       e`,
      createContext({}),
    ) as Error;
    expect(foreign instanceof Error).toBe(false); // another realm's Error
    expect(foreign).toBeInstanceOf(HookNotFoundError);
    expect(isWorkflowError(foreign)).toBe(true);
  });

  it("survive the event log: a rebuilt error is branded, its name and fields kept", () => {
    const cause = new HookConflictError("tok", "run-1");
    const failed = new WorkflowRunFailedError("run-2", cause);
    const back = deserialize<WorkflowRunFailedError>(serialize(failed, "test"));
    expect(back).toBeInstanceOf(WorkflowRunFailedError);
    expect(back.name).toBe("WorkflowRunFailedError");
    expect(back.runId).toBe("run-2");
    expect(back.cause).toBeInstanceOf(HookConflictError);
    expect(back.cause).toMatchObject({ token: "tok", ownerRunId: "run-1" });
  });

  it("leave errors with a non-wfkit code plain", () => {
    const enoent = Object.assign(new Error("no such file"), { code: "ENOENT" });
    const back = deserialize<Error & { code: string }>(serialize(enoent, "test"));
    expect(back).not.toBeInstanceOf(WorkflowError);
    expect(back.code).toBe("ENOENT");
  });
});
