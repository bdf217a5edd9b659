import { type Attributes, type HrTime, ValueType } from "@opentelemetry/api";
import { hrTime } from "@opentelemetry/core";
import {
  AggregationTemporality,
  type CollectionResult,
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type MetricProducer,
  type ScopeMetrics,
} from "@opentelemetry/sdk-metrics";
import { ZERO_THRESHOLD } from "../recording/exponential-buckets.js";
import type { CountedEntry, GoldenSignalStore } from "../recording/golden-signal-store.js";
import type { MetricTable } from "../recording/metric-table.js";
import { OVERFLOW_ATTRIBUTE } from "../signals/label-values.js";
import {
  DROPPED_METRIC,
  EXPORT_FAILURES_METRIC,
  INSTRUMENTATION_SCOPE,
  type MetricDefinition,
  OVERFLOW_METRIC,
  SPANS_DROPPED_METRIC,
} from "../signals/metric-definitions.js";
import type { Exemplar, NativeHistogram, PointExtensions } from "./point-extensions.js";

const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ [OVERFLOW_ATTRIBUTE]: true });

/**
 * The golden-signal store as OpenTelemetry scope metrics (cumulative), stamped with `endTime`:
 * one data point per series, with a fresh attribute object each (the store keeps none: 50-150
 * bytes per series, docs/benchmarks.md), and the point extensions of `point-extensions.ts`
 * (exemplars, native histograms) where the store has them. Starts a new exemplar sampling period.
 */
export function goldenSignalMetrics(store: GoldenSignalStore, endTime: HrTime = hrTime()): ScopeMetrics {
  const metrics: MetricData[] = [];
  for (const table of store.tables) {
    if (table.size === 0 && store.optionalTables.has(table)) continue;
    const data =
      table.kind === "histogram"
        ? histogramData(store, table, endTime)
        : table.kind === "counter"
          ? counterData(store, table, endTime)
          : gaugeData(table, endTime);
    if (data !== undefined) metrics.push(data);
  }
  for (const source of store.sources) {
    try {
      metrics.push(...source.metrics(store.startTime, endTime));
    } catch (error) {
      store.reportSourceFailure(error);
    }
  }
  metrics.push(...selfMetrics(store, endTime));
  store.nextExemplarPeriod();
  return { scope: INSTRUMENTATION_SCOPE, metrics };
}

/** The store as an OpenTelemetry `MetricProducer`, so any `MetricReader` collects it. */
export function goldenSignalProducer(store: GoldenSignalStore): MetricProducer {
  return {
    async collect(): Promise<CollectionResult> {
      return {
        resourceMetrics: { resource: store.resource, scopeMetrics: [goldenSignalMetrics(store)] },
        errors: [],
      };
    },
  };
}

/** Labels of series `series`: a fresh object in `definition.labels` order. */
function attributesOf(table: MetricTable, series: number): Attributes {
  return table.labelsOf(series) ?? OVERFLOW_ATTRIBUTES;
}

function histogramData(
  store: GoldenSignalStore,
  table: MetricTable,
  endTime: HrTime,
): MetricData | undefined {
  if (table.size === 0) return undefined;
  const n = table.bounds.length;
  const boundaries = table.boundaries as number[];
  const dataPoints: DataPoint<Histogram>[] = [];
  for (let series = 0; series < table.size; series++) {
    const data = table.dataOf(series);
    const o = table.offsetOf(series);
    // A plain loop: Array.from(subarray) measured 2.5-13 us per series here against 27 ns
    // (collection at 10,000 series: 43.7 -> 1.3 ms; bench/collect.bench.ts).
    const counts = new Array<number>(n + 1);
    let count = 0;
    for (let i = 0; i <= n; i++) {
      const c = data[o + i]!;
      counts[i] = c;
      count += c;
    }
    // Two literal shapes, no spread: a spread allocates and copies (collection at 10,000 series).
    const value: Histogram =
      count > 0
        ? {
            buckets: { boundaries, counts },
            sum: data[o + n + 1]!,
            count,
            min: data[o + n + 2]!,
            max: data[o + n + 3]!,
          }
        : { buckets: { boundaries, counts }, sum: data[o + n + 1]!, count };
    const point: DataPoint<Histogram> & { -readonly [K in keyof PointExtensions]: PointExtensions[K] } = {
      startTime: store.startTime,
      endTime,
      attributes: attributesOf(table, series),
      value,
    };
    const exemplars = table.exemplars?.exemplarsOf(series);
    if (exemplars !== undefined) point.exemplars = exemplars satisfies (Exemplar | undefined)[];
    if (table.native !== undefined) point.native = nativeOf(table, series, value);
    dataPoints.push(point);
  }
  return {
    descriptor: descriptorOf(table.definition),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints,
  };
}

