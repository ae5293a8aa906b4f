// The realm is shared by every run a sandbox thread hosts (bootstrap.ts), so
// nothing one run can reach may carry anything to the next: after hardenRealm
// (harden.ts) froze what the engine calls, everything reachable from the
// global object and from the realm's own classes is frozen here, and each of
// the realm's global bindings is pinned (what a run adds to the global object
// is its own: run-globals.ts). Runs once per realm, so a deep walk is
// affordable (it cost ~5 ms per run when each run had its own context).

const { freeze, isFrozen, getPrototypeOf, getOwnPropertyDescriptor } = Object;
const { ownKeys, defineProperty } = Reflect;

/** Freezes `root`, its prototype chain and everything reachable from its properties (without calling getters). */
export function deepFreeze(root: unknown): void {
  const todo: unknown[] = [root];
  const seen = new Set<object>();
  while (todo.length > 0) {
    const value = todo.pop();
    if ((typeof value !== "object" && typeof value !== "function") || value === null) continue;
    if (seen.has(value) || value === globalThis) continue;
    seen.add(value);
    if (!isFrozen(value)) {
      try {
        freeze(value);
      } catch {
        // A typed array with elements cannot be frozen; none is shared, so nothing is lost.
      }
    }
    todo.push(getPrototypeOf(value));
    for (const key of ownKeys(value)) {
      const desc = getOwnPropertyDescriptor(value, key);
      if (!desc) continue;
      if ("value" in desc) todo.push(desc.value);
      else todo.push(desc.get, desc.set);
    }
  }
}

/**
 * Pins every global binding but `except` (taken off later by the host): workflow
 * code (strict) that assigns or redefines one gets a TypeError.
 */
export function lockGlobal(except: readonly string[]): void {
  const g = globalThis as Record<PropertyKey, unknown>;
  for (const key of ownKeys(g)) {
    if (typeof key === "string" && except.includes(key)) continue;
    const desc = getOwnPropertyDescriptor(g, key);
    if (!desc) continue;
    if ("value" in desc) {
      deepFreeze(desc.value);
      if (desc.configurable || desc.writable)
        defineProperty(g, key, { writable: false, configurable: false });
    } else {
      deepFreeze(desc.get);
      deepFreeze(desc.set);
      if (desc.configurable) defineProperty(g, key, { configurable: false });
    }
  }
}
