/** The smallest and largest values recorded, when the histogram knows them (OpenTelemetry min/max). */
export interface RecordedRange {
  readonly min?: number | undefined;
  readonly max?: number | undefined;
}

/**
 * The one quantile estimator (CSV, console, the live page, alert rules): estimates `quantile`
 * (0..1) of values counted in histogram buckets the way PromQL's `histogram_quantile` does
 * (https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile): find the
 * bucket holding rank `quantile * total`, then interpolate linearly inside it, assuming values
 * spread evenly between its bounds. The first bucket starts at 0; a rank in the overflow bucket
 * (above the last bound) returns the last bound, the largest value the buckets can name. When
 * the recorded min and max are known (cumulative snapshots), the estimate is clamped to them and
 * the overflow bucket answers `max`; deltas (the window) have no min/max and are not clamped.
 *
 * Worked example: bounds `[1, 2, 4]`, counts `[2, 2, 4, 0]` (8 values). p50 is rank 4, the last
 * value of bucket (1, 2]: 1 + (2 - 1) * (4 - 2) / 2 = 2. p75 is rank 6, in (2, 4] holding ranks
 * 5..8: 2 + (4 - 2) * (6 - 4) / 4 = 3.
 *
 * @param bounds finite inclusive upper bounds, ascending (OpenTelemetry `buckets.boundaries`)
 * @param counts per-bucket counts (not cumulative), `bounds.length + 1` of them
 * @returns the estimate, or `undefined` when the buckets are empty or `quantile` is outside [0, 1]
 */
export function histogramQuantile(
  quantile: number,
  bounds: ArrayLike<number>,
  counts: ArrayLike<number>,
  recorded: RecordedRange = {},
): number | undefined {
  if (!(quantile >= 0 && quantile <= 1)) return undefined;
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] ?? 0;
  if (!(total > 0)) return undefined;
  const rank = quantile * total;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    const count = counts[i] ?? 0;
    if (below + count >= rank && count > 0) {
      const upper = bounds[i] ?? 0;
      const lower = i === 0 ? Math.min(0, upper) : (bounds[i - 1] ?? 0);
      return clamp(lower + ((upper - lower) * (rank - below)) / count, recorded);
    }
    below += count;
  }
  // Rank lies in the overflow bucket: like PromQL, the highest finite bound (`max` when known).
  const last = bounds.length > 0 ? bounds[bounds.length - 1] : undefined;
  const overflow = Number.isFinite(recorded.max) ? recorded.max : last;
  return overflow === undefined ? undefined : clamp(overflow, recorded);
}

/** Interpolation can land outside what was recorded; min and max are exact when known. */
function clamp(value: number, recorded: RecordedRange): number {
  let v = value;
  if (recorded.min !== undefined && Number.isFinite(recorded.min) && v < recorded.min) v = recorded.min;
  if (recorded.max !== undefined && Number.isFinite(recorded.max) && v > recorded.max) v = recorded.max;
  return v;
}

/**
 * Share (0..1) of the values counted in histogram buckets that lie above `threshold`, with
 * linear interpolation inside the bucket that holds `threshold` (exact when it is a bound).
 * Used for latency SLOs: the share of requests slower than the objective's threshold.
 *
 * @returns the share, or `undefined` when the buckets are empty
 */
export function histogramShareAbove(
  threshold: number,
  bounds: ArrayLike<number>,
  counts: ArrayLike<number>,
): number | undefined {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] ?? 0;
  if (!(total > 0)) return undefined;
  let atOrBelow = 0;
  for (let i = 0; i < bounds.length; i++) {
    const upper = bounds[i] ?? 0;
    const count = counts[i] ?? 0;
    if (threshold >= upper) {
      atOrBelow += count;
      continue;
    }
    const lower = i === 0 ? Math.min(0, upper) : (bounds[i - 1] ?? 0);
    if (threshold > lower) atOrBelow += (count * (threshold - lower)) / (upper - lower);
    break;
  }
  return Math.max(0, 1 - atOrBelow / total);
}
