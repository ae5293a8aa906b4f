// Globals a run adds are the run's own. Libraries write globals when they load
// (zod keeps its registry on `globalThis.__zod_globalRegistry`), so the shared
// realm's global object stays extensible; its own bindings are pinned
// (lockdown.ts), and what a run adds is moved off the global when another run is
// selected, and put back when the run is selected again: no run sees another's.
//
// Which keys a run added is tracked as they are added, not found by listing the
// global's keys at every switch: that listing (about 150 keys of a dictionary-mode
// object) was a quarter of a sandbox thread's CPU when runs interleave. A new key
// comes by assignment (which, the key not being the global's own, reaches the
// global's prototype: a Proxy here whose `set` notes it), or by the definition
// functions guardGlobal wraps. A run that replaces the global's prototype gets the
// full listing again, and so does every switch where an assignment to the global does
// not reach its prototype (checked once, by a probe: a contextified global's
// interceptors could take it first on some Node versions).

const g = globalThis as Record<PropertyKey, unknown>;
const { ownKeys, deleteProperty, defineProperty, getPrototypeOf, setPrototypeOf, set } = Reflect;
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
/** Keys the installed run may have on the global object: put back, assigned or defined. */
const touched = new Set<PropertyKey>();
/** Whether assignments of new keys reach the Proxy (guardGlobal's probe); if not, every switch lists the keys. */
let tracking = false;

/** The realm's own globals are the ones there now (after the bootstrap, before any run). */
function baseline(): Set<PropertyKey> {
  if (!base) {
    base = new Set(ownKeys(g));
    baseProto = getPrototypeOf(g);
  }
  return base;
}

/** The installed run's additions, taken off the global object. */
function takeOff(known: Set<PropertyKey>, proto: object | null): GlobalsBag["props"] {
  // Past the tracked paths (another prototype took the assignments): every key is looked at.
  const keys = tracking && proto === baseProto ? touched : ownKeys(g);
  const props: GlobalsBag["props"] = [];
  for (const key of keys) {
    if (known.has(key)) continue;
    const desc = getOwnPropertyDescriptor(g, key);
    if (!desc) continue;
    props.push([key, desc]);
    // Always configurable: definitions on the global are made so (guardGlobal).
    if (!deleteProperty(g, key))
      throw new Error(`The workflow realm could not take off the global ${String(key)}.`);
  }
  touched.clear();
  return props;
}

/** Makes `run`'s additions the global object's: moves the previous run's off, puts `run`'s back. */
export function selectGlobals(run: { globals?: GlobalsBag }): void {
  if (installed === run) return;
  const known = baseline();
  const proto = getPrototypeOf(g);
  const props = !tracking || touched.size > 0 || proto !== baseProto ? takeOff(known, proto) : [];
  if (proto !== baseProto) setPrototypeOf(g, baseProto);
  if (installed) installed.globals = props.length > 0 || proto !== baseProto ? { props, proto } : undefined;
  installed = run;
  const bag = run.globals;
  if (!bag) return;
  for (const [key, desc] of bag.props) {
    defineProperty(g, key, desc);
    touched.add(key);
  }
  if (bag.proto !== baseProto) setPrototypeOf(g, bag.proto);
  run.globals = undefined;
}

/**
 * Keeps the global object swappable: a property defined on it stays configurable, and
 * it cannot be made non-extensible, sealed or frozen (one run would decide for all).
 * Wraps the intrinsics before they are frozen, and notes the keys added to the global.
 */
export function guardGlobal(): void {
  const O = Object as unknown as Record<string, Function>;
  const R = Reflect as unknown as Record<string, Function>;
  // The key is made a property key once, so what is noted is what is defined.
  const noted = (key: PropertyKey): PropertyKey => {
    const k = typeof key === "symbol" ? key : String(key);
    touched.add(k);
    return k;
  };
  const configurable = (desc: PropertyDescriptor): PropertyDescriptor =>
    desc && typeof desc === "object" ? { ...desc, configurable: true } : desc;
  const define = O.defineProperty as (o: object, k: PropertyKey, d: PropertyDescriptor) => object;
  const defineAll = O.defineProperties as (o: object, d: Record<PropertyKey, PropertyDescriptor>) => object;
  const reflectDefine = R.defineProperty as (o: object, k: PropertyKey, d: PropertyDescriptor) => boolean;
  replace(O, "defineProperty", function defineProperty(o: object, k: PropertyKey, d: PropertyDescriptor) {
    return o === g ? define(o, noted(k), configurable(d)) : define(o, k, d);
  });
  replace(R, "defineProperty", function defineProperty(o: object, k: PropertyKey, d: PropertyDescriptor) {
    return o === g ? reflectDefine(o, noted(k), configurable(d)) : reflectDefine(o, k, d);
  });
  const P = Object.prototype as unknown as Record<string, Function>;
  for (const name of ["__defineGetter__", "__defineSetter__"]) {
    const original = P[name];
    if (typeof original !== "function") continue;
    replace(
      P,
      name,
      {
        [name](this: unknown, key: PropertyKey, fn: Function) {
          return original.call(this, this === g ? noted(key) : key, fn);
        },
      }[name] as Function,
    );
  }
  replace(
    O,
    "defineProperties",
    function defineProperties(o: object, d: Record<PropertyKey, PropertyDescriptor>) {
      if (o !== g || !d || typeof d !== "object") return defineAll(o, d);
      for (const key of ownKeys(d)) {
        const desc = getOwnPropertyDescriptor(d, key);
        if (desc?.enumerable) define(o, noted(key), configurable(d[key as string] as PropertyDescriptor));
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
  noteAssignments();
}

/**
 * An assignment of a key the global does not have reaches its prototype: a Proxy there notes
 * it. Whether it does on this Node is checked once, by a probe (`tracking`).
 */
function noteAssignments(): void {
  const proto = getPrototypeOf(g);
  if (proto !== null)
    setPrototypeOf(
      g,
      new Proxy(proto, {
        set(target, key, value, receiver) {
          if (receiver === g) touched.add(key);
          return set(target, key, value, receiver);
        },
      }),
    );
  const probe = "__wfkitGlobalsProbe";
  g[probe] = true;
  tracking = touched.has(probe);
  deleteProperty(g, probe);
  touched.clear();
}

function replace(target: Record<string, Function>, name: string, fn: Function): void {
  defineProperty(target, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
