import type { Attributes } from "@opentelemetry/api";
import type { SlabAllocator } from "./slab-allocator.js";

/**
 * Layout of one histogram series in its slab, for `n` bucket bounds:
 *
 *   [ count(v <= b0), count(b0 < v <= b1), ..., count(v > b[n-1]), sum, count, min, max ]
 *     index 0          index 1                  index n              n+1  n+2    n+3  n+4
 *
 * Bucket counts are per bucket (not cumulative), as OpenTelemetry's `Histogram.buckets.counts`;
 * the Prometheus serializer accumulates them into `le` buckets. Upper bounds are inclusive
 * (a value equal to a bound falls in that bound's bucket), as in both OpenTelemetry and Prometheus.
 */
export function histogramStride(boundCount: number): number {
  return boundCount + 5;
}

/** Initial slab values of a histogram series: min starts at +Infinity, max at -Infinity. */
export function histogramInitial(boundCount: number): number[] {
  const initial = new Array<number>(histogramStride(boundCount)).fill(0);
  initial[boundCount + 3] = Number.POSITIVE_INFINITY;
  initial[boundCount + 4] = Number.NEGATIVE_INFINITY;
  return initial;
}

/**
 * One histogram series: a pre-resolved handle whose `record()` is a bucket search and four
 * stores, with no attribute lookup and no clock read (~8 ns floor, docs/benchmarks.md).
 */
export class HistogramSeries {
  readonly data: Float64Array;
  readonly offset: number;

  constructor(
    /** The series' labels: a frozen object reused by every snapshot (serializers cache by identity). */
    readonly attributes: Attributes,
    /** Bucket upper bounds, ascending; shared by every series of the metric. */
    readonly bounds: Float64Array,
    slab: SlabAllocator,
  ) {
    const { data, offset } = slab.allocate();
    this.data = data;
    this.offset = offset;
  }

  /** Adds one observation. `value` must already be a finite number >= 0 (the caller validates). */
  record(value: number): void {
    const bounds = this.bounds;
    const n = bounds.length;
    const data = this.data;
    const o = this.offset;
    // Linear scan: for <= 16 bounds it beats a binary search (bench/record.bench.ts).
    let i = 0;
    while (i < n && value > bounds[i]!) i++;
    data[o + i]!++;
    data[o + n + 1]! += value;
    data[o + n + 2]!++;
    if (value < data[o + n + 3]!) data[o + n + 3] = value;
    if (value > data[o + n + 4]!) data[o + n + 4] = value;
  }

  /** Number of observations so far. */
  get count(): number {
    return this.data[this.offset + this.bounds.length + 2]!;
  }
}

/** The overflow series of a histogram: also counts how many observations it absorbed. */
export class OverflowHistogramSeries extends HistogramSeries {
  measurements = 0;

  override record(value: number): void {
    this.measurements++;
    super.record(value);
  }
}
