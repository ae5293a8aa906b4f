import { WorkflowError } from "../errors/workflow-error.js";
import { CARRIED_CLASS_KEY, CLASS_REGISTRY_KEY, DESERIALIZE_KEY, SERIALIZE_KEY } from "../globals.js";
import { type ErrorRecord, isErrorLike, reduceError, reviveError } from "./errors.js";

// Classes that cross as values, by the `@workflow/serde` convention: a class with
// static `[Symbol.for("workflow-serialize")](instance)` and
// `[Symbol.for("workflow-deserialize")](data)` methods. The compiler registers such
// classes (and classes with step methods) under a class id, `class//<file>//<Name>`,
// in every realm that loads their file (`__wf.registerClass`). Realm-neutral: in the
// workflow sandbox the registry, the class and its methods are the sandbox's own.

type ClassRegistry = Map<string, Function>;

function classRegistry(): ClassRegistry {
  const g = globalThis as Record<symbol, unknown>;
  let registry = g[CLASS_REGISTRY_KEY] as ClassRegistry | undefined;
  if (!(registry instanceof Map)) {
    registry = new Map();
    Object.defineProperty(g, CLASS_REGISTRY_KEY, { value: registry, configurable: true, writable: true });
  }
  return registry;
}

/** Records `cls` under `id` in this realm and tags it with `classId` (what the serializer writes). */
export function registerClassAs(cls: Function, id: string): void {
  classRegistry().set(id, cls);
  Object.defineProperty(cls, "classId", { value: id, enumerable: false, configurable: true });
}

/** The class registered under `id` in this realm. */
export function classById(id: string): Function | undefined {
  return classRegistry().get(id);
}

/**
 * An instance of a class this realm has not loaded (a class only step files
 * import reaches the workflow sandbox this way): it keeps the class id and the
 * serialized data, and is serialized back to exactly that, so the realm that
 * knows the class gets its instance.
 */
export class CarriedInstance {
  constructor(
    /** The class id (`class//<file>//<Name>`). */
    readonly classId: string,
    /** What the class's `workflow-serialize` method returned. */
    readonly data: unknown,
  ) {
    Object.defineProperty(this, CARRIED_CLASS_KEY, { value: true });
  }
}

function ownClassId(cls: unknown): string | undefined {
  const id = (cls as { classId?: unknown } | null)?.classId;
  return typeof id === "string" ? id : undefined;
}

/** Reducer: a class (the value itself, e.g. `this` of a static step) that was registered. */
export function reduceClass(value: unknown): false | [string] {
  if (typeof value !== "function" || typeof (value as { stepId?: unknown }).stepId === "string") return false;
  const id = Object.hasOwn(value, "classId") ? ownClassId(value) : undefined;
  return id !== undefined && [id];
}

/**
 * An error of a serde class this realm has not loaded, rebuilt as a named error: it keeps
 * the class id and data here, so serialized again it reaches a realm that has the class.
 */
const CARRIED_ERROR = Symbol("wfkit.carriedError");

interface CarriedError {
  classId: string;
  data: unknown;
}

/**
 * Reducer: an instance of a class with `workflow-serialize`, or a carried one. An error
 * also carries its error record (name, message, stack, fields): a realm without the
 * class still gets an `Error`, and one with it gets the thrower's stack.
 */
export function reduceInstance(value: unknown): false | [string, unknown] | [string, unknown, ErrorRecord] {
  if (typeof value !== "object" || value === null) return false;
  if ((value as Record<symbol, unknown>)[CARRIED_CLASS_KEY] === true) {
    const carried = value as CarriedInstance;
    return [carried.classId, carried.data];
  }
  const carriedError = (value as Record<symbol, CarriedError | undefined>)[CARRIED_ERROR];
  if (carriedError) return [carriedError.classId, carriedError.data, reduceError(value as Error)];
  const cls = (value as { constructor?: unknown }).constructor;
  if (typeof cls !== "function") return false;
  const serialize = (cls as unknown as Record<symbol, unknown>)[SERIALIZE_KEY];
  if (typeof serialize !== "function") return false;
  const id = ownClassId(cls);
  if (id === undefined) {
    throw new WorkflowError(
      "WF_SERIALIZE_UNKNOWN_CLASS",
      `The class ${cls.name || "(anonymous)"} has a workflow-serialize method but no class id, so no other realm could find it to rebuild the instance.`,
      "Declare the class at the top level of a file the workflow compiler transforms (a workflow or step file, or a file they import), with a name: the compiler registers it.",
    );
  }
  const data = serialize.call(cls, value);
  return isErrorLike(value) ? [id, data, reduceError(value)] : [id, data];
}

/** Reviver of {@link reduceClass}. */
export function reviveClass([id]: [string]): Function {
  const cls = classById(id);
  if (cls) return cls;
  throw new WorkflowError(
    "WF_SERIALIZE_UNKNOWN_CLASS",
    `The class ${id} is not loaded where this value was read.`,
    "Import the file that declares the class from the workflow or step file that receives it.",
  );
}

/**
 * Reviver of {@link reduceInstance}: the class rebuilds it, or it is carried as it is (an
 * error as a named error, as errors of other classes are).
 */
export function reviveInstance([id, data, error]: [string, unknown, ErrorRecord?]): unknown {
  const cls = classById(id);
  const deserialize = cls && (cls as unknown as Record<symbol, unknown>)[DESERIALIZE_KEY];
  if (typeof deserialize === "function") {
    const value = deserialize.call(cls, data);
    // The stack where it was thrown, not where it was rebuilt.
    if (error?.[3] !== undefined && isErrorLike(value)) {
      Object.defineProperty(value, "stack", { value: error[3], writable: true, configurable: true });
    }
    return value;
  }
  if (error) {
    const revived = reviveError(error);
    Object.defineProperty(revived, CARRIED_ERROR, { value: { classId: id, data } satisfies CarriedError });
    return revived;
  }
  return new CarriedInstance(id, data);
}
