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
 *   one slot (the newest exemplar).
 * - `native`: on a latency histogram point with `nativeHistograms: true`, the same observations
 *   as an exponential histogram (the classic buckets stay for scrapers that do not ask for it).
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
