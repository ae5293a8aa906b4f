import type { World } from "@wfkit/world";

/**
 * `world` with some methods replaced. Every other method is bound to `world` once and
 * kept: the runtime reads `world.getRun`, `world.claim`, ... several times per step, and
 * binding on each read cost an allocation each time.
 */
export function worldWith(world: World, overrides: Partial<Record<keyof World, unknown>>): World {
  const bound = new Map<PropertyKey, unknown>(Object.entries(overrides));
  return new Proxy(world, {
    get(target, prop) {
      const known = bound.get(prop);
      if (known !== undefined) return known;
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      const fn = value.bind(target);
      bound.set(prop, fn);
      return fn;
    },
  });
}
