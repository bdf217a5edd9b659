import { detachedCopy } from "../privacy/detached-copy.js";
import { MAX_LABEL_LENGTH, scrubValue } from "../privacy/scrub-value.js";
import { NONE } from "../signals/label-values.js";
import type { MetricDefinition } from "../signals/metric-definitions.js";
import { ExemplarReservoir } from "./exemplar-reservoir.js";
import { ExponentialBuckets } from "./exponential-buckets.js";

/** What one series of a table holds: a histogram, a monotonic counter, or a gauge (last value wins). */
export type MetricKind = "histogram" | "counter" | "gauge";

/** How a {@link MetricTable} lays out its series. */
export interface MetricTableOptions {
  /** The metric: its name and label keys (the first label is the free-text one). */
  readonly definition: MetricDefinition;
  readonly kind: MetricKind;
  /**
   * Values of the closed-set labels after the free-text one, in `definition.labels` order, e.g.
   * `[EXCHANGES, OUTCOMES]` for `zoran_requests_total`; empty for `zoran_saturation_ratio`.
   */
  readonly closedSets: readonly (readonly string[])[];
  /** Bucket upper bounds of a histogram, ascending (shared by every series of the metric). */
  readonly bounds?: readonly number[];
  /** Most series this table creates; past it, values go to one overflow series. */
  readonly cardinalityLimit: number;
  /** Called once, when the first value goes past the limit (the store warns through `diag`). */
  readonly onOverflow?: () => void;
  /** Keep exemplars: one per bucket (histograms) or per series (counters). @default false */
  readonly exemplars?: boolean;
  /** Histograms: also count observations in base-2 exponential buckets, at most this many per series. */
  readonly nativeMaxBuckets?: number;
}

/** Longest raw value kept as a cache key (4x the label bound, as `scrubValue` cuts first). */
const MAX_CACHED_RAW_LENGTH = MAX_LABEL_LENGTH * 4;

/** Series per numbers chunk, and free-text values per slot chunk (a power of two: `>>>`, `&`). */
const CHUNK_SHIFT = 8;
const CHUNK_SIZE = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_SIZE - 1;

/** The operation id that a raw value past the cardinality limit is cached under. */
const OVERFLOW_OPERATION = -1;

/**
 * The series of one metric as struct-of-arrays: a series is an integer, its numbers a fixed-stride
 * row of a Float64Array chunk, and nothing per series is a JavaScript object (DESIGN §7: <= 250
 * bytes per latency series; the profile in docs/benchmarks.md). Attribute objects are made at
 * collection ({@link labelValues}), never kept.
 *
 * Finding a series without hashing an attribute object: golden-signal labels are allow-listed
 * with fixed keys, one free-text label (`operation` or `resource`) and closed sets (`exchange`,
 * `outcome`, `error_type`, `direction`). The free-text value is interned once as an "operation
 * id" (one string-keyed Map lookup: V8 caches a string's hash in the string), and the closed
 * sets are one "slot" index, exchange-major (`signals/label-index.ts`). So
 *
 *   series = slots[operationId * slotCount + slot] - 1          (0: not created yet)
 *
 * Worked example, `zoran_latency_seconds` (14 bounds, slots = 3 exchanges x 2 outcomes = 6):
 *
 *   ids      "answer" -> 0, "embed" -> 1              raw value -> operation id (scrubbed once)
 *   keys     [ "answer", "embed" ]                    operation id -> scrubbed label value
 *   slots    [ 1, 0, 0, 0, 3, 0,   2, 0, 0, 0, 0, 0 ] operation id * 6 + slot -> series + 1
 *   cells    [ 0*6+0, 1*6+0, 0*6+4 ]                  series -> operation id * 6 + slot
 *   numbers  series 0: [ b0 .. b14, sum, min, max ]   18 doubles, see {@link histogramStride}
 *
 * `answer` with exchange `ai_human` (2) and outcome `ok` (0) is slot 4: series 2.
 *
 * Raw values are scrubbed once, when first seen; two raw values that scrub to the same text share
 * series. Memory is bounded: at most `cardinalityLimit` series, at most twice that many raw
 * aliases cached (past that, unseen raw values are scrubbed on every call: slow, but bounded).
 */
