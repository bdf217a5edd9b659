/**
 * Values at or below this count in the zero bucket: 2^-128, as Prometheus' client_golang
 * (`DefNativeHistogramZeroThreshold`). Prometheus 2.42 ingests a family as native only when the
 * zero threshold is above 0 (DESIGN §5); a latency of exactly 0 lands here.
 */
export const ZERO_THRESHOLD = 2 ** -128;

/**
 * Finest scale used: Prometheus native histograms accept schemas -4 to 8, so one histogram serves
 * both OTLP (`ExponentialHistogram`, which would allow 20) and the protobuf exposition.
 */
export const MAX_SCALE = 8;

/** Most buckets per series before the scale is lowered (Prometheus' usual `max buckets`). @default 160 */
export const DEFAULT_MAX_BUCKETS = 160;

/** Series per chunk. */
const CHUNK_SHIFT = 6;
const CHUNK_SIZE = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_SIZE - 1;

/** Row layout: [scale, zeroCount, base, count(base), count(base + 1), ...]. */
const SCALE = 0;
const ZERO = 1;
const BASE = 2;
const HEADER = 3;

// A value's IEEE 754 bits, read through a shared view (no allocation).
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word second

/** Mantissa bits used to index the sub-bucket tables: 2^10 slices of [1, 2), each narrower than a bucket at scale 8. */
const SLICE_BITS = 10;
const SLICE_MASK = (1 << SLICE_BITS) - 1;

/**
 * Per positive scale s (1..8), the sub-bucket of a mantissa m in [1, 2), where bucket j covers
 * (2^(j/2^s), 2^((j+1)/2^s)]. `slices[k]` is `2 * j + straddles`: the bucket of the lowest
 * mantissa of slice k, and whether the slice crosses into bucket j + 1; only then does one
 * comparison with `upper[j]` decide (under 1% of slices at scale 3, a third at scale 8).
 */
interface SubBuckets {
  readonly slices: Uint16Array;
  readonly upper: Float64Array;
}
const SUB_BUCKETS: SubBuckets[] = [];

function subBuckets(scale: number): SubBuckets {
  const count = 2 ** scale;
  const upper = new Float64Array(count);
  for (let j = 0; j < count; j++) upper[j] = j === count - 1 ? 2 : 2 ** ((j + 1) / count);
  const slices = new Uint16Array(1 << SLICE_BITS);
  let j = 0;
  for (let k = 0; k < slices.length; k++) {
    const low = 1 + k / slices.length;
    const high = 1 + (k + 1) / slices.length;
    while (j < count - 1 && low > upper[j]!) j++;
    slices[k] = j * 2 + (j < count - 1 && high > upper[j]! ? 1 : 0);
  }
  return { slices, upper };
}
for (let scale = 1; scale <= MAX_SCALE; scale++) SUB_BUCKETS[scale] = subBuckets(scale);

/**
 * Bucket index of `value` (> 0, normal) at `scale`: `ceil(log2(value) * 2^scale) - 1`, from the
 * exponent bits and a table lookup: ~3.5 ns here, where `Math.log2` alone costs ~7.5 ns
 * (bench/record.bench.ts, native histograms case). Exact at powers of two.
 */
export function bucketIndex(value: number, scale: number): number {
  F64[0] = value;
  const hi = U32[HI]!;
  const exponent = ((hi >>> 20) & 0x7ff) - 1023;
  const exact = (hi & 0xfffff) === 0 && U32[1 - HI] === 0;
  if (scale <= 0) return (exact ? exponent - 1 : exponent) >> -scale;
  if (exact) return (exponent << scale) - 1;
  const tables = SUB_BUCKETS[scale]!;
  const slice = tables.slices[(hi >>> (20 - SLICE_BITS)) & SLICE_MASK]!;
  let j = slice >>> 1;
  if ((slice & 1) !== 0) {
    // The mantissa itself (exponent bits set to 0) against the bucket's upper bound.
    U32[HI] = (hi & 0xfffff) | 0x3ff00000;
    if (F64[0]! > tables.upper[j]!) j++;
  }
  return (exponent << scale) + j;
}

/** The positive buckets of one series: `counts[i]` counts values in (2^((offset+i)/2^scale), 2^((offset+i+1)/2^scale)]. */
export interface PositiveBuckets {
  readonly scale: number;
  readonly zeroCount: number;
  /** Bucket index of `counts[0]` (OpenTelemetry's convention; Prometheus' bucket keys are one more). */
  readonly offset: number;
  readonly counts: number[];
}

/**
 * The base-2 exponential histograms of one metric (`nativeHistograms: true`), one row per series
 * of its {@link MetricTable}, beside the classic buckets (sum, count, min and max are the classic
 * row's: the same observations).
 *
 * Bucket index of a value v at scale s (OpenTelemetry data model, upper bounds inclusive):
 *
 *   index = ceil(log2(v) * 2^s) - 1      e.g. s = 3: v = 1 -> -1, v = 1.05 -> 0, v = 2 -> 7
 *
 * computed from the exponent bits and a sub-bucket table ({@link bucketIndex}): exact for powers
 * of two, and within one bucket of the exact boundary elsewhere, as the specification allows. Each row keeps at most `maxBuckets` counts in a window
 * starting at bucket `base`; a value outside the window moves it (when the populated range still
 * fits) or lowers the scale by the fewest steps that make it fit, merging buckets pairwise per
 * step (index >> k), as OpenTelemetry's and Prometheus' own clients do. Both are rare: the hot
 * path is a few bit operations, one table lookup and one increment (bench/record.bench.ts).
 */
