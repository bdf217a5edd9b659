import type { Attributes, DiagLogger, HrTime } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import {
  type AggregationTemporality,
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type MetricDescriptor,
  type ResourceMetrics,
  type ScopeMetrics,
} from "@opentelemetry/sdk-metrics";
import { createTelemetryLogger } from "../diagnostics/telemetry-logger.js";

/** Label the primary adds to each worker's gauge points (`worker="3"`) when gauges stay per worker. */
export const WORKER_ATTRIBUTE = "worker";

/**
 * How gauges of several workers become one value. OpenTelemetry gauges are not additive (a CPU
 * ratio of 0.4 in two workers is not 0.8 of anything), so they stay apart by default.
 *
 * - `per_worker`: one point per worker, told apart by a `worker` label (any `worker` attribute
 *   the application set itself is replaced).
 * - `max`: the largest value of the live workers (the busiest worker, like the dashboards'
 *   "busiest resource" panel).
 * - `sum`: the values added (for gauges the application knows to be additive, e.g. queue sizes).
 */
export type GaugeAggregation = "per_worker" | "max" | "sum";

/** One worker's cumulative snapshot, as an input of {@link mergeSnapshots}. */
export interface SnapshotPart {
  /** Worker identity: the value of the `worker` label on its per-worker gauges. */
  readonly worker: string;
  readonly snapshot: ResourceMetrics;
  /**
   * Take only what stays true after the worker is gone: monotonic sums (counters) and histograms.
   * Set for the retained data of workers that exited; their gauges and up-down counters (current
   * readings of a process that no longer exists) are left out.
   */
  readonly cumulativeOnly?: boolean;
}

/** Options of {@link mergeSnapshots}. */
export interface MergeSnapshotsOptions {
  /** How gauges of several workers combine. @default "per_worker" */
  readonly gauges?: GaugeAggregation;
  /** Resource of the merged snapshot. @default the first part's resource */
  readonly resource?: Resource;
  /** Where conflicts (same metric name, other type or other bucket bounds) are reported. */
  readonly diag?: DiagLogger;
}

type Kind = "counter" | "updown" | "gauge" | "histogram";

interface MetricAccumulator {
  readonly descriptor: MetricDescriptor;
  readonly temporality: AggregationTemporality;
  readonly kind: Kind;
  readonly points: Map<string, MutablePoint>;
}

interface MutablePoint {
  startTime: HrTime;
  endTime: HrTime;
  readonly attributes: Attributes;
  value: number;
  histogram?: Histogram;
}

/**
 * Merges the cumulative snapshots of several workers of one service into the snapshot a single
 * process would have produced: counters, up-down counters and histogram buckets (with their sum
 * and count) are added per metric and attribute set; gauges follow `options.gauges`. A pure
 * function of its input: nothing is kept between calls.
 *
 * Why adding is right: every worker starts its counters at zero, so the fleet's cumulative total
 * is the sum of the workers' totals, and a histogram of all observations has, in each bucket, the
 * sum of the workers' counts (the same rule PromQL applies with `sum by (le)`).
 *
 * A histogram point whose bucket bounds differ from the first one seen for its series cannot be
 * added: it is left out and reported through `diag`. So is a metric whose name comes back with
 * another point type.
 *
 * @example
 * const merged = mergeSnapshots([
 *   { worker: "1", snapshot: await first.collect() },
 *   { worker: "2", snapshot: await second.collect() },
 * ]);
 * const text = serializePrometheus(merged);
 */
export function mergeSnapshots(
  parts: readonly SnapshotPart[],
  options: MergeSnapshotsOptions = {},
): ResourceMetrics {
  const gauges = options.gauges ?? "per_worker";
  const diag = options.diag ?? createTelemetryLogger();
  const scopes = new Map<string, { scope: ScopeMetrics["scope"]; metrics: Map<string, MetricAccumulator> }>();

  for (const part of parts) {
    for (const scopeMetrics of part.snapshot.scopeMetrics) {
      const { scope } = scopeMetrics;
      const scopeKey = `${scope.name}\u0000${scope.version ?? ""}\u0000${scope.schemaUrl ?? ""}`;
      let target = scopes.get(scopeKey);
      if (target === undefined) {
        target = { scope, metrics: new Map() };
        scopes.set(scopeKey, target);
      }
      for (const metric of scopeMetrics.metrics) {
        const kind = kindOf(metric);
        if (kind === undefined) continue;
        if (part.cumulativeOnly && kind !== "counter" && kind !== "histogram") continue;
        let accumulator = target.metrics.get(metric.descriptor.name);
        if (accumulator === undefined) {
          accumulator = {
            descriptor: metric.descriptor,
            temporality: metric.aggregationTemporality,
            kind,
            points: new Map(),
          };
          target.metrics.set(metric.descriptor.name, accumulator);
        } else if (accumulator.kind !== kind) {
          diag.warn(
            `zoran-telemetrie: cluster merge: metric ${metric.descriptor.name} of worker ${part.worker} is a ${kind}, not a ${accumulator.kind} as in another worker; left out`,
          );
          continue;
        }
        addPoints(accumulator, metric, part.worker, gauges, diag);
      }
    }
  }

  const resource = options.resource ?? parts[0]?.snapshot.resource;
  if (resource === undefined) throw new TypeError("mergeSnapshots() needs a resource or at least one part");
  return {
    resource,
    scopeMetrics: [...scopes.values()].map(({ scope, metrics }) => ({
      scope,
      metrics: [...metrics.values()].map(toMetricData),
    })),
  };
}

