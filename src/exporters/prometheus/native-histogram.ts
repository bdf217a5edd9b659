import type { NativeHistogram } from "../../snapshot/point-extensions.js";

/**
 * An OpenTelemetry base-2 exponential histogram as a Prometheus native histogram
 * (https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/#exponential-histograms):
 *
 * - `scale` becomes `schema`; Prometheus takes -4..8, so a finer scale is downscaled (neighbouring
 *   buckets merged, 2^(scale-8) into one) and a coarser one cannot be exposed;
 * - OpenTelemetry bucket `i` holds (base^i, base^(i+1)], Prometheus bucket `i` holds
 *   (base^(i-1), base^i]: the same bucket is one index higher in Prometheus;
 * - the dense `offset` + counts become sparse spans and deltas: buckets in runs (`spans`: the gap
 *   since the previous run, then the run's length), each count as its difference from the
 *   previous bucket's (`deltas`). Runs are cut at gaps of more than two empty buckets, as
 *   client_golang does (an empty bucket inside a run costs one delta byte, a new span ~4).
 *
 * Worked example, scale 0 (base 2), offset -1, counts [3, 0, 0, 0, 5, 6]: OpenTelemetry buckets
 * -1, 0, 1, 2, 3, 4 -> Prometheus indexes 0..5; non-empty ones: 0 (3), 4 (5), 5 (6); the gap of 3
 * cuts the run: spans [{offset 0, length 1}, {offset 3, length 2}], deltas [3, 2, 1].
 */
export interface NativeLayout {
  readonly schema: number;
  readonly zeroThreshold: number;
  readonly zeroCount: number;
  /** Spans as offset, length pairs. */
  readonly positiveSpans: readonly number[];
  readonly positiveDeltas: readonly number[];
  readonly negativeSpans: readonly number[];
  readonly negativeDeltas: readonly number[];
}

/** Schemas Prometheus accepts (native histograms, 2.42). */
export const MIN_SCHEMA = -4;
export const MAX_SCHEMA = 8;

/**
 * Default zero-bucket width when the histogram gives none: the spec's 1e-128. Prometheus 2.42
 * needs a zero threshold above 0 to take a histogram with no bucket yet as native (measured:
 * DESIGN §5).
 */
export const DEFAULT_ZERO_THRESHOLD = 1e-128;

/** The native layout of `histogram`, or a reason why it cannot be exposed. */
export function nativeLayout(histogram: NativeHistogram): NativeLayout | string {
  const scale = histogram.scale;
  if (!Number.isInteger(scale) || scale < MIN_SCHEMA) return `scale ${scale} is below ${MIN_SCHEMA}`;
  const shift = scale > MAX_SCHEMA ? scale - MAX_SCHEMA : 0;
  const positive = sparse(histogram.positive?.offset ?? 0, histogram.positive?.bucketCounts ?? [], shift);
  const negative = sparse(histogram.negative?.offset ?? 0, histogram.negative?.bucketCounts ?? [], shift);
  const threshold = histogram.zeroThreshold;
  return {
    schema: scale - shift,
    zeroThreshold: Number.isFinite(threshold) && threshold > 0 ? threshold : DEFAULT_ZERO_THRESHOLD,
    zeroCount: histogram.zeroCount ?? 0,
    positiveSpans: positive.spans,
    positiveDeltas: positive.deltas,
    negativeSpans: negative.spans,
    negativeDeltas: negative.deltas,
  };
}

/** Spans and deltas of dense OpenTelemetry buckets, downscaled by `shift` (merging 2^shift). */
function sparse(
  offset: number,
  counts: readonly number[],
  shift: number,
): { spans: number[]; deltas: number[] } {
  const spans: number[] = [];
  const deltas: number[] = [];
  const divisor = 2 ** shift;
  let previousCount = 0;
  let lastIndex = 0;
  let started = false;
  // Merged bucket being summed (downscaling visits each merged index in one run, in order).
  let pendingIndex = 0;
  let pendingCount = 0;
  const emit = (index: number, count: number) => {
    if (count === 0) return;
    if (!started) {
      spans.push(index, 1);
      started = true;
    } else {
      const gap = index - lastIndex - 1;
      if (gap <= 2) {
        for (let k = 0; k < gap; k++) {
          deltas.push(0 - previousCount);
          previousCount = 0;
        }
        spans[spans.length - 1]! += gap + 1;
      } else {
        spans.push(gap, 1);
      }
    }
    deltas.push(count - previousCount);
    previousCount = count;
    lastIndex = index;
  };
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] ?? 0;
    // Prometheus index of OpenTelemetry bucket offset + i after downscaling: floor(./2^shift) + 1.
    const index = Math.floor((offset + i) / divisor) + 1;
    if (i === 0 || index !== pendingIndex) {
      if (i > 0) emit(pendingIndex, pendingCount);
      pendingIndex = index;
      pendingCount = 0;
    }
    pendingCount += count;
  }
  if (counts.length > 0) emit(pendingIndex, pendingCount);
  return { spans, deltas };
}
