// `node bench/tracing.bench.mjs seq10`: run.bench.mjs with an OpenTelemetry
// tracer provider registered (spans made and handed to an exporter that drops
// them), to compare with plain `node bench/run.bench.mjs seq10`.
import { trace } from "@opentelemetry/api";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

let exported = 0;
const dropping = {
  export(spans, done) {
    exported += spans.length;
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(dropping)] }),
);
await import("./run.bench.mjs");
console.log(`spans exported: ${exported}`);