function kindOf(metric: MetricData): Kind | undefined {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.isMonotonic ? "counter" : "updown";
    case DataPointType.GAUGE:
      return "gauge";
    case DataPointType.HISTOGRAM:
      return "histogram";
    default:
      return undefined;
  }
}

function addPoints(
  accumulator: MetricAccumulator,
  metric: MetricData,
  worker: string,
  gauges: GaugeAggregation,
  diag: DiagLogger,
): void {
  const perWorker = accumulator.kind === "gauge" && gauges === "per_worker";
  for (const point of metric.dataPoints as DataPoint<number | Histogram>[]) {
    const attributes = perWorker ? { ...point.attributes, [WORKER_ATTRIBUTE]: worker } : point.attributes;
    const key = attributesKey(attributes);
    const existing = accumulator.points.get(key);
    if (existing === undefined) {
      accumulator.points.set(key, freshPoint(point, attributes));
      continue;
    }
    if (compareHrTime(point.startTime, existing.startTime) < 0) existing.startTime = point.startTime;
    if (compareHrTime(point.endTime, existing.endTime) > 0) existing.endTime = point.endTime;
    if (typeof point.value === "number") {
      existing.value =
        accumulator.kind === "gauge" && gauges === "max"
          ? Math.max(existing.value, point.value)
          : existing.value + point.value;
    } else if (existing.histogram !== undefined) {
      if (!addHistogram(existing.histogram, point.value)) {
        diag.warn(
          `zoran-telemetrie: cluster merge: ${metric.descriptor.name} of worker ${worker} has other bucket bounds; its points cannot be added and are left out`,
        );
      }
    }
  }
}

function freshPoint(point: DataPoint<number | Histogram>, attributes: Attributes): MutablePoint {
  if (typeof point.value === "number") {
    return { startTime: point.startTime, endTime: point.endTime, attributes, value: point.value };
  }
  const { buckets, sum, count, min, max } = point.value;
  // Copies: the merge adds into these arrays, and the input snapshot must stay as it was.
  const histogram: Histogram = {
    buckets: { boundaries: buckets.boundaries, counts: [...buckets.counts] },
    count,
  };
  if (sum !== undefined) histogram.sum = sum;
  if (min !== undefined) histogram.min = min;
  if (max !== undefined) histogram.max = max;
  return { startTime: point.startTime, endTime: point.endTime, attributes, value: 0, histogram };
}

/** Adds `from` into `into`; false (nothing changed) when their bucket bounds differ. */
function addHistogram(into: Histogram, from: Histogram): boolean {
  const a = into.buckets.boundaries;
  const b = from.buckets.boundaries;
  if (a !== b && (a.length !== b.length || a.some((bound, i) => bound !== b[i]))) return false;
  const counts = into.buckets.counts;
  for (let i = 0; i < counts.length; i++) counts[i] = counts[i]! + (from.buckets.counts[i] ?? 0);
  into.count += from.count;
  if (from.sum !== undefined) into.sum = (into.sum ?? 0) + from.sum;
  if (from.min !== undefined) into.min = into.min === undefined ? from.min : Math.min(into.min, from.min);
  if (from.max !== undefined) into.max = into.max === undefined ? from.max : Math.max(into.max, from.max);
  return true;
}

function toMetricData(accumulator: MetricAccumulator): MetricData {
  const { descriptor, temporality: aggregationTemporality } = accumulator;
  const points = [...accumulator.points.values()];
  if (accumulator.kind === "histogram") {
    return {
      descriptor,
      aggregationTemporality,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: points.map(({ startTime, endTime, attributes, histogram }) => ({
        startTime,
        endTime,
        attributes,
        value: histogram!,
      })),
    };
  }
  const dataPoints = points.map(({ startTime, endTime, attributes, value }) => ({
    startTime,
    endTime,
    attributes,
    value,
  }));
  return accumulator.kind === "gauge"
    ? { descriptor, aggregationTemporality, dataPointType: DataPointType.GAUGE, dataPoints }
    : {
        descriptor,
        aggregationTemporality,
        dataPointType: DataPointType.SUM,
        isMonotonic: accumulator.kind === "counter",
        dataPoints,
      };
}

/** A key equal for equal attribute sets, whatever the order of their keys. */
function attributesKey(attributes: Attributes): string {
  const keys = Object.keys(attributes);
  if (keys.length > 1) keys.sort();
  let key = "";
  for (const name of keys) key += `${name}\u0000${JSON.stringify(attributes[name])}\u0001`;
  return key;
}

function compareHrTime(a: HrTime, b: HrTime): number {
  return a[0] === b[0] ? a[1] - b[1] : a[0] - b[0];
}
