/**
 * Errors users throw from steps to steer retries. They are recognised by a
 * registered symbol, not by class identity, so `instanceof` works across the
 * workflow sandbox boundary and across duplicate copies of this module.
 */
import { FATAL_ERROR_KEY, RETRYABLE_ERROR_KEY } from "../globals.js";

const FATAL = FATAL_ERROR_KEY;
const RETRYABLE = RETRYABLE_ERROR_KEY;

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** Branded, or (as the `workflow` package checks) an Error-like value with this name. */
function isNamed(value: unknown, brand: symbol, name: string): boolean {
  return (
    hasBrand(value, brand) ||
    (typeof value === "object" &&
      value !== null &&
      (value as { name?: unknown }).name === name &&
      typeof (value as { message?: unknown }).message === "string")
  );
}

/** Thrown from a step: the step fails at once and is never retried. */
export class FatalError extends Error {
  /** Always `true`: how the runtime tells a fatal error from others, whatever realm made it. */
  declare readonly fatal: true;
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FatalError";
    Object.defineProperty(this, FATAL, { value: true });
    Object.defineProperty(this, "fatal", { value: true, enumerable: false });
  }
  /** `instanceof` checks a brand, not the prototype: it holds across the workflow sandbox and for errors read back from a run's event log. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, FATAL);
  }
  /** True for a FatalError, from any realm or copy of this module (the `workflow` package's guard). */
  static is(value: unknown): value is FatalError {
    return isNamed(value, FATAL, "FatalError");
  }
}

/** Options of {@link RetryableError}. */
export interface RetryableErrorOptions {
  /** When to try again: milliseconds from now, a duration string ("5s", "1m") or a Date. */
  retryAfter?: number | string | Date;
  cause?: unknown;
}

/** Thrown from a step: retry it, optionally after a given delay instead of the default backoff. */
export class RetryableError extends Error {
  /** When to try again (milliseconds from now, a duration string or a Date); the default backoff when unset. */
  readonly retryAfter?: number | string | Date;
  constructor(message?: string, options: RetryableErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RetryableError";
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
    Object.defineProperty(this, RETRYABLE, { value: true });
  }
  /** `instanceof` checks a brand, not the prototype: it holds across the workflow sandbox and for errors read back from a run's event log. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, RETRYABLE);
  }
  /** True for a RetryableError, from any realm or copy of this module (the `workflow` package's guard). */
  static is(value: unknown): value is RetryableError {
    return isNamed(value, RETRYABLE, "RetryableError");
  }
}

export function isFatalError(value: unknown): boolean {
  return hasBrand(value, FATAL);
}
export function isRetryableError(value: unknown): boolean {
  return hasBrand(value, RETRYABLE);
}