function nativeOf(table: MetricTable, series: number, classic: Histogram): NativeHistogram {
  const buckets = table.native!.bucketsOf(series);
  return {
    count: classic.count,
    sum: classic.sum,
    ...(classic.count > 0 ? { min: classic.min, max: classic.max } : {}),
    scale: buckets.scale,
    zeroCount: buckets.zeroCount,
    zeroThreshold: ZERO_THRESHOLD,
    positive: { offset: buckets.offset, bucketCounts: buckets.counts },
    negative: { offset: 0, bucketCounts: [] },
  };
}

function counterData(store: GoldenSignalStore, table: MetricTable, endTime: HrTime): MetricData | undefined {
  if (table.size === 0) return undefined;
  const dataPoints: DataPoint<number>[] = [];
  for (let series = 0; series < table.size; series++) {
    const point: DataPoint<number> & { exemplars?: readonly (Exemplar | undefined)[] } = {
      startTime: store.startTime,
      endTime,
      attributes: attributesOf(table, series),
      value: table.valueOf(series),
    };
    const exemplars = table.exemplars?.exemplarsOf(series);
    if (exemplars !== undefined) point.exemplars = exemplars;
    dataPoints.push(point);
  }
  return {
    descriptor: descriptorOf(table.definition),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints,
  };
}

function gaugeData(table: MetricTable, endTime: HrTime): MetricData | undefined {
  const dataPoints: DataPoint<number>[] = [];
  for (let series = 0; series < table.size; series++) {
    const value = table.valueOf(series);
    if (Number.isNaN(value)) continue;
    dataPoints.push({ startTime: endTime, endTime, attributes: attributesOf(table, series), value });
  }
  if (dataPoints.length === 0) return undefined;
  return {
    descriptor: descriptorOf(table.definition),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints,
  };
}

/** Measurements the overflow series of `table` absorbed (a histogram's is its own count). */
function overflowMeasurements(table: MetricTable): number {
  const overflow = table.overflowIndex;
  if (overflow < 0 || table.kind !== "histogram") return table.overflowMeasurements;
  const data = table.dataOf(overflow);
  const o = table.offsetOf(overflow);
  let count = 0;
  for (let i = 0; i <= table.bounds.length; i++) count += data[o + i]!;
  return count;
}

function selfMetrics(store: GoldenSignalStore, endTime: HrTime): MetricData[] {
  const startTime = store.startTime;
  const sum = (definition: MetricDefinition, dataPoints: DataPoint<number>[]): MetricData => ({
    descriptor: descriptorOf(definition),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints,
  });
  const points = (entries: Iterable<CountedEntry>) =>
    Array.from(entries, ({ attributes, value }) => ({ startTime, endTime, attributes, value }));
  const reported = store.tables.filter((table) => table.size > 0 || !store.optionalTables.has(table));
  const overflowPoints = reported.map((table) => ({
    startTime,
    endTime,
    attributes: { metric: table.definition.promName },
    value: overflowMeasurements(table),
  }));
  const result = [sum(OVERFLOW_METRIC, overflowPoints)];
  const failures = points(store.exportFailureEntries());
  if (failures.length > 0) result.push(sum(EXPORT_FAILURES_METRIC, failures));
  const spans = points(store.spansDroppedEntries());
  if (spans.length > 0) result.push(sum(SPANS_DROPPED_METRIC, spans));
  const dropped = points(store.droppedEntries());
  if (dropped.length > 0) result.push(sum(DROPPED_METRIC, dropped));
  return result;
}

function descriptorOf(definition: MetricDefinition) {
  return {
    name: definition.name,
    description: definition.description,
    unit: definition.unit,
    valueType: ValueType.DOUBLE,
  };
}
