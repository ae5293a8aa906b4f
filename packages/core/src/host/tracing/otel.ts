// The parts of `@opentelemetry/api` the runtime uses, loaded on first need.
// The package is an optional peer dependency: when the app does not have it, the
// import fails once, quietly, and nothing is traced (no wrapper, no per-run cost).

/** A span's identity, as `@opentelemetry/api` has it. */
export interface OtelSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
  traceState?: { serialize(): string };
}

export type OtelAttributes = Record<string, string | number | boolean>;
export type OtelTime = number | Date;

/** An OpenTelemetry span (the calls the runtime makes). */
export interface OtelSpan {
  spanContext(): OtelSpanContext;
  isRecording(): boolean;
  setAttribute(key: string, value: string | number | boolean): OtelSpan;
  addEvent(name: string, attributes?: OtelAttributes, time?: OtelTime): OtelSpan;
  recordException(exception: { name?: string; message: string; stack?: string }, time?: OtelTime): void;
  setStatus(status: { code: number; message?: string }): OtelSpan;
  end(time?: OtelTime): void;
}

/** An OpenTelemetry context (opaque here). */
export type OtelContext = object;

interface OtelTracer {
  startSpan(
    name: string,
    options?: { attributes?: OtelAttributes; startTime?: OtelTime; root?: boolean },
    context?: OtelContext,
  ): OtelSpan;
}

/** The `@opentelemetry/api` module, as far as the runtime uses it. */
export interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): OtelTracer;
    /** The global provider: a proxy whose `getDelegateTracer` is undefined until an SDK registers one. */
    getTracerProvider(): { getDelegateTracer?: (name: string) => unknown };
    setSpan(context: OtelContext, span: OtelSpan): OtelContext;
    setSpanContext(context: OtelContext, spanContext: OtelSpanContext): OtelContext;
  };
  context: {
    active(): OtelContext;
    with<T>(context: OtelContext, fn: () => T): T;
  };
  createTraceState?: (raw?: string) => { serialize(): string };
  ROOT_CONTEXT: OtelContext;
  SpanStatusCode: { OK: number; ERROR: number };
}

// A specifier TypeScript and bundlers do not resolve ahead: the package may be absent.
const OTEL_API: string = "@opentelemetry/api";
let loading: Promise<OtelApi | undefined> | undefined;

/** `@opentelemetry/api` if the app has it, else undefined; imported once per process. */
export function loadOtelApi(): Promise<OtelApi | undefined> {
  loading ??= import(OTEL_API).then(
    (mod: { default?: OtelApi } & Partial<OtelApi>) => {
      const api = (mod.trace ? mod : mod.default) as OtelApi | undefined;
      return api?.trace && api.context ? api : undefined;
    },
    () => undefined,
  );
  return loading;
}
