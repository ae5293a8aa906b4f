// ReadableStream in workflow code, made in the run's realm (the host's would carry
// the host's intrinsics in). A compact take on the WHATWG default stream: a queue,
// pull on demand, one reader at a time, async iteration, pipeTo/pipeThrough and tee.
// No byte streams (BYOB readers), no timers: everything moves on microtasks, so
// a replay does the same thing in the same order.
import {
  callOptional,
  closedOf,
  type Deferred,
  deferred,
  noop,
  quietly,
  type Strategy,
  strategyOf,
} from "./shared.js";

type ReadResult<T> = { done: false; value: T } | { done: true; value: undefined };

interface UnderlyingSource<T> {
  start?(controller: SandboxReadableStreamDefaultController<T>): unknown;
  pull?(controller: SandboxReadableStreamDefaultController<T>): unknown;
  cancel?(reason: unknown): unknown;
  type?: string;
}

/** The internal state of one stream, kept off the object so user code cannot reach it. */
class ReadableState<T> {
  state: "readable" | "closed" | "errored" = "readable";
  queue: { chunk: T; size: number }[] = [];
  queued = 0;
  error: unknown;
  reader: SandboxReadableStreamDefaultReader<T> | undefined;
  reads: Deferred<ReadResult<T>>[] = [];
  closed: Deferred<void> | undefined;
  started = false;
  pulling = false;
  pullAgain = false;
  closeRequested = false;
  disturbed = false;
  constructor(
    readonly source: UnderlyingSource<T> | undefined,
    readonly strategy: Strategy<T>,
  ) {}
  controller!: SandboxReadableStreamDefaultController<T>;

  desiredSize(): number | null {
    if (this.state === "errored") return null;
    if (this.state === "closed") return 0;
    return this.strategy.highWaterMark - this.queued;
  }

  enqueue(chunk: T): void {
    if (this.closeRequested || this.state !== "readable")
      throw new TypeError("The stream is closed or closing; it takes no more chunks.");
    const read = this.reads.shift();
    if (read) read.resolve({ done: false, value: chunk });
    else {
      let size: number;
      try {
        size = this.strategy.size(chunk);
      } catch (error) {
        this.fail(error);
        throw error;
      }
      this.queue.push({ chunk, size });
      this.queued += size;
    }
    this.pullIfNeeded();
  }

  requestClose(): void {
    if (this.closeRequested || this.state !== "readable")
      throw new TypeError("The stream is closed or closing already.");
    this.closeRequested = true;
    if (this.queue.length === 0) this.finishClose();
  }

  finishClose(): void {
    if (this.state !== "readable") return;
    this.state = "closed";
    for (const read of this.reads.splice(0)) read.resolve({ done: true, value: undefined });
    this.closed?.resolve();
  }

  fail(error: unknown): void {
    if (this.state !== "readable") return;
    this.state = "errored";
    this.error = error;
    this.queue = [];
    this.queued = 0;
    for (const read of this.reads.splice(0)) read.reject(error);
    if (this.closed) {
      quietly(this.closed.promise);
      this.closed.reject(error);
    }
  }

  read(): Promise<ReadResult<T>> {
    this.disturbed = true;
    if (this.state === "closed") return Promise.resolve({ done: true, value: undefined });
    if (this.state === "errored") return Promise.reject(this.error);
    const head = this.queue.shift();
    if (head) {
      this.queued -= head.size;
      if (this.closeRequested && this.queue.length === 0) this.finishClose();
      else this.pullIfNeeded();
      return Promise.resolve({ done: false, value: head.chunk });
    }
    const read = deferred<ReadResult<T>>();
    this.reads.push(read);
    this.pullIfNeeded();
    return read.promise;
  }

  pullIfNeeded(): void {
    if (!this.started || this.state !== "readable" || this.closeRequested) return;
    if (this.reads.length === 0 && (this.desiredSize() ?? 0) <= 0) return;
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    this.pulling = true;
    callOptional(this.source, "pull", [this.controller]).then(
      () => {
        this.pulling = false;
        if (this.pullAgain) {
          this.pullAgain = false;
          this.pullIfNeeded();
        }
      },
      (error) => this.fail(error),
    );
  }

