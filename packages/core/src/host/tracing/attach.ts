import type { World } from "@wfkit/world";
import type { LifecycleObserver } from "../lifecycle-log.js";
import { loadOtelApi } from "./otel.js";
import { RunTracer, type StepTracer } from "./run-tracer.js";

/**
 * Turns runs and step attempts into OpenTelemetry spans when the app has
 * `@opentelemetry/api`: the tracer observes the lifecycle log's commits and the
 * step executor's attempts. Resolves once that is decided (the runtime waits for
 * it in `recover()`); without the package, nothing is attached.
 */
export async function attachTracing(
  lifecycle: { observer: LifecycleObserver | undefined },
  steps: { tracer: StepTracer | undefined },
  world: World,
): Promise<void> {
  const api = await loadOtelApi();
  if (!api) return;
  const tracer = new RunTracer(api, world);
  lifecycle.observer = tracer;
  steps.tracer = tracer;
}
