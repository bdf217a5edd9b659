import type { Attributes, DiagLogger, HrTime } from "@opentelemetry/api";
import { hrTime } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { MetricData } from "@opentelemetry/sdk-metrics";
import { describeError } from "../privacy/describe-error.js";
import { DIRECTIONS, ERROR_TYPES, EXCHANGES, OUTCOMES } from "../signals/label-values.js";
import {
  DROPPED_METRIC,
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  LATENCY_BOUNDS_SECONDS,
  LATENCY_METRIC,
  type MetricDefinition,
  OVERFLOW_METRIC,
  REFUSALS_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TIME_TO_FIRST_TOKEN_METRIC,
  TOKENS_METRIC,
} from "../signals/metric-definitions.js";
import { MetricTable, type MetricTableOptions } from "./metric-table.js";

/** Options of a {@link GoldenSignalStore}. */
export interface GoldenSignalStoreOptions {
  /** Resource reported with the store's own collections. */
  readonly resource: Resource;
  /** Most series per metric; past it, values go to one overflow series. @default 2000 */
  readonly cardinalityLimit?: number;
  /** Where dropped input is reported, once per reason and signal. */
  readonly diag: DiagLogger;
  /**
   * Keep exemplars on latency buckets and request/error counts (the recorder offers them while a
   * span the exemplar filter accepts is active). @default false
   */
  readonly exemplars?: boolean;
  /**
   * Also count latency in base-2 exponential buckets, at most this many per series (the scale
   * adjusts); undefined: classic buckets only.
   */
  readonly nativeMaxBuckets?: number | undefined;
}

/** Why a measurement or attribute was refused (label `reason` of `zoran_telemetry_dropped_total`). */
export type DropReason =
  | "invalid_value"
  | "unknown_signal"
  | "invalid_attribute"
  | "invalid_call"
  | "internal_error";

/** A self-metric counter entry: its labels and its running total. */
export interface CountedEntry {
  readonly attributes: Attributes;
  value: number;
}

/**
 * Metrics recorded outside the store's tables but collected with them, in its scope (the GenAI
 * semantic-convention histograms of `instrument/`, with their own pre-resolved handles).
 */
export interface StoreMetricSource {
  /** The source's metrics at `endTime`, cumulative since `startTime` (the store's creation). */
  metrics(startTime: HrTime, endTime: HrTime): readonly MetricData[];
}

/**
 * The golden-signal store: our own hot path (docs/architecture.md). One {@link MetricTable} per metric:
 * series found from allow-listed label values without hashing, their numbers in typed-array
 * chunks (struct-of-arrays, no object per series). `snapshot/` reads it into the OpenTelemetry
 * data model at collection (`goldenSignalMetrics`), so every OpenTelemetry reader and exporter
 * sees it.
 *
 * Adding a metric is one table here (its definition, kind and closed sets) and one line in
 * {@link tables}; the snapshot, the overflow self-metric and the serializers follow.
 */
export class GoldenSignalStore {
  readonly latency: MetricTable;
  readonly requests: MetricTable;
  readonly errors: MetricTable;
  readonly tokens: MetricTable;
  readonly exchangeSize: MetricTable;
  readonly saturation: MetricTable;
  /** `zoran_refusals_total{operation,exchange}`: slot = exchange index. */
  readonly refusals: MetricTable;
  /** `zoran_time_to_first_token_seconds{operation,exchange}`: slot = exchange index, latency bounds. */
  readonly timeToFirstToken: MetricTable;
  /** Every table, in the order of the snapshot. */
  readonly tables: readonly MetricTable[];
  /**
   * Tables that appear in the snapshot (their overflow self-metric included) only once in use: a
   * collector that records no AI exchange exports the same families as before they existed.
   */
  readonly optionalTables: ReadonlySet<MetricTable>;
  /** Metrics collected with the store's (see {@link addMetricSource}). */
  readonly sources: StoreMetricSource[] = [];

  /** Resource of the store's own collections. */
  readonly resource: Resource;
  /**
   * Cumulative start time shared by every series: the store's creation. One clock read, and no
   * per-series HrTime array (32 bytes each at 10,000 series).
   */
  readonly startTime: HrTime = hrTime();
  private readonly diag: DiagLogger;
  private readonly dropped = new Map<string, CountedEntry>();
  private readonly exportFailures = new Map<string, CountedEntry>();
  private readonly droppedSpans = new Map<string, CountedEntry>();

