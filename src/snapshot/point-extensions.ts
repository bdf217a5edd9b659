import type { DataPoint, ExponentialHistogram } from "@opentelemetry/sdk-metrics";

/**
 * What the store's data points may carry beyond the OpenTelemetry SDK data model (which has no
 * exemplars and one histogram layout per metric). The recording kernel writes these properties
 * at collection; serializers and the OTLP transport read them through the accessors below, so
 * the contract between both sides lives in this one file.
 */

/** One exemplar: a recorded value with the sampled span it was recorded in. */
export interface Exemplar {
  /** The recorded value (seconds for latency, the increment for a counter). */
  readonly value: number;
  /** When it was recorded, epoch milliseconds. */
  readonly timeUnixMs: number;
  /** W3C trace id, 32 lowercase hex characters. */
  readonly traceId: string;
  /** W3C span id, 16 lowercase hex characters. */
  readonly spanId: string;
}

/** A base-2 exponential histogram as Prometheus native histograms need it (OpenTelemetry's plus the zero bucket's width). */
export interface NativeHistogram extends ExponentialHistogram {
  /** Values with absolute value at or below this count in `zeroCount`; Prometheus 2.42 needs it > 0. */
  readonly zeroThreshold: number;
}

/**
 * Extra properties of a data point:
 * - `exemplars`: histograms, one slot per bucket index (`counts.length` long, sparse); counters,
 *   one slot. Absent when the series has none.
 * - `native`: on a latency histogram point with `nativeHistograms: true`, the same observations
 *   as an exponential histogram (the classic buckets stay for scrapers that do not ask for it).
 *
 * Notes from the recording kernel (turn 2, issue 17), for readers of these properties:
 * - Each slot holds a reservoir-sampled exemplar of the current collection period (every
 *   measurement of the period equally likely), not necessarily the newest; it stays until a later
 *   measurement replaces it, so consecutive scrapes may repeat it. Exemplars come from the
 *   `trace()` span, or the active span for `recordSignal()` (filter `OTEL_METRICS_EXEMPLAR_FILTER`:
 *   `trace_based` by default); a measurement with no span carries none, so `traceId`/`spanId` are
 *   always set. Latency exemplars are on `zoran.latency`; counter ones on `zoran.requests` (value 1,
 *   or the TRAFFIC `requests` count) and `zoran.errors` (the error share).
 * - `native.positive.offset` follows OpenTelemetry: bucket index i counts values in
 *   (2^(i/2^scale), 2^((i+1)/2^scale)]; Prometheus' bucket keys are i + 1. `scale` is at most 8
 *   (Prometheus' largest schema) and lowered so that at most 160 buckets are populated; there are
 *   no negative buckets (latency >= 0); `zeroThreshold` is 2^-128.
 */
export interface PointExtensions {
  readonly exemplars?: readonly (Exemplar | undefined)[];
  readonly native?: NativeHistogram;
}

/** The exemplars of a data point, if the store attached any. */
export function exemplarsOf(point: DataPoint<unknown>): readonly (Exemplar | undefined)[] | undefined {
  return (point as DataPoint<unknown> & PointExtensions).exemplars;
}

/** The native (exponential) form of a histogram data point, if the store attached one. */
export function nativeOf(point: DataPoint<unknown>): NativeHistogram | undefined {
  return (point as DataPoint<unknown> & PointExtensions).native;
}
