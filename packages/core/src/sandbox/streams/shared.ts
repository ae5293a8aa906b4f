// Pieces the sandbox's WHATWG stream classes share. Everything here runs in the
// run's own realm: promises and errors are the realm's, so no host object is reachable.

/** A promise with its settle functions, for the waits a stream keeps (reads, writes, `closed`). */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A rejection nobody may wait for (a `closed` promise): marked handled so it never reports. */
export function quietly<T>(promise: Promise<T>): Promise<T> {
  promise.then(undefined, () => {});
  return promise;
}

export function noop(): void {}

/** `{ highWaterMark, size }` of a queuing strategy, with the spec's defaults. */
export interface Strategy<T> {
  highWaterMark: number;
  size: (chunk: T) => number;
}

export function strategyOf<T>(
  strategy: { highWaterMark?: number; size?: (chunk: T) => number } | undefined,
  defaultMark: number,
): Strategy<T> {
  const mark = strategy?.highWaterMark === undefined ? defaultMark : Number(strategy.highWaterMark);
  if (Number.isNaN(mark) || mark < 0) throw new RangeError("highWaterMark must be a non-negative number.");
  const size = strategy?.size;
  return { highWaterMark: mark, size: typeof size === "function" ? (chunk) => Number(size(chunk)) : () => 1 };
}

/** Calls an optional method of a source, sink or transformer with it as `this`; a throw becomes a rejection. */
export function callOptional(target: object | undefined, name: string, args: unknown[]): Promise<unknown> {
  const method = target ? (target as Record<string, unknown>)[name] : undefined;
  if (method === undefined || method === null) return Promise.resolve(undefined);
  if (typeof method !== "function") return Promise.reject(new TypeError(`${name} must be a function.`));
  try {
    return Promise.resolve(method.apply(target, args));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The queuing strategies of the spec: the size of a chunk is 1, or its byteLength. */
export class SandboxCountQueuingStrategy {
  readonly highWaterMark: number;
  constructor(init: { highWaterMark: number }) {
    this.highWaterMark = Number(init.highWaterMark);
  }
  get size(): (chunk: unknown) => number {
    return () => 1;
  }
}

export class SandboxByteLengthQueuingStrategy {
  readonly highWaterMark: number;
  constructor(init: { highWaterMark: number }) {
    this.highWaterMark = Number(init.highWaterMark);
  }
  get size(): (chunk: { byteLength: number }) => number {
    return (chunk) => chunk.byteLength;
  }
}

/** The `closed` promise a new reader or writer hands out: settled already if its stream is. */
export function closedOf(stream: { state: string; error: unknown }): Deferred<void> {
  const closed = deferred<void>();
  if (stream.state === "closed") closed.resolve();
  if (stream.state === "errored") {
    quietly(closed.promise);
    closed.reject(stream.error);
  }
  return closed;
}