  constructor(options: GoldenSignalStoreOptions) {
    this.resource = options.resource;
    this.diag = options.diag;
    const limit = options.cardinalityLimit ?? 2000;
    const exemplars = options.exemplars ?? false;
    const table = (
      definition: MetricDefinition,
      kind: MetricTableOptions["kind"],
      closedSets: MetricTableOptions["closedSets"],
      extra: Partial<MetricTableOptions> = {},
    ) =>
      new MetricTable({
        definition,
        kind,
        closedSets,
        cardinalityLimit: limit,
        onOverflow: () => this.warnOverflow(definition, limit),
        ...extra,
      });
    // Closed sets exchange-major, as the slot functions of signals/label-index.ts.
    this.latency = table(LATENCY_METRIC, "histogram", [EXCHANGES, OUTCOMES], {
      bounds: LATENCY_BOUNDS_SECONDS,
      exemplars,
      nativeMaxBuckets: options.nativeMaxBuckets,
    });
    this.requests = table(REQUESTS_METRIC, "counter", [EXCHANGES, OUTCOMES], { exemplars });
    this.errors = table(ERRORS_METRIC, "counter", [EXCHANGES, ERROR_TYPES], { exemplars });
    this.tokens = table(TOKENS_METRIC, "counter", [EXCHANGES, DIRECTIONS]);
    this.exchangeSize = table(EXCHANGE_SIZE_METRIC, "counter", [EXCHANGES, DIRECTIONS]);
    this.saturation = table(SATURATION_METRIC, "gauge", []);
    this.refusals = table(REFUSALS_METRIC, "counter", [EXCHANGES]);
    this.timeToFirstToken = table(TIME_TO_FIRST_TOKEN_METRIC, "histogram", [EXCHANGES], {
      bounds: LATENCY_BOUNDS_SECONDS,
    });
    this.tables = [
      this.latency,
      this.requests,
      this.errors,
      this.tokens,
      this.exchangeSize,
      this.saturation,
      this.refusals,
      this.timeToFirstToken,
    ];
    this.optionalTables = new Set([this.refusals, this.timeToFirstToken]);
  }

  /**
   * Counts one refused measurement or attribute in `zoran_telemetry_dropped_total`, and reports
   * the first of each reason and signal through `diag` (later ones are only counted).
   */
  drop(reason: DropReason, signal: string, detail: string): void {
    const key = `${reason}\u0000${signal}`;
    const entry = this.dropped.get(key);
    if (entry !== undefined) {
      entry.value++;
      return;
    }
    // `signal` is ours or a known signal name: never the caller's free text (see callers).
    this.dropped.set(key, { attributes: Object.freeze({ reason, signal }), value: 1 });
    this.diag.warn(
      `zoran-telemetrie: dropped ${signal} input (${reason}): ${detail}. Further drops of this kind are counted in ${DROPPED_METRIC.promName} only.`,
    );
  }

  /** Reports, once per metric, that it reached its cardinality limit. */
  private warnOverflow(definition: MetricDefinition, limit: number): void {
    this.diag.warn(
      `zoran-telemetrie: ${definition.promName} reached its cardinality limit of ${limit} series; further label sets go to the overflow series {otel_metric_overflow="true"} (counted in ${OVERFLOW_METRIC.promName}). Check for unbounded values in "operation" or "resource", or raise cardinalityLimit.`,
    );
  }

  /** Counts one failed export of `exporter` in `zoran_telemetry_export_failures_total`. */
  exportFailed(exporter: string): void {
    const entry = this.exportFailures.get(exporter);
    if (entry !== undefined) entry.value++;
    else this.exportFailures.set(exporter, { attributes: Object.freeze({ exporter }), value: 1 });
  }

  /** Counts `count` spans an exporter dropped (`reason`: buffer_full, rejected, shutdown) in `zoran_telemetry_spans_dropped_total`. */
  spansDropped(exporter: string, reason: string, count: number): void {
    const key = `${exporter}\u0000${reason}`;
    const entry = this.droppedSpans.get(key);
    if (entry !== undefined) entry.value += count;
    else this.droppedSpans.set(key, { attributes: Object.freeze({ exporter, reason }), value: count });
  }

  /** `zoran_telemetry_spans_dropped_total` entries, by exporter and reason. */
  spansDroppedEntries(): Iterable<CountedEntry> {
    return this.droppedSpans.values();
  }

  /** Reports, once, a metric source that failed to collect (the rest of the snapshot is kept). */
  reportSourceFailure(error: unknown): void {
    this.drop("internal_error", "metric_source", describeError(error));
  }

  /** Adds metrics collected with the store's, in its scope (see {@link StoreMetricSource}). */
  addMetricSource(source: StoreMetricSource): void {
    if (!this.sources.includes(source)) this.sources.push(source);
  }

  /** Total dropped measurements and attributes, over every reason. */
  get droppedCount(): number {
    let total = 0;
    for (const entry of this.dropped.values()) total += entry.value;
    return total;
  }

  /** `zoran_telemetry_dropped_total` entries, by reason and signal. */
  droppedEntries(): Iterable<CountedEntry> {
    return this.dropped.values();
  }

  /** `zoran_telemetry_export_failures_total` entries, by exporter. */
  exportFailureEntries(): Iterable<CountedEntry> {
    return this.exportFailures.values();
  }

  /** Starts a new exemplar sampling period in every table (each collection calls it). */
  nextExemplarPeriod(): void {
    for (const table of this.tables) table.exemplars?.nextPeriod();
  }
}
