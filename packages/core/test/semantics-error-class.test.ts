import { describe, expect, it } from "vitest";
import { classById } from "../src/serialization/classes.js";
import { testRuntime } from "./runtime-helpers.js";

// A user's error class thrown in a step is re-created in the workflow when the class is
// available there (registered by the serde convention): `instanceof` holds in workflow code
// and for the run's error. Without the convention it stays a named error.

const PAYMENT = "class//semantics//PaymentError";

describe("a user's error class thrown in a step", () => {
  it("is an instance of its class in workflow code", async () => {
    const { runtime, id } = await testRuntime(["semantics.ts"], { retry: { maxRetries: 0 } });
    try {
      const run = await runtime.start(id("semantics.ts", "catchPaymentError"), [42]);
      expect(await runtime.getRun(run.runId).returnValue).toEqual({
        isPaymentError: true,
        isError: true,
        name: "PaymentError",
        message: "card declined for 42",
        amount: 42,
      });
    } finally {
      await runtime.close();
    }
  });

  it("is an instance of its class as the run's error (run.returnValue's cause)", async () => {
    const { runtime, id } = await testRuntime(["semantics.ts"], { retry: { maxRetries: 0 } });
    try {
      const run = await runtime.start(id("semantics.ts", "rethrowPaymentError"), [7]);
      const error = await runtime.getRun(run.runId).returnValue.then(
        () => undefined,
        (e: unknown) => e,
      );
      // The run's failure wraps what the workflow threw (WorkflowRunFailedError, as documented).
      expect((error as { code?: string }).code).toBe("WF_RUN_FAILED");
      const cause = (error as { cause?: unknown }).cause;
      const PaymentError = classById(PAYMENT) as new (...args: never[]) => Error;
      expect(PaymentError).toBeTypeOf("function");
      expect(cause).toBeInstanceOf(PaymentError);
      expect((cause as { amount: number }).amount).toBe(7);
      expect((cause as Error).message).toBe("card declined for 7");
    } finally {
      await runtime.close();
    }
  });

  it("without the convention, arrives as an Error (not a WorkflowError) with the class's name", async () => {
    const { runtime, id } = await testRuntime(["semantics.ts"], { retry: { maxRetries: 0 } });
    try {
      const run = await runtime.start(id("semantics.ts", "catchShippingError"));
      expect(await runtime.getRun(run.runId).returnValue).toEqual({
        isShippingError: false,
        isWorkflowError: false,
        isError: true,
        name: "ShippingError",
        message: "no courier",
      });
    } finally {
      await runtime.close();
    }
  });
});

describe("a serde error class the workflow realm does not load", () => {
  it("arrives in workflow code as an error with its name, message and fields", async () => {
    const { runtime, id } = await testRuntime(["semantics.ts"], { retry: { maxRetries: 0 } });
    try {
      const run = await runtime.start(id("semantics.ts", "catchStepOnlyError"));
      expect(await runtime.getRun(run.runId).returnValue).toEqual({
        isError: true,
        name: "RefundError",
        message: "refund refused for o-1",
        orderId: "o-1",
      });
    } finally {
      await runtime.close();
    }
  });

  it("rethrown, reaches run.returnValue as an instance of its class where the class is loaded", async () => {
    const { runtime, id } = await testRuntime(["semantics.ts"], { retry: { maxRetries: 0 } });
    try {
      const run = await runtime.start(id("semantics.ts", "rethrowStepOnlyError"));
      const error = await runtime.getRun(run.runId).returnValue.then(
        () => undefined,
        (e: unknown) => e,
      );
      const cause = (error as { cause?: unknown }).cause;
      const RefundError = classById("class//semantics-errors//RefundError") as new (
        ...args: never[]
      ) => Error;
      expect(RefundError).toBeTypeOf("function");
      expect(cause).toBeInstanceOf(RefundError);
      expect((cause as { orderId: string }).orderId).toBe("o-2");
    } finally {
      await runtime.close();
    }
  });
});
