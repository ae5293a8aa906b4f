import { FatalError, isFatalError, isRetryableError, RetryableError } from "../errors/step-errors.js";
import { brandWorkflowError, isWorkflowError, WorkflowError } from "../errors/workflow-error.js";

const BUILTIN = [
  "Error",
  "TypeError",
  "RangeError",
  "SyntaxError",
  "ReferenceError",
  "EvalError",
  "URIError",
] as const;
const RESERVED = new Set(["name", "message", "stack", "cause"]);

/** The wire form of an error: enough to rebuild it with name, message, stack, cause and own fields. */
export type ErrorRecord = [
  kind: string,
  name: string,
  message: string,
  stack: string | undefined,
  cause: unknown,
  fields: Record<string, unknown>,
];

/** A wfkit code (`WF_…`); other coded errors (Node's `ENOENT`, say) stay plain errors with a `code` field. */
function isWfCode(code: unknown): boolean {
  return typeof code === "string" && code.startsWith("WF_");
}

export function isErrorLike(value: unknown): value is Error {
  return Object.prototype.toString.call(value) === "[object Error]";
}

export function reduceError(error: Error): ErrorRecord {
  const kind = isFatalError(error)
    ? "FatalError"
    : isRetryableError(error)
      ? "RetryableError"
      : isWorkflowError(error) || isWfCode((error as { code?: unknown }).code)
        ? "WorkflowError"
        : (BUILTIN as readonly string[]).includes(error.constructor?.name)
          ? error.constructor.name
          : "Error";
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (!RESERVED.has(key)) fields[key] = (error as unknown as Record<string, unknown>)[key];
  }
  const [name, stack] = classNamed(error);
  return [kind, name, error.message, stack, (error as { cause?: unknown }).cause, fields];
}

/**
 * `class OrderError extends Error {}` keeps the name "Error"; the revived error is
 * a plain Error, so without this its class would be lost. Such an error carries
 * its class name as `name`, and in its stack's first line.
 */
function classNamed(error: Error): [name: string, stack: string | undefined] {
  const className = error.constructor?.name;
  if (
    error.name !== "Error" ||
    !className ||
    className === "Error" ||
    (BUILTIN as readonly string[]).includes(className) ||
    !Object.hasOwn(error.constructor, "prototype")
  ) {
    return [error.name, error.stack];
  }
  const stack = error.stack?.startsWith("Error")
    ? `${className}${error.stack.slice("Error".length)}`
    : error.stack;
  return [className, stack];
}

/** Rebuilds an error in the current realm, so `instanceof` works where it is read. */
export function reviveError([kind, name, message, stack, cause, fields]: ErrorRecord): Error {
  let error: Error;
  const options = cause === undefined ? undefined : { cause };
  if (kind === "FatalError") error = new FatalError(message, options);
  else if (kind === "RetryableError") error = new RetryableError(message, { cause });
  else {
    const Ctor = (globalThis as unknown as Record<string, ErrorConstructor>)[kind] ?? Error;
    error = new Ctor(message, options);
  }
  if (kind === "WorkflowError") {
    // Rebuilt with the brand, so `instanceof WorkflowError` and its coded subclasses hold here too.
    Object.setPrototypeOf(error, WorkflowError.prototype);
    brandWorkflowError(error);
  }
  Object.defineProperty(error, "name", {
    value: name,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  Object.defineProperty(error, "message", {
    value: message,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  if (stack !== undefined) {
    Object.defineProperty(error, "stack", {
      value: stack,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  Object.assign(error, fields);
  return error;
}