export class MetricTable {
  readonly definition: MetricDefinition;
  readonly kind: MetricKind;
  /** Numbers per series. */
  readonly stride: number;
  /** Closed-set combinations per free-text value. */
  readonly slotCount: number;
  /** Bucket upper bounds (histograms; empty otherwise), as given: serializers cache by identity. */
  readonly boundaries: readonly number[];
  /** The same bounds as a Float64Array: the bucket search reads it. */
  readonly bounds: Float64Array;
  /** Measurements that went to the overflow series (counters and gauges; histograms count them). */
  overflowMeasurements = 0;
  /** The metric's exemplars, when kept (the recorder offers them: it knows the span). */
  readonly exemplars: ExemplarReservoir | undefined;
  /** The same observations in exponential buckets (`nativeHistograms: true`), else undefined. */
  readonly native: ExponentialBuckets | undefined;

  private readonly closedSets: readonly (readonly string[])[];
  private readonly cardinalityLimit: number;
  private readonly onOverflow: (() => void) | undefined;
  private readonly initial: Float64Array;
  /** Series numbers, {@link CHUNK_SIZE} series per chunk; chunks never move (handles keep them). */
  private readonly chunks: Float64Array[] = [];
  /** Series -> operation id * slotCount + slot (-1 for the overflow series), per chunk. */
  private readonly cells: Int32Array[] = [];
  /** Operation id * slotCount + slot -> series + 1, {@link CHUNK_SIZE} operations per chunk. */
  private readonly slots: Int32Array[] = [];
  /** Raw free-text value -> operation id (or {@link OVERFLOW_OPERATION}). */
  private readonly ids = new Map<string, number>();
  /** Scrubbed value -> operation id: raw values that scrub alike share an id. */
  private readonly byKey = new Map<string, number>();
  /** Operation id -> scrubbed label value. */
  private readonly keys: string[] = [];
  private count = 0;
  private overflow = -1;
  // The last raw value looked up and where its slots are: most calls repeat the previous
  // operation (a hot loop, one request's signals), and comparing the same string object is one
  // pointer compare where the Map lookup costs ~7 ns (bench/record.bench.ts).
  private lastRaw: string | undefined;
  private lastSlots: Int32Array | undefined;
  private lastBase = 0;
  private lastOperation = 0;

  constructor(options: MetricTableOptions) {
    this.definition = options.definition;
    this.kind = options.kind;
    this.closedSets = options.closedSets;
    this.cardinalityLimit = options.cardinalityLimit;
    this.onOverflow = options.onOverflow;
    let slotCount = 1;
    for (const set of options.closedSets) slotCount *= set.length;
    this.slotCount = slotCount;
    this.boundaries = options.bounds ?? [];
    this.bounds = Float64Array.from(this.boundaries);
    const n = this.bounds.length;
    this.stride = options.kind === "histogram" ? histogramStride(n) : 1;
    this.initial = new Float64Array(this.stride);
    if (options.kind === "histogram") {
      this.initial[n + 2] = Number.POSITIVE_INFINITY;
      this.initial[n + 3] = Number.NEGATIVE_INFINITY;
    } else if (options.kind === "gauge") {
      this.initial[0] = Number.NaN;
    }
    this.exemplars = options.exemplars
      ? new ExemplarReservoir(options.kind === "histogram" ? n + 1 : 1)
      : undefined;
    this.native =
      options.kind === "histogram" && options.nativeMaxBuckets !== undefined
        ? new ExponentialBuckets(options.nativeMaxBuckets)
        : undefined;
  }

  /** The series for raw free-text value `raw` and closed-set combination `slot`, created when new. */
  seriesOf(raw: string, slot: number): number {
    let slots: Int32Array;
    let base: number;
    if (raw === this.lastRaw) {
      slots = this.lastSlots!;
      base = this.lastBase;
    } else {
      const operation = this.ids.get(raw);
      if (operation === undefined) return this.resolve(raw, slot);
      if (operation === OVERFLOW_OPERATION) return this.overflowSeries();
      slots = this.slots[operation >>> CHUNK_SHIFT]!;
      base = (operation & CHUNK_MASK) * this.slotCount;
      this.lastRaw = raw;
      this.lastSlots = slots;
      this.lastBase = base;
      this.lastOperation = operation;
    }
    const series = slots[base + slot]! - 1;
    if (series >= 0) return series;
    return this.create(this.lastOperation, slot);
  }

