// What a race calls off when it settles. A promise's sources are the sleeps and hook
// waits its value comes from: set where they are made (engine.sleep, SandboxHook.wait)
// and passed down `.then()` chains (the sandbox's Promise.prototype.then, see bootstrap.ts).

/** A wait on a hook that a race can call off, so a later payload is not lost. */
export interface HookWait<T> {
  promise: Promise<T>;
  cancel(): void;
}

/** A wait on a hook, while nobody has answered it. */
export interface TrackedWait {
  /** The engine's activation slice (one per event applied) the wait began in. */
  readonly slice: number;
  /** Order of the wait among all waits of the run. */
  readonly seq: number;
  cancel(): void;
}

/** Where a promise's value comes from: a sleep (by op id) or a wait on a hook. */
export type Source = { sleep: number } | { wait: TrackedWait };

/** What races need from the engine. */
export interface RaceEngine {
  /** Advances once per event applied (and at start): code in one slice ran without a durable wait between. */
  readonly slice: number;
  /** A sleep nobody waits for any more: its timer is removed and it never fires. */
  cancelSleep(opId: number): void;
}

/**
 * The run's races: which promises come from sleeps and hook waits, and what to call
 * off once a race (`Promise.race` / `Promise.any`) has a winner, so a lost sleep never
 * fires and a lost hook wait never takes a payload meant for the next one.
 */
export class Races {
  private readonly sources = new WeakMap<object, Source[]>();
  private readonly waiting = new Set<TrackedWait>();
  private waitSeq = 0;

  constructor(private readonly engine: RaceEngine) {}

  /** Marks `promise` as coming from `source`. */
  tag(promise: object, source: Source): void {
    const list = this.sources.get(promise);
    if (list) list.push(source);
    else this.sources.set(promise, [source]);
  }

  /** A promise made by `.then()` on another comes from the same sources. */
  inherit(from: unknown, to: unknown): void {
    if (!isObject(from) || !isObject(to)) return;
    const list = this.sources.get(from);
    if (list) this.sources.set(to, list);
  }

  /** A new wait on a hook; `untrack` it once answered. */
  track(cancel: () => void): TrackedWait {
    const wait: TrackedWait = { slice: this.engine.slice, seq: ++this.waitSeq, cancel };
    this.waiting.add(wait);
    return wait;
  }

  untrack(wait: TrackedWait): void {
    this.waiting.delete(wait);
  }

  /**
   * `Promise.race` / `Promise.any` over `values`. Once settled it calls off what lost:
   * bare hooks' waits, sleeps and hook waits the items were derived from by `.then()`,
   * and hook waits begun after the call in the same slice (an async helper's
   * `await hook` runs in a microtask after the race was called).
   */
  run(
    values: Iterable<unknown>,
    original: (values: unknown[]) => Promise<unknown>,
    isHook: (v: unknown) => v is { wait(): HookWait<unknown> },
  ): Promise<unknown> {
    const slice = this.engine.slice;
    const after = this.waitSeq;
    const sources: Source[] = [];
    const direct: HookWait<unknown>[] = [];
    const items = [...values].map((value) => {
      if (isHook(value)) {
        const wait = value.wait();
        direct.push(wait);
        return wait.promise;
      }
      if (isObject(value)) sources.push(...(this.sources.get(value) ?? []));
      return value;
    });
    const result = original(items);
    const callOff = () => {
      for (const wait of direct) wait.cancel();
      for (const source of sources) {
        if ("sleep" in source) this.engine.cancelSleep(source.sleep);
        else source.wait.cancel();
      }
      for (const wait of [...this.waiting]) if (wait.slice === slice && wait.seq > after) wait.cancel();
    };
    result.then(callOff, callOff);
    return result;
  }
}

function isObject(value: unknown): value is object {
  return (typeof value === "object" || typeof value === "function") && value !== null;
}