  cancel(reason: unknown): Promise<void> {
    this.disturbed = true;
    if (this.state === "closed") return Promise.resolve();
    if (this.state === "errored") return Promise.reject(this.error);
    this.queue = [];
    this.queued = 0;
    this.finishClose();
    return callOptional(this.source, "cancel", [reason]).then(noop);
  }
}

const states = new WeakMap<object, ReadableState<unknown>>();

function stateOf<T>(stream: object, method: string): ReadableState<T> {
  const state = states.get(stream);
  if (!state)
    throw new TypeError(
      `ReadableStream.prototype.${method} called on an object that is not a ReadableStream.`,
    );
  return state as ReadableState<T>;
}

export class SandboxReadableStreamDefaultController<T> {
  readonly #state: ReadableState<T>;
  /** Made by the stream only (the spec's controllers are not constructible either). */
  constructor(state: ReadableState<T>) {
    if (!(state instanceof ReadableState)) throw new TypeError("Illegal constructor.");
    this.#state = state;
  }
  get desiredSize(): number | null {
    return this.#state.desiredSize();
  }
  enqueue(chunk: T): void {
    this.#state.enqueue(chunk);
  }
  close(): void {
    this.#state.requestClose();
  }
  error(reason?: unknown): void {
    this.#state.fail(reason);
  }
}

export class SandboxReadableStreamDefaultReader<T> {
  #state: ReadableState<T> | undefined;
  readonly #closed: Deferred<void>;

