// Globals a run adds are the run's own. Libraries write globals when they load
// (zod keeps its registry on `globalThis.__zod_globalRegistry`), so the shared
// realm's global object stays extensible; its own bindings are pinned
// (lockdown.ts), and what a run adds is moved off the global when another run is
// selected, and put back when the run is selected again: no run sees another's.

const g = globalThis as Record<PropertyKey, unknown>;
const { ownKeys, deleteProperty, defineProperty, getPrototypeOf, setPrototypeOf } = Reflect;
const { getOwnPropertyDescriptor } = Object;

/** What a run added to the global object, while another run is selected. */
export interface GlobalsBag {
  props: Array<[PropertyKey, PropertyDescriptor]>;
  proto: object | null;
}

let base: Set<PropertyKey> | undefined;
let baseProto: object | null = null;
/** The run whose additions are on the global object now. */
let installed: { globals?: GlobalsBag } | undefined;

/** The realm's own globals are the ones there now (after the bootstrap, before any run). */
function baseline(): Set<PropertyKey> {
  if (!base) {
    base = new Set(ownKeys(g));
    baseProto = getPrototypeOf(g);
  }
  return base;
}

/** Makes `run`'s additions the global object's: moves the previous run's off, puts `run`'s back. */
export function selectGlobals(run: { globals?: GlobalsBag }): void {
  if (installed === run) return;
  const known = baseline();
  const keys = ownKeys(g);
  const proto = getPrototypeOf(g);
  let props: GlobalsBag["props"] | undefined;
  if (keys.length !== known.size || proto !== baseProto) {
    props = [];
    for (const key of keys) {
      if (known.has(key)) continue;
      props.push([key, getOwnPropertyDescriptor(g, key)!]);
      // Always configurable: definitions on the global are made so (guardGlobal).
      if (!deleteProperty(g, key))
        throw new Error(`The workflow realm could not take off the global ${String(key)}.`);
    }
    if (proto !== baseProto) setPrototypeOf(g, baseProto);
  }
  if (installed) installed.globals = props || proto !== baseProto ? { props: props ?? [], proto } : undefined;
  installed = run;
  const bag = run.globals;
  if (!bag) return;
  for (const [key, desc] of bag.props) defineProperty(g, key, desc);
  if (bag.proto !== baseProto) setPrototypeOf(g, bag.proto);
  run.globals = undefined;
}

/**
 * Keeps the global object swappable: a property defined on it stays configurable, and
 * it cannot be made non-extensible, sealed or frozen (one run would decide for all).
 * Wraps the intrinsics before they are frozen.
 */
export function guardGlobal(): void {
  const O = Object as unknown as Record<string, Function>;
  const R = Reflect as unknown as Record<string, Function>;
  const configurable = (target: unknown, desc: PropertyDescriptor): PropertyDescriptor =>
    target === g && desc && typeof desc === "object" ? { ...desc, configurable: true } : desc;
  const define = O.defineProperty as (o: object, k: PropertyKey, d: PropertyDescriptor) => object;
  const defineAll = O.defineProperties as (o: object, d: Record<PropertyKey, PropertyDescriptor>) => object;
  const reflectDefine = R.defineProperty as (o: object, k: PropertyKey, d: PropertyDescriptor) => boolean;
  replace(O, "defineProperty", function defineProperty(o: object, k: PropertyKey, d: PropertyDescriptor) {
    return define(o, k, configurable(o, d));
  });
  replace(R, "defineProperty", function defineProperty(o: object, k: PropertyKey, d: PropertyDescriptor) {
    return reflectDefine(o, k, configurable(o, d));
  });
  replace(
    O,
    "defineProperties",
    function defineProperties(o: object, d: Record<PropertyKey, PropertyDescriptor>) {
      if (o !== g || !d || typeof d !== "object") return defineAll(o, d);
      for (const key of ownKeys(d)) {
        const desc = getOwnPropertyDescriptor(d, key);
        if (desc?.enumerable) define(o, key, configurable(o, d[key as string] as PropertyDescriptor));
      }
      return o;
    },
  );
  for (const [target, names] of [
    [O, ["preventExtensions", "seal", "freeze"]],
    [R, ["preventExtensions"]],
  ] as const) {
    for (const name of names) {
      const original = target[name] as (o: unknown) => unknown;
      replace(
        target,
        name,
        {
          [name](o: unknown) {
            if (o === g)
              throw new TypeError(
                `Workflow code cannot ${name} the global object: the runs of a bundle share it.`,
              );
            return original(o);
          },
        }[name] as Function,
      );
    }
  }
}

function replace(target: Record<string, Function>, name: string, fn: Function): void {
  defineProperty(target, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
