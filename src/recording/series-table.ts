import { detachedCopy } from "../privacy/detached-copy.js";
import { MAX_LABEL_LENGTH, scrubValue } from "../privacy/scrub-value.js";

/** Longest raw value kept as a cache key (4x the label bound, as `scrubValue` cuts first). */
const MAX_CACHED_RAW_LENGTH = MAX_LABEL_LENGTH * 4;

import { NONE } from "../signals/label-values.js";

/** One distinct free-text label value (after scrubbing) and its series, one per closed-set slot. */
interface KeyEntry<S> {
  readonly key: string;
  readonly slots: (S | undefined)[];
}

/** How a {@link SeriesTable} makes its series. */
export interface SeriesTableOptions<S> {
  /**
   * Number of label combinations per free-text value: the product of the closed sets' sizes
   * (e.g. 3 exchanges x 2 outcomes = 6 for `zoran_requests_total`).
   */
  readonly slotCount: number;
  /** Most series this table creates; past it, values go to the overflow series. @default 2000 */
  readonly cardinalityLimit: number;
  /** Makes the series for scrubbed free-text value `key` at closed-set combination `slot`. */
  create(key: string, slot: number): S;
  /** Makes the one overflow series (labels `{ otel_metric_overflow: true }`). */
  createOverflow(): S;
  /** Called once, when the first value goes past the limit (the store warns through `diag`). */
  onOverflow?(): void;
}

/**
 * The series of one metric, found from label values without hashing an attribute object.
 *
 * Golden-signal labels are allow-listed with fixed keys: one free-text label (`operation` or
 * `resource`) and closed sets (`exchange`, `outcome`, `error_type`, `direction`). So a series is
 * `byRaw.get(freeText).slots[closedSetIndex]`: one string-keyed Map lookup (V8 caches a string's
 * hash in the string) and one array index. OpenTelemetry instead sorts and JSON-stringifies the
 * attribute object on every call (~450 ns, docs/benchmarks.md).
 *
 * Raw values are scrubbed once, when first seen; two raw values that scrub to the same text
 * share series. Memory is bounded: at most `cardinalityLimit` series, and at most twice that many
 * raw aliases cached (past that, unseen raw values are scrubbed on every call: slow, but bounded).
 */
export class SeriesTable<S> {
  /** Every series in creation order, the overflow series last once it exists. */
  readonly series: S[] = [];
  private readonly byRaw = new Map<string, KeyEntry<S>>();
  private readonly byKey = new Map<string, KeyEntry<S>>();
  private overflowSeries: S | undefined;
  private overflowEntry: KeyEntry<S> | undefined;
  private created = 0;
  // The last free-text value looked up and its entry: most calls repeat the previous operation
  // (a hot loop, a burst of one request's signals), and comparing the same string object is one
  // pointer compare where the Map lookup costs ~7 ns. Measured on `get(op, slot).add(1)`: 10.9 ->
  // 5.1 ns for one operation; 18 -> 19 ns cycling 100 literal (internalized) names; 25 -> 37 ns
  // cycling 10,000 computed names (the worst case: every call misses). Never the overflow entry.
  private lastRaw: string | undefined;
  private lastEntry: KeyEntry<S> | undefined;

  constructor(private readonly options: SeriesTableOptions<S>) {}

  /** The series for raw free-text value `raw` and closed-set combination `slot`. */
  get(raw: string, slot: number): S {
    let entry: KeyEntry<S> | undefined;
    if (raw === this.lastRaw) {
      entry = this.lastEntry!;
    } else {
      entry = this.byRaw.get(raw);
      if (entry === undefined) return this.resolve(raw, slot, undefined);
      this.lastRaw = raw;
      this.lastEntry = entry;
    }
    const series = entry.slots[slot];
    if (series !== undefined) return series;
    return this.resolve(raw, slot, entry);
  }

  /**
   * The scrubbed form of raw free-text value `raw` (e.g. a span name), from the table's own
   * raw-to-scrubbed cache when `raw` was seen; scrubbed anew otherwise (never cached here, so an
   * unbounded stream of names costs time, not memory).
   */
  scrubbed(raw: string): string {
    const entry = raw === this.lastRaw ? this.lastEntry : this.byRaw.get(raw);
    if (entry !== undefined && entry !== this.overflowEntry) return entry.key;
    return scrubValue(raw) || NONE;
  }

  /** Number of series created, not counting the overflow series. */
  get size(): number {
    return this.created;
  }

  /** The overflow series, once a value has gone past the limit. */
  get overflow(): S | undefined {
    return this.overflowSeries;
  }

  private resolve(raw: string, slot: number, entry: KeyEntry<S> | undefined): S {
    const { slotCount, cardinalityLimit } = this.options;
    // Long raw values are scrubbed on every call rather than kept as cache keys: 4,000 distinct
    // 1 MiB names would otherwise pin 4 GiB (test/reliability/cardinality-attack.test.ts).
    const cacheRaw = this.byRaw.size < cardinalityLimit * 2 && raw.length <= MAX_CACHED_RAW_LENGTH;
    if (entry === undefined) {
      // Cached under a copy: `raw` may be a slice of a large string that it would keep alive.
      if (cacheRaw) raw = detachedCopy(raw);
      const key = scrubValue(raw) || NONE;
      entry = this.byKey.get(key);
      if (entry === undefined) {
        if (this.created >= cardinalityLimit) {
          if (cacheRaw) this.byRaw.set(raw, this.getOverflowEntry());
          return this.getOverflow();
        }
        entry = { key, slots: new Array<S | undefined>(slotCount) };
        this.byKey.set(key, entry);
      }
      if (cacheRaw) this.byRaw.set(raw, entry);
      const existing = entry.slots[slot];
      if (existing !== undefined) return existing;
    }
    if (this.created >= cardinalityLimit) {
      // Cached, so the next call for this combination stays on the fast path; limits never shrink.
      const overflow = this.getOverflow();
      entry.slots[slot] = overflow;
      return overflow;
    }
    const series = this.options.create(entry.key, slot);
    entry.slots[slot] = series;
    this.created++;
    this.series.push(series);
    return series;
  }

  private getOverflow(): S {
    if (this.overflowSeries === undefined) {
      this.options.onOverflow?.();
      this.overflowSeries = this.options.createOverflow();
      this.series.push(this.overflowSeries);
    }
    return this.overflowSeries;
  }

  private getOverflowEntry(): KeyEntry<S> {
    if (this.overflowEntry === undefined) {
      const overflow = this.getOverflow();
      this.overflowEntry = {
        key: "",
        slots: new Array<S | undefined>(this.options.slotCount).fill(overflow),
      };
    }
    return this.overflowEntry;
  }
}
