import type { World } from "@wfkit/world";

type Gated = "append" | "createRun";

/**
 * `world` with the calls of `method` that `holds` picks held until `release()`; the others
 * pass at once. `held()` counts the calls held so far. For tests that need a write to stay
 * uncommitted while they look at what the runtime did meanwhile.
 */
export function holdingCalls<M extends Gated>(
  world: World,
  method: M,
  holds: (arg: Parameters<World[M]>[0]) => boolean = () => true,
) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  const wrapped = new Proxy(world, {
    get(target, key, receiver) {
      if (key !== method) return Reflect.get(target, key, receiver);
      const call = (target[method] as (arg: Parameters<World[M]>[0]) => unknown).bind(target);
      return async (arg: Parameters<World[M]>[0]) => {
        if (holds(arg)) {
          held++;
          await released;
        }
        return call(arg);
      };
    },
  });
  return { world: wrapped, release, held: () => held };
}
