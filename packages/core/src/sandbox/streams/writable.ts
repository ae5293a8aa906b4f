// WritableStream in workflow code, made in the run's realm: a queue of writes
// handed to the sink one at a time, close after the last, abort and errors.
// Backpressure is reported (desiredSize) but `ready` never waits: nothing in a
// workflow's realm can drain a sink on its own time, so a wait could only stall.
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

interface UnderlyingSink<T> {
  start?(controller: SandboxWritableStreamDefaultController): unknown;
  write?(chunk: T, controller: SandboxWritableStreamDefaultController): unknown;
  close?(): unknown;
  abort?(reason: unknown): unknown;
}

class WritableState<T> {
  state: "writable" | "closed" | "errored" = "writable";
  queue: { chunk: T; size: number; done: Deferred<void> }[] = [];
  queued = 0;
  error: unknown;
  started = false;
  inFlight = false;
  closeRequest: Deferred<void> | undefined;
  writer: SandboxWritableStreamDefaultWriter<T> | undefined;
  closed: Deferred<void> | undefined;
  controller!: SandboxWritableStreamDefaultController;
  constructor(
    readonly sink: UnderlyingSink<T> | undefined,
    readonly strategy: Strategy<T>,
  ) {}

  desiredSize(): number | null {
    if (this.state === "errored") return null;
    if (this.state === "closed") return 0;
    return this.strategy.highWaterMark - this.queued;
  }

  write(chunk: T): Promise<void> {
    if (this.state === "errored") return Promise.reject(this.error);
    if (this.state === "closed" || this.closeRequest)
      return Promise.reject(new TypeError("The stream is closed or closing; it takes no more writes."));
    let size: number;
    try {
      size = this.strategy.size(chunk);
    } catch (error) {
      this.fail(error);
      return Promise.reject(error);
    }
    const done = deferred<void>();
    this.queue.push({ chunk, size, done });
    this.queued += size;
    this.advance();
    return done.promise;
  }

  close(): Promise<void> {
    if (this.state === "errored") return Promise.reject(this.error);
    if (this.state === "closed" || this.closeRequest)
      return Promise.reject(new TypeError("The stream is closed or closing already."));
    this.closeRequest = deferred<void>();
    this.advance();
    return this.closeRequest.promise;
  }

  /** Hands the next write (or the close, once the queue is empty) to the sink. */
  advance(): void {
    if (!this.started || this.inFlight || this.state !== "writable") return;
    const next = this.queue.shift();
    if (next) {
      this.inFlight = true;
      callOptional(this.sink, "write", [next.chunk, this.controller]).then(
        () => {
          this.inFlight = false;
          this.queued -= next.size;
          next.done.resolve();
          this.advance();
        },
        (error) => {
          this.inFlight = false;
          next.done.reject(error);
          this.fail(error);
        },
      );
      return;
    }
    const request = this.closeRequest;
    if (!request) return;
    this.inFlight = true;
    callOptional(this.sink, "close", []).then(
      () => {
        this.inFlight = false;
        if (this.state !== "writable") return;
        this.state = "closed";
        request.resolve();
        this.closed?.resolve();
      },
      (error) => {
        this.inFlight = false;
        this.fail(error);
      },
    );
  }

  fail(error: unknown): void {
    if (this.state !== "writable") return;
    this.state = "errored";
    this.error = error;
    for (const item of this.queue.splice(0)) {
      quietly(item.done.promise);
      item.done.reject(error);
    }
    this.queued = 0;
    if (this.closeRequest) {
      quietly(this.closeRequest.promise);
      this.closeRequest.reject(error);
    }
    if (this.closed) {
      quietly(this.closed.promise);
      this.closed.reject(error);
    }
  }

  abort(reason: unknown): Promise<void> {
    if (this.state !== "writable") return Promise.resolve();
    this.fail(reason);
    return callOptional(this.sink, "abort", [reason]).then(noop);
  }
}

const states = new WeakMap<object, WritableState<unknown>>();

function stateOf<T>(stream: object, method: string): WritableState<T> {
  const state = states.get(stream);
  if (!state)
    throw new TypeError(
      `WritableStream.prototype.${method} called on an object that is not a WritableStream.`,
    );
  return state as WritableState<T>;
}

export class SandboxWritableStreamDefaultController {
  readonly #fail: (error: unknown) => void;
  constructor(fail: (error: unknown) => void) {
    if (typeof fail !== "function") throw new TypeError("Illegal constructor.");
    this.#fail = fail;
  }
  error(reason?: unknown): void {
    this.#fail(reason);
  }
}

export class SandboxWritableStreamDefaultWriter<T> {
  #state: WritableState<T> | undefined;
  readonly #closed: Deferred<void>;

  constructor(stream: SandboxWritableStream<T>) {
    const state = stateOf<T>(stream, "getWriter");
    if (state.writer) throw new TypeError("The stream is locked to another writer.");
    this.#state = state;
    state.writer = this;
    this.#closed = closedOf(state);
    state.closed = this.#closed;
  }
  get closed(): Promise<void> {
    return this.#closed.promise;
  }
  get ready(): Promise<void> {
    const state = this.#state;
    if (!state) return Promise.reject(new TypeError("The writer was released."));
    return state.state === "errored" ? quietly(Promise.reject(state.error)) : Promise.resolve();
  }
  get desiredSize(): number | null {
    if (!this.#state) throw new TypeError("The writer was released.");
    return this.#state.desiredSize();
  }
  write(chunk: T): Promise<void> {
    if (!this.#state) return Promise.reject(new TypeError("The writer was released."));
    return this.#state.write(chunk);
  }
  close(): Promise<void> {
    if (!this.#state) return Promise.reject(new TypeError("The writer was released."));
    return this.#state.close();
  }
  abort(reason?: unknown): Promise<void> {
    if (!this.#state) return Promise.reject(new TypeError("The writer was released."));
    return this.#state.abort(reason);
  }
  releaseLock(): void {
    const state = this.#state;
    if (!state) return;
    if (state.state === "writable") {
      quietly(this.#closed.promise);
      this.#closed.reject(new TypeError("The writer was released."));
    }
    state.writer = undefined;
    state.closed = undefined;
    this.#state = undefined;
  }
}

export class SandboxWritableStream<T = unknown> {
  constructor(sink?: UnderlyingSink<T>, strategy?: { highWaterMark?: number; size?: (chunk: T) => number }) {
    const state = new WritableState<T>(sink ?? undefined, strategyOf(strategy, 1));
    states.set(this, state as WritableState<unknown>);
    state.controller = new SandboxWritableStreamDefaultController((error) => state.fail(error));
    const start = sink?.start;
    const started = typeof start === "function" ? start.call(sink, state.controller) : undefined;
    Promise.resolve(started).then(
      () => {
        state.started = true;
        state.advance();
      },
      (error) => state.fail(error),
    );
  }

  get locked(): boolean {
    return stateOf(this, "locked").writer !== undefined;
  }

  getWriter(): SandboxWritableStreamDefaultWriter<T> {
    return new SandboxWritableStreamDefaultWriter(this);
  }

  close(): Promise<void> {
    const state = stateOf<T>(this, "close");
    if (state.writer) return Promise.reject(new TypeError("Cannot close a locked stream."));
    return state.close();
  }

  abort(reason?: unknown): Promise<void> {
    const state = stateOf<T>(this, "abort");
    if (state.writer) return Promise.reject(new TypeError("Cannot abort a locked stream."));
    return state.abort(reason);
  }

  get [Symbol.toStringTag](): string {
    return "WritableStream";
  }
}
