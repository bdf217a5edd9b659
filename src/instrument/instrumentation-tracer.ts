import type { Tracer } from "@opentelemetry/api";
import type { Recorder } from "../recording/recorder.js";

/**
 * The tracer the HTTP helpers start their server and client spans with: the collector's own
 * (so the spans go wherever the collector's spans go, with or without `register()`), which does
 * not record when the collector has `tracing: false` or is disabled.
 */
export function instrumentationTracer(collector: Recorder): Tracer {
  return collector.tracer;
}
