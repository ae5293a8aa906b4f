// TransformStream and the text streams in workflow code, built on the sandbox's
// readable and writable (made in the run's realm). Enough for libraries that
// subclass TransformStream when they load, and for piping in workflow code.
import { SandboxTextDecoder, SandboxTextEncoder } from "../text.js";
import { SandboxReadableStream, type SandboxReadableStreamDefaultController } from "./readable.js";
import { callOptional, deferred, quietly } from "./shared.js";
import { SandboxWritableStream } from "./writable.js";

interface Transformer<I, O> {
  start?(controller: SandboxTransformStreamDefaultController<O>): unknown;
  transform?(chunk: I, controller: SandboxTransformStreamDefaultController<O>): unknown;
  flush?(controller: SandboxTransformStreamDefaultController<O>): unknown;
  cancel?(reason: unknown): unknown;
}

type StrategyInit<T> = { highWaterMark?: number; size?: (chunk: T) => number };

export class SandboxTransformStreamDefaultController<O> {
  readonly #readable: SandboxReadableStreamDefaultController<O>;
  readonly #failWritable: (error: unknown) => void;
  constructor(readable: SandboxReadableStreamDefaultController<O>, failWritable: (error: unknown) => void) {
    if (typeof failWritable !== "function") throw new TypeError("Illegal constructor.");
    this.#readable = readable;
    this.#failWritable = failWritable;
  }
  get desiredSize(): number | null {
    return this.#readable.desiredSize;
  }
  enqueue(chunk: O): void {
    this.#readable.enqueue(chunk);
  }
  error(reason?: unknown): void {
    this.#readable.error(reason);
    this.#failWritable(reason);
  }
  terminate(): void {
    try {
      this.#readable.close();
    } catch {
      // closed already
    }
    this.#failWritable(new TypeError("The TransformStream was terminated."));
  }
}

export class SandboxTransformStream<I = unknown, O = unknown> {
  readonly #readable: SandboxReadableStream<O>;
  readonly #writable: SandboxWritableStream<I>;

  constructor(
    transformer?: Transformer<I, O>,
    writableStrategy?: StrategyInit<I>,
    readableStrategy?: StrategyInit<O>,
  ) {
    let readableController!: SandboxReadableStreamDefaultController<O>;
    let failWritable: (error: unknown) => void = () => {};
    this.#readable = new SandboxReadableStream<O>(
      {
        start: (c) => void (readableController = c),
        cancel: (reason) => {
          failWritable(reason);
          return callOptional(transformer, "cancel", [reason]);
        },
      },
      readableStrategy ?? { highWaterMark: 0 },
    );
    const controller = new SandboxTransformStreamDefaultController<O>(readableController, (error) =>
      failWritable(error),
    );
    const started = deferred<void>();
    this.#writable = new SandboxWritableStream<I>(
      {
        start: (c) => {
          failWritable = (error) => c.error(error);
          return started.promise;
        },
        write: (chunk) =>
          typeof transformer?.transform === "function"
            ? callOptional(transformer, "transform", [chunk, controller])
            : controller.enqueue(chunk as unknown as O),
        close: () =>
          callOptional(transformer, "flush", [controller]).then(() => {
            try {
              readableController.close();
            } catch {
              // terminated or errored by the transformer already
            }
          }),
        abort: (reason) => {
          readableController.error(reason);
          return callOptional(transformer, "cancel", [reason]);
        },
      },
      writableStrategy,
    );
    // start() runs now, like the spec's; writes wait until it settles.
    const start = transformer?.start;
    const result = typeof start === "function" ? start.call(transformer, controller) : undefined;
    quietly(Promise.resolve(result)).then(
      () => started.resolve(),
      (error) => {
        readableController.error(error);
        started.reject(error);
      },
    );
  }

  get readable(): SandboxReadableStream<O> {
    return this.#readable;
  }
  get writable(): SandboxWritableStream<I> {
    return this.#writable;
  }
  get [Symbol.toStringTag](): string {
    return "TransformStream";
  }
}

/** Strings in, UTF-8 bytes out. */
export class SandboxTextEncoderStream extends SandboxTransformStream<string, Uint8Array> {
  constructor() {
    const encoder = new SandboxTextEncoder();
    super({
      transform(chunk, controller) {
        const text = String(chunk);
        if (text) controller.enqueue(encoder.encode(text));
      },
    });
  }
  get encoding(): string {
    return "utf-8";
  }
  override get [Symbol.toStringTag](): string {
    return "TextEncoderStream";
  }
}

/** UTF-8 bytes in, strings out; a character split across chunks comes out whole. */
export class SandboxTextDecoderStream extends SandboxTransformStream<Uint8Array, string> {
  readonly #decoder: SandboxTextDecoder;
  constructor(label = "utf-8", options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    const decoder = new SandboxTextDecoder(label, options);
    super({
      transform(chunk, controller) {
        const text = decoder.decode(chunk, { stream: true });
        if (text) controller.enqueue(text);
      },
      flush(controller) {
        const text = decoder.decode();
        if (text) controller.enqueue(text);
      },
    });
    this.#decoder = decoder;
  }
  get encoding(): string {
    return this.#decoder.encoding;
  }
  get fatal(): boolean {
    return this.#decoder.fatal;
  }
  get ignoreBOM(): boolean {
    return this.#decoder.ignoreBOM;
  }
  override get [Symbol.toStringTag](): string {
    return "TextDecoderStream";
  }
}
