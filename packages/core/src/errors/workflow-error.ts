import { WORKFLOW_ERROR_KEY } from "../globals.js";
import { docsRef } from "./docs.js";
import { formatErrorMessage } from "./format.js";

/** Marks every WorkflowError, in every realm and every copy of this module. */
const WORKFLOW = WORKFLOW_ERROR_KEY;

/** Whether `value` is a WorkflowError (or one of its subclasses) from any realm. */
export function isWorkflowError(value: unknown): value is WorkflowError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[WORKFLOW] === true;
}

/** Brands an error rebuilt from the event log as a WorkflowError (serialization/errors.ts). */
export function brandWorkflowError(error: Error): void {
  Object.defineProperty(error, WORKFLOW, { value: true });
}

/**
 * An error with a stable code, a statement of what happened and the fix;
 * its message has the shape of `formatErrorMessage()`: Every code has a
 * page, docs/errors/<CODE>.md, shipped inside the installed package.
 *
 * `instanceof` works across the workflow sandbox and across copies of this
 * module: a registered symbol brands the instance, as for FatalError. A
 * subclass that declares `static readonly code` matches every WorkflowError
 * with that code, so `error instanceof HookNotFoundError` also holds for an
 * error rebuilt from the event log.
 *
 * @example
 * try { await resumeHook(token, payload) }
 * catch (error) { if (error instanceof HookNotFoundError) return notFound(); throw error }
 */
export class WorkflowError extends Error {
  /** The stable code, `WF_…`. */
  readonly code: string;
  /** How to fix it, when there is something to say. */
  readonly hint?: string;

  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(formatErrorMessage(code, message, hint), options);
    this.name = "WorkflowError";
    this.code = code;
    if (hint !== undefined) this.hint = hint;
    brandWorkflowError(this);
  }

  /** The stable reference to this code's page, e.g. `@wfkit/core/docs/errors/WF_RUN_NOT_FOUND.md`. */
  get docs(): string {
    return docsRef(this.code);
  }

  /** `instanceof` checks the code, not the prototype: it holds across the workflow sandbox and for errors read back from a run's event log. */
  static [Symbol.hasInstance](this: { prototype: object }, value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class asked about (a subclass too); naming WorkflowError would be wrong.
    // biome-ignore lint/complexity/noUselessThisAlias: the alias carries the one suppression above.
    const target = this;
    if (Object.hasOwn(target, "code")) {
      return isWorkflowError(value) && value.code === (target as { code?: unknown }).code;
    }
    if (target === WorkflowError) return isWorkflowError(value);
    // A plain subclass (WorkflowNextError, UsageError): ordinary class identity.
    return Function.prototype[Symbol.hasInstance].call(target, value);
  }
}
