// A span's identity to and from a stored W3C trace context (`traceparent`,
// `tracestate`), done here rather than by the app's propagator, which may be unset.
import type { TraceContext } from "@wfkit/world";
import type { OtelApi, OtelContext, OtelSpanContext } from "./otel.js";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The trace context to store for a span. */
export function toTraceContext(span: OtelSpanContext): TraceContext {
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, "0");
  const state = span.traceState?.serialize();
  return { traceparent: `00-${span.traceId}-${span.spanId}-${flags}`, ...(state && { tracestate: state }) };
}

/** A context whose (remote) parent span is the stored one; the root context if it is unreadable. */
export function fromTraceContext(api: OtelApi, stored: TraceContext | undefined): OtelContext {
  const match = stored && TRACEPARENT.exec(stored.traceparent);
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return api.ROOT_CONTEXT;
  const traceState = stored.tracestate && api.createTraceState?.(stored.tracestate);
  return api.trace.setSpanContext(api.ROOT_CONTEXT, {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16),
    isRemote: true,
    ...(traceState && { traceState }),
  });
}