export class ExponentialBuckets {
  readonly maxBuckets: number;
  private readonly stride: number;
  private readonly chunks: Float64Array[] = [];
  private readonly scratch: Float64Array;

  constructor(maxBuckets: number = DEFAULT_MAX_BUCKETS) {
    this.maxBuckets = Math.max(2, Math.floor(maxBuckets));
    this.stride = HEADER + this.maxBuckets;
    this.scratch = new Float64Array(this.maxBuckets);
  }

  /** Makes room for series `series` (called as the table creates it, in order). */
  allocate(series: number): void {
    const row = series & CHUNK_MASK;
    if (row === 0) this.chunks.push(new Float64Array(CHUNK_SIZE * this.stride));
    const data = this.chunks[series >>> CHUNK_SHIFT]!;
    const o = row * this.stride;
    data[o + SCALE] = MAX_SCALE;
    data[o + BASE] = Number.POSITIVE_INFINITY; // empty: every index falls outside the window
  }

  /** Counts one observation (a finite number >= 0: the caller validates). */
  record(series: number, value: number): void {
    const data = this.chunks[series >>> CHUNK_SHIFT]!;
    const o = (series & CHUNK_MASK) * this.stride;
    if (value <= ZERO_THRESHOLD) {
      data[o + ZERO]!++;
      return;
    }
    // bucketIndex(), written out: this is the hot path, and a call here is not always inlined
    // when recordSignal() is polymorphic (bench/record.bench.ts runs 30 cases in one process).
    const scale = data[o + SCALE]!;
    F64[0] = value;
    const hi = U32[HI]!;
    const exponent = ((hi >>> 20) & 0x7ff) - 1023;
    let index: number;
    if (scale <= 0 || ((hi & 0xfffff) === 0 && U32[1 - HI] === 0)) {
      index = bucketIndex(value, scale);
    } else {
      const tables = SUB_BUCKETS[scale]!;
      const slice = tables.slices[(hi >>> (20 - SLICE_BITS)) & SLICE_MASK]!;
      let sub = slice >>> 1;
      if ((slice & 1) !== 0) {
        U32[HI] = (hi & 0xfffff) | 0x3ff00000;
        if (F64[0]! > tables.upper[sub]!) sub++;
      }
      index = (exponent << scale) + sub;
    }
    const j = index - data[o + BASE]!;
    if (j >= 0 && j < this.maxBuckets) data[o + HEADER + j]!++;
    else this.widen(data, o, index);
  }

  /** Scale, zero count and the populated positive buckets of series `series` (allocates: collection only). */
  bucketsOf(series: number): PositiveBuckets {
    const data = this.chunks[series >>> CHUNK_SHIFT]!;
    const o = (series & CHUNK_MASK) * this.stride;
    const [first, last] = this.populated(data, o);
    const counts: number[] = [];
    for (let j = first; j <= last; j++) counts.push(data[o + HEADER + j]!);
    return {
      scale: data[o + SCALE]!,
      zeroCount: data[o + ZERO]!,
      offset: counts.length === 0 ? 0 : data[o + BASE]! + first,
      counts,
    };
  }

  /** First and last populated window positions, or [0, -1] when none. */
  private populated(data: Float64Array, o: number): [number, number] {
    let first = 0;
    while (first < this.maxBuckets && data[o + HEADER + first] === 0) first++;
    if (first === this.maxBuckets) return [0, -1];
    let last = this.maxBuckets - 1;
    while (data[o + HEADER + last] === 0) last--;
    return [first, last];
  }

  /** Slow path: `index` is outside the window. Moves the window, or lowers the scale, then counts. */
  private widen(data: Float64Array, o: number, index: number): void {
    const max = this.maxBuckets;
    const [first, last] = this.populated(data, o);
    if (last < first) {
      // Empty: centre the window on the first value, room to grow both ways.
      data[o + BASE] = index - (max >> 1);
      data[o + HEADER + (max >> 1)] = 1;
      return;
    }
    const base = data[o + BASE]!;
    let low = Math.min(base + first, index);
    let high = Math.max(base + last, index);
    let shift = 0;
    while (high - low + 1 > max) {
      shift++;
      low = Math.floor(low / 2);
      high = Math.floor(high / 2);
    }
    // New window: the populated range centred in it.
    const newBase = low - ((max - (high - low + 1)) >> 1);
    const scratch = this.scratch;
    scratch.fill(0);
    const divisor = 2 ** shift;
    for (let j = first; j <= last; j++) {
      const count = data[o + HEADER + j]!;
      if (count !== 0) scratch[Math.floor((base + j) / divisor) - newBase]! += count;
    }
    scratch[Math.floor(index / divisor) - newBase]!++;
    data.set(scratch, o + HEADER);
    data[o + BASE] = newBase;
    if (shift > 0) data[o + SCALE] = data[o + SCALE]! - shift;
  }
}