  /**
   * The scrubbed form of raw free-text value `raw` (e.g. a span name), from the table's own
   * raw-to-scrubbed cache when `raw` was seen; scrubbed anew otherwise (never cached here, so an
   * unbounded stream of names costs time, not memory).
   */
  scrubbed(raw: string): string {
    const operation = this.ids.get(raw);
    if (operation !== undefined && operation !== OVERFLOW_OPERATION) return this.keys[operation]!;
    return scrubValue(raw) || NONE;
  }

  /** Number of series, the overflow series included once it exists (series are `0 .. size - 1`). */
  get size(): number {
    return this.count;
  }

  /** Number of series created below the limit, not counting the overflow series. */
  get created(): number {
    return this.overflow < 0 ? this.count : this.count - 1;
  }

  /** The overflow series, or -1 while no value went past the limit. */
  get overflowIndex(): number {
    return this.overflow;
  }

  /** The Float64Array chunk holding series `series`'s numbers (its row starts at {@link offsetOf}). */
  dataOf(series: number): Float64Array {
    return this.chunks[series >>> CHUNK_SHIFT]!;
  }

  /** Index of series `series`'s first number in {@link dataOf}. */
  offsetOf(series: number): number {
    return (series & CHUNK_MASK) * this.stride;
  }

  /**
   * Histograms: adds one observation (a finite number >= 0: the caller validates) and returns its
   * bucket index. A bucket search and three stores, no attribute lookup, no clock read.
   */
  observe(series: number, value: number): number {
    const data = this.chunks[series >>> CHUNK_SHIFT]!;
    const o = (series & CHUNK_MASK) * this.stride;
    const bounds = this.bounds;
    const n = bounds.length;
    // Linear scan: for <= 16 bounds it beats a binary search (bench/record.bench.ts).
    let i = 0;
    while (i < n && value > bounds[i]!) i++;
    data[o + i]!++;
    data[o + n + 1]! += value;
    if (value < data[o + n + 2]!) data[o + n + 2] = value;
    if (value > data[o + n + 3]!) data[o + n + 3] = value;
    if (this.native !== undefined) this.native.record(series, value);
    return i;
  }

  /** Counters: adds `value` (a finite number >= 0: the caller validates). */
  add(series: number, value: number): void {
    this.chunks[series >>> CHUNK_SHIFT]![(series & CHUNK_MASK) * this.stride]! += value;
    if (series === this.overflow) this.overflowMeasurements++;
  }

  /** Gauges: sets the current value (a finite number: the caller validates). */
  set(series: number, value: number): void {
    this.chunks[series >>> CHUNK_SHIFT]![(series & CHUNK_MASK) * this.stride] = value;
    if (series === this.overflow) this.overflowMeasurements++;
  }

  /** A counter's total or a gauge's last value (`NaN` for a gauge never set). */
  valueOf(series: number): number {
    return this.chunks[series >>> CHUNK_SHIFT]![(series & CHUNK_MASK) * this.stride]!;
  }

  /**
   * The label values of series `series` in `definition.labels` order (the free-text one first),
   * or undefined for the overflow series (its one label is `otel_metric_overflow="true"`).
   */
  labelValues(series: number): string[] | undefined {
    const labels = this.labelsOf(series);
    return labels === undefined ? undefined : this.definition.labels.map((key) => labels[key]!);
  }

