export { attachTracing } from "./attach.js";
export type { StepSpan, StepTracer } from "./run-tracer.js";
