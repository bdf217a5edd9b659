import type { Tracer } from "@opentelemetry/api";
import type { TelemetryCollector } from "../collector/telemetry-collector.js";
import { INSTRUMENTATION_SCOPE } from "../signals/metric-definitions.js";

const TRACERS = new WeakMap<TelemetryCollector, Tracer>();

/**
 * The tracer the HTTP helpers start their server and client spans with: the collector's own
 * tracer provider under the library's instrumentation scope, so the spans go wherever the
 * collector's spans go (OTLP, ...), with or without `register()`.
 */
export function instrumentationTracer(collector: TelemetryCollector): Tracer {
  let tracer = TRACERS.get(collector);
  if (tracer === undefined) {
    tracer = collector.tracerProvider.getTracer(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version);
    TRACERS.set(collector, tracer);
  }
  return tracer;
}
