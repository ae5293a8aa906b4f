// Freezes the intrinsics the runtime shares with workflow code in one run's realm,
// so workflow code cannot change how the engine behaves (an overridden
// Array.prototype.push once left runs stuck) nor open a path out of the sandbox
// (Error.prepareStackTrace). Runs once, after the bootstrap installed its globals.

import { STREAM_GLOBALS, WEB_GLOBALS } from "./global-names.js";

const g = globalThis as Record<string, unknown>;

/**
 * Assigning `obj.toString = f` fails when a frozen prototype has a `toString`
 * data property (the "override mistake"). Each writable data property of a
 * prototype becomes a getter/setter pair whose setter defines the property on
 * the receiver, so ordinary code that shadows inherited members keeps working.
 */
function tameOverrides(proto: object, keys: readonly string[]): void {
  for (const key of keys) {
    const desc = Reflect.getOwnPropertyDescriptor(proto, key);
    if (!desc || !("value" in desc) || !desc.writable || !desc.configurable) continue;
    const value = desc.value as unknown;
    Reflect.defineProperty(proto, key, {
      configurable: false,
      enumerable: desc.enumerable,
      get: function getter() {
        return value;
      },
      set: function setter(this: unknown, next: unknown) {
        if (this === proto)
          throw new TypeError(`Cannot change ${String(key)}: built-ins are frozen in workflow code.`);
        if (typeof this !== "object" && typeof this !== "function") return;
        Reflect.defineProperty(this as object, key, {
          value: next,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      },
    });
  }
}

/** The globals pinned in workflow code (their global bindings cannot be replaced). */
export const FROZEN_GLOBALS = [
  "Object",
  "Function",
  "Array",
  "Promise",
  "Map",
  "Set",
  "WeakMap",
  "WeakSet",
  "WeakRef",
  "FinalizationRegistry",
  "Symbol",
  "String",
  "Number",
  "Boolean",
  "BigInt",
  "RegExp",
  "Date",
  "JSON",
  "Reflect",
  "Proxy",
  "Math",
  "ArrayBuffer",
  "SharedArrayBuffer",
  "DataView",
  "Atomics",
  "Uint8Array",
  "Int8Array",
  "Uint8ClampedArray",
  "Uint16Array",
  "Int16Array",
  "Uint32Array",
  "Int32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
  ...WEB_GLOBALS,
  "Request",
  "Response",
  ...STREAM_GLOBALS,
  "crypto",
  "console",
  "encodeURIComponent",
  "decodeURIComponent",
  "encodeURI",
  "decodeURI",
  "parseInt",
  "parseFloat",
  "isNaN",
  "isFinite",
  "Error",
  "TypeError",
  "RangeError",
  "SyntaxError",
  "ReferenceError",
  "EvalError",
  "URIError",
  "AggregateError",
] as const;

// Only the members ordinary code shadows are tamed: changing others (then,
// Symbol.iterator, constructor of Array/Promise) would turn off V8 fast paths
// for the whole process.
const OBJECT_KEYS = [
  "toString",
  "valueOf",
  "toLocaleString",
  "constructor",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
];
const ERROR_KEYS = ["name", "message", "toString", "constructor"];
const ERRORS = [
  "Error",
  "TypeError",
  "RangeError",
  "SyntaxError",
  "ReferenceError",
  "EvalError",
  "URIError",
  "AggregateError",
];

/** Freezes the shared intrinsics; call once, before workflow code runs. */
export function hardenRealm(): void {
  // Error.prepareStackTrace would hand workflow code the raw stack frames: pin it off.
  for (const name of ERRORS) {
    const ctor = g[name] as { prototype: object } | undefined;
    if (!ctor) continue;
    Reflect.defineProperty(ctor, "prepareStackTrace", {
      value: undefined,
      writable: false,
      configurable: false,
    });
    tameOverrides(ctor.prototype, ERROR_KEYS);
  }
  tameOverrides(Object.prototype, OBJECT_KEYS);
  tameOverrides(Function.prototype, ["toString"]);
  // Shallow freezes of what the engine itself calls: a deep walk of every
  // intrinsic cost ~5 ms per run (each run has its own realm).
  for (const item of [
    Object.prototype,
    Array.prototype,
    Function.prototype,
    Promise,
    Promise.prototype,
    Map.prototype,
    Set.prototype,
    WeakMap.prototype,
    String.prototype,
    Number.prototype,
    JSON,
    Reflect,
    Object,
    Array,
    Reflect.getPrototypeOf([][Symbol.iterator]()),
    Reflect.getPrototypeOf(Reflect.getPrototypeOf([][Symbol.iterator]()) as object),
    Reflect.getPrototypeOf(new Map()[Symbol.iterator]()),
    Uint8Array.prototype,
    Reflect.getPrototypeOf(Uint8Array.prototype),
  ]) {
    if (item) Object.freeze(item);
  }
  for (const name of FROZEN_GLOBALS) {
    const desc = Reflect.getOwnPropertyDescriptor(g, name);
    if (!desc) continue;
    // A global made on first use (the stream classes, polyfills.ts) keeps its getter, without a setter.
    if (desc.get) Reflect.defineProperty(g, name, { get: desc.get, set: undefined, configurable: false });
    else Reflect.defineProperty(g, name, { writable: false, configurable: false });
  }
}