  /**
   * The labels of series `series` as a fresh object, keys in `definition.labels` order; undefined
   * for the overflow series. Allocates: collection only.
   */
  labelsOf(series: number): Record<string, string> | undefined {
    const cell = this.cells[series >>> CHUNK_SHIFT]![series & CHUNK_MASK]!;
    if (cell < 0) return undefined;
    const keys = this.definition.labels;
    const sets = this.closedSets;
    const labels: Record<string, string> = {};
    labels[keys[0]!] = this.keys[Math.floor(cell / this.slotCount)]!;
    // Mixed radix, exchange-major: slot = ((c1 * |S2|) + c2) * |S3| + c3 ...
    let divisor = this.slotCount;
    let slot = cell % divisor;
    for (let k = 0; k < sets.length; k++) {
      const set = sets[k]!;
      divisor /= set.length;
      const index = Math.floor(slot / divisor);
      slot -= index * divisor;
      labels[keys[k + 1]!] = set[index]!;
    }
    return labels;
  }

  private resolve(raw: string, slot: number): number {
    // Long raw values are scrubbed on every call rather than kept as cache keys: 4,000 distinct
    // 1 MiB names would otherwise pin 4 GiB (test/reliability/cardinality-attack.test.ts).
    const cacheRaw = this.ids.size < this.cardinalityLimit * 2 && raw.length <= MAX_CACHED_RAW_LENGTH;
    // Cached under a copy: `raw` may be a slice of a large string that it would keep alive.
    if (cacheRaw) raw = detachedCopy(raw);
    const key = scrubValue(raw) || NONE;
    let operation = this.byKey.get(key);
    if (operation === undefined) {
      if (this.created >= this.cardinalityLimit) {
        if (cacheRaw) this.ids.set(raw, OVERFLOW_OPERATION);
        return this.overflowSeries();
      }
      operation = this.keys.length;
      this.keys.push(key);
      this.byKey.set(key, operation);
      if ((operation & CHUNK_MASK) === 0) this.slots.push(new Int32Array(CHUNK_SIZE * this.slotCount));
    }
    if (cacheRaw) this.ids.set(raw, operation);
    const existing =
      this.slots[operation >>> CHUNK_SHIFT]![(operation & CHUNK_MASK) * this.slotCount + slot]!;
    if (existing > 0) return existing - 1;
    return this.create(operation, slot);
  }

  private create(operation: number, slot: number): number {
    const cellIndex = (operation & CHUNK_MASK) * this.slotCount + slot;
    const slots = this.slots[operation >>> CHUNK_SHIFT]!;
    if (this.created >= this.cardinalityLimit) {
      // Cached, so the next call for this combination stays on the fast path; limits never shrink.
      const overflow = this.overflowSeries();
      slots[cellIndex] = overflow + 1;
      return overflow;
    }
    const series = this.allocate(operation * this.slotCount + slot);
    slots[cellIndex] = series + 1;
    return series;
  }

  private overflowSeries(): number {
    if (this.overflow < 0) {
      this.onOverflow?.();
      this.overflow = this.allocate(-1);
    }
    return this.overflow;
  }

  private allocate(cell: number): number {
    const series = this.count++;
    const row = series & CHUNK_MASK;
    if (row === 0) {
      this.chunks.push(new Float64Array(CHUNK_SIZE * this.stride));
      this.cells.push(new Int32Array(CHUNK_SIZE));
    }
    const data = this.chunks[series >>> CHUNK_SHIFT]!;
    data.set(this.initial, row * this.stride);
    this.cells[series >>> CHUNK_SHIFT]![row] = cell;
    this.native?.allocate(series);
    return series;
  }
}

/**
 * Numbers per histogram series for `n` bucket bounds:
 *
 *   [ count(v <= b0), count(b0 < v <= b1), ..., count(v > b[n-1]), sum, min, max ]
 *     index 0          index 1                  index n              n+1  n+2  n+3
 *
 * Bucket counts are per bucket (not cumulative), as OpenTelemetry's `Histogram.buckets.counts`;
 * the Prometheus serializer accumulates them into `le` buckets. Upper bounds are inclusive (a
 * value equal to a bound falls in that bound's bucket), as in both OpenTelemetry and Prometheus.
 * The total count is not stored: it is the sum of the buckets (one store less per record, 8
 * bytes less per series), added up at collection. min starts at +Infinity, max at -Infinity.
 */
export function histogramStride(boundCount: number): number {
  return boundCount + 4;
}
