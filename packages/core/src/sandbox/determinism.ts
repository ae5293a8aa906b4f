import { WorkflowError } from "../errors/workflow-error.js";

/** A small, fast seeded PRNG (sfc32); the seed is the run id, so replays draw the same numbers. */
export function seededRandom(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  const next = () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
  let a = next();
  let b = next();
  let c = next();
  let d = next();
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

function forbidden(name: string, fix: string): WorkflowError {
  return new WorkflowError(
    "WF_NONDETERMINISTIC_API",
    `${name} is not available in workflow code: a workflow replays from its event log and must do the same thing every time.`,
    fix,
  );
}

/**
 * Makes this realm's clock, randomness and crypto deterministic and removes
 * timers, I/O and Node globals. `clock` returns the time of the event being applied.
 */
export function installDeterministicGlobals(clock: () => number, random: () => number): void {
  const g = globalThis as Record<string, unknown>;
  const RealDate = Date;
  class WorkflowDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(clock());
      else super(...(args as [string]));
    }
    static override now(): number {
      return clock();
    }
  }
  g.Date = WorkflowDate;
  Math.random = random;

  const getRandomValues = <T extends ArrayBufferView | null>(array: T): T => {
    if (array) {
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    }
    return array;
  };
  const randomUUID = () => {
    const b = getRandomValues(new Uint8Array(16));
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  g.crypto = { getRandomValues, randomUUID };

  const timerFix = 'Use `await sleep("5s")` from "workflow" to wait durably, or move the code into a step.';
  for (const name of ["setTimeout", "setInterval", "setImmediate"]) {
    g[name] = () => {
      throw forbidden(`${name}()`, timerFix);
    };
  }
  g.fetch = () => {
    throw forbidden(
      "The global fetch()",
      'Import `fetch` from "workflow" (it runs the request as a step), or call fetch inside a step.',
    );
  };
  // Buffer is left undefined rather than throwing: libraries probe for it.
  for (const name of ["process", "require"]) {
    Object.defineProperty(g, name, {
      configurable: true,
      get() {
        throw forbidden(
          name,
          `Move code that needs ${name} into a step (a function marked "use step"); steps run as ordinary Node code.`,
        );
      },
    });
  }
}