  constructor(stream: SandboxReadableStream<T>) {
    const state = stateOf<T>(stream, "getReader");
    if (state.reader) throw new TypeError("The stream is locked to another reader.");
    this.#state = state;
    state.reader = this;
    this.#closed = closedOf(state);
    state.closed = this.#closed;
  }
  get closed(): Promise<void> {
    return this.#closed.promise;
  }
  read(): Promise<ReadResult<T>> {
    if (!this.#state) return Promise.reject(new TypeError("The reader was released."));
    return this.#state.read();
  }
  cancel(reason?: unknown): Promise<void> {
    if (!this.#state) return Promise.reject(new TypeError("The reader was released."));
    return this.#state.cancel(reason);
  }
  releaseLock(): void {
    const state = this.#state;
    if (!state) return;
    const released = new TypeError("The reader was released.");
    for (const read of state.reads.splice(0)) read.reject(released);
    if (state.state === "readable") {
      quietly(this.#closed.promise);
      this.#closed.reject(released);
    }
    state.reader = undefined;
    state.closed = undefined;
    this.#state = undefined;
  }
}

interface WritableLike<T> {
  readonly locked: boolean;
  getWriter(): {
    write(chunk: T): Promise<void>;
    close(): Promise<void>;
    abort(reason?: unknown): Promise<void>;
    releaseLock(): void;
  };
}

interface PipeOptions {
  preventClose?: boolean;
  preventAbort?: boolean;
  preventCancel?: boolean;
}

export class SandboxReadableStream<T = unknown> {
  constructor(
    source?: UnderlyingSource<T>,
    strategy?: { highWaterMark?: number; size?: (chunk: T) => number },
  ) {
    const state = new ReadableState<T>(source ?? undefined, strategyOf(strategy, 1));
    states.set(this, state as ReadableState<unknown>);
    state.controller = new SandboxReadableStreamDefaultController(state);
    // start() runs now (a throw leaves the constructor); pulling waits until it settles.
    const start = source?.start;
    const started = typeof start === "function" ? start.call(source, state.controller) : undefined;
    Promise.resolve(started).then(
      () => {
        state.started = true;
        state.pullIfNeeded();
      },
      (error) => state.fail(error),
    );
  }

  /** A stream of the values of an iterable or async iterable. */
  static from<T>(iterable: Iterable<T> | AsyncIterable<T>): SandboxReadableStream<T> {
    const asyncIt = (iterable as AsyncIterable<T>)[Symbol.asyncIterator];
    const iterator = (asyncIt ? asyncIt.call(iterable) : (iterable as Iterable<T>)[Symbol.iterator]()) as
      | AsyncIterator<T>
      | Iterator<T>;
    return new SandboxReadableStream<T>(
      {
        async pull(controller) {
          const next = await iterator.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
        async cancel(reason) {
          await iterator.return?.(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }

  get locked(): boolean {
    return stateOf(this, "locked").reader !== undefined;
  }

  getReader(options?: { mode?: string }): SandboxReadableStreamDefaultReader<T> {
    if (options?.mode !== undefined)
      throw new TypeError("Workflow code's ReadableStream has default readers only (no BYOB).");
    return new SandboxReadableStreamDefaultReader(this);
  }

  cancel(reason?: unknown): Promise<void> {
    const state = stateOf<T>(this, "cancel");
    if (state.reader) return Promise.reject(new TypeError("Cannot cancel a locked stream."));
    return state.cancel(reason);
  }

  async pipeTo(dest: WritableLike<T>, options: PipeOptions = {}): Promise<void> {
    if (this.locked || dest.locked) throw new TypeError("pipeTo() needs an unlocked source and destination.");
    const reader = this.getReader();
    const writer = dest.getWriter();
    try {
      for (;;) {
        let next: ReadResult<T>;
        try {
          next = await reader.read();
        } catch (error) {
          if (!options.preventAbort) await writer.abort(error).catch(noop);
          throw error;
        }
        if (next.done) {
          if (!options.preventClose) await writer.close();
          return;
        }
        try {
          await writer.write(next.value);
        } catch (error) {
          if (!options.preventCancel) await reader.cancel(error).catch(noop);
          throw error;
        }
      }
    } finally {
      reader.releaseLock();
      writer.releaseLock();
    }
  }

  pipeThrough<U>(
    pair: { writable: WritableLike<T>; readable: SandboxReadableStream<U> },
    options?: PipeOptions,
  ): SandboxReadableStream<U> {
    quietly(this.pipeTo(pair.writable, options));
    return pair.readable;
  }

  tee(): [SandboxReadableStream<T>, SandboxReadableStream<T>] {
    const reader = this.getReader();
    const controllers: SandboxReadableStreamDefaultController<T>[] = [];
    const canceled = [false, false];
    const reasons: unknown[] = [undefined, undefined];
    let reading = false;
    let done = false;
    const pull = async () => {
      if (reading || done) return;
      reading = true;
      try {
        const next = await reader.read();
        if (next.done) done = true;
        for (let i = 0; i < controllers.length; i++) {
          if (canceled[i]) continue;
          if (next.done) controllers[i]!.close();
          else controllers[i]!.enqueue(next.value);
        }
      } catch (error) {
        done = true;
        for (const c of controllers) c.error(error);
      } finally {
        reading = false;
      }
    };
    const branch = (i: number) =>
      new SandboxReadableStream<T>(
        {
          start: (c) => void (controllers[i] = c),
          pull,
          cancel: (reason) => {
            canceled[i] = true;
            reasons[i] = reason;
            if (canceled[0] && canceled[1]) return reader.cancel(reasons);
          },
        },
        { highWaterMark: 0 },
      );
    return [branch(0), branch(1)];
  }

  values(options: { preventCancel?: boolean } = {}): AsyncIterableIterator<T> {
    const reader = this.getReader();
    const finish = () => reader.releaseLock();
    return {
      async next() {
        try {
          const next = await reader.read();
          if (next.done) finish();
          return next as IteratorResult<T>;
        } catch (error) {
          finish();
          throw error;
        }
      },
      async return(value?: unknown) {
        if (!options.preventCancel) await reader.cancel(value);
        finish();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this.values();
  }

  get [Symbol.toStringTag](): string {
    return "ReadableStream";
  }
}
