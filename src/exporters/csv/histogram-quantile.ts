/**
 * A histogram's explicit-bucket layout, as OpenTelemetry stores it.
 *
 * Worked example: `boundaries = [0.01, 0.02]`, `counts = [3, 5, 1]` means 3 values in
 * (-inf, 0.01], 5 in (0.01, 0.02] and 1 in (0.02, +inf): `counts` has one more entry.
 */
export interface BucketLayout {
  readonly boundaries: readonly number[];
  readonly counts: readonly number[];
  /** Smallest value recorded, when known: clamps the estimate. */
  readonly min?: number | undefined;
  /** Largest value recorded, when known: clamps the estimate. */
  readonly max?: number | undefined;
}

/**
 * Estimates quantile `q` (0..1) of the values behind a bucketed histogram, the way
 * Prometheus' `histogram_quantile()` does: find the bucket holding rank `q * count`, then
 * interpolate linearly inside it. The first bucket starts at 0 (or at `min`), a rank in the
 * overflow bucket returns the highest finite bound (or `max`). Returns `undefined` when the
 * histogram is empty.
 *
 * @example
 * estimateQuantile({ boundaries: [1, 2], counts: [0, 10, 0] }, 0.5); // 1.5
 */
export function estimateQuantile(layout: BucketLayout, q: number): number | undefined {
  const { boundaries, counts } = layout;
  let total = 0;
  for (const c of counts) total += c;
  if (!(total > 0) || !(q >= 0 && q <= 1)) return undefined;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const inBucket = counts[i] ?? 0;
    if (inBucket > 0 && below + inBucket >= rank) {
      const upper = boundaries[i];
      if (upper === undefined) {
        // Overflow bucket: Prometheus answers with the last finite bound; `max` is exact.
        return clamp(layout.max ?? boundaries[boundaries.length - 1] ?? layout.min ?? 0, layout);
      }
      const lower = i === 0 ? Math.min(0, upper) : (boundaries[i - 1] ?? 0);
      const estimate = lower + (upper - lower) * ((rank - below) / inBucket);
      return clamp(estimate, layout);
    }
    below += inBucket;
  }
  return clamp(boundaries[boundaries.length - 1] ?? 0, layout);
}

function clamp(value: number, layout: BucketLayout): number {
  // Interpolation can land outside what was actually recorded; min/max are exact when present.
  let v = value;
  if (layout.min !== undefined && Number.isFinite(layout.min) && v < layout.min) v = layout.min;
  if (layout.max !== undefined && Number.isFinite(layout.max) && v > layout.max) v = layout.max;
  return v;
}
