import type { Attributes, HrTime, ValueType } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  type AggregationTemporality,
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";

/**
 * A worker's snapshot in a form that survives `process.send` (JSON) and `postMessage`
 * (structured clone): the OpenTelemetry `ResourceMetrics` minus its class instances and
 * functions. Only the explicit-bucket histogram, sum and gauge point types travel: exponential
 * histograms have no Prometheus text form (the serializer skips them) and are left out.
 *
 * Non-finite numbers (a gauge set to NaN, a histogram's min/max) become the strings `"NaN"`,
 * `"+Inf"`, `"-Inf"`: JSON would turn them into `null`.
 */
export interface PortableSnapshot {
  /** Resource attributes of the worker's collector (`service.name`, ...). */
  readonly resource: Attributes;
  readonly scopes: readonly PortableScope[];
}

/** One instrumentation scope of a {@link PortableSnapshot}. */
export interface PortableScope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
  readonly metrics: readonly PortableMetric[];
}

/** One metric of a {@link PortableScope}; `points` follow `type`. */
export interface PortableMetric {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly valueType: ValueType;
  readonly temporality: AggregationTemporality;
  readonly type: DataPointType.SUM | DataPointType.GAUGE | DataPointType.HISTOGRAM;
  /** Sums only: a counter (true) or an up-down counter (false). */
  readonly monotonic?: boolean;
  readonly points: readonly PortablePoint[];
}

/** A number that JSON can carry: finite as is, else `"NaN"`, `"+Inf"` or `"-Inf"`. */
export type PortableNumber = number | "NaN" | "+Inf" | "-Inf";

/** One data point: `value` for sums and gauges, the histogram fields otherwise. */
export interface PortablePoint {
  readonly start: HrTime;
  readonly end: HrTime;
  readonly attributes: Attributes;
  /** Sum or gauge value. */
  readonly value?: PortableNumber;
  /** Histogram: upper bounds of every bucket but the last (`+Inf`). */
  readonly bounds?: readonly number[];
  /** Histogram: observations per bucket (not cumulative), one more than `bounds`. */
  readonly counts?: readonly number[];
  readonly sum?: PortableNumber;
  readonly count?: number;
  readonly min?: PortableNumber;
  readonly max?: PortableNumber;
}

function portable(value: number): PortableNumber {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "+Inf" : "-Inf";
}

function fromPortable(value: PortableNumber | undefined | null): number {
  if (typeof value === "number") return value;
  if (value === "+Inf") return Number.POSITIVE_INFINITY;
  if (value === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}

/** Turns a collected snapshot into a {@link PortableSnapshot} a worker can send to its primary. */
export function toPortableSnapshot(snapshot: ResourceMetrics): PortableSnapshot {
  const scopes: PortableScope[] = [];
  for (const scope of snapshot.scopeMetrics) {
    const metrics: PortableMetric[] = [];
    for (const metric of scope.metrics) {
      const head = {
        name: metric.descriptor.name,
        description: metric.descriptor.description,
        unit: metric.descriptor.unit,
        valueType: metric.descriptor.valueType,
        temporality: metric.aggregationTemporality,
      };
      switch (metric.dataPointType) {
        case DataPointType.SUM:
        case DataPointType.GAUGE:
          metrics.push({
            ...head,
            type: metric.dataPointType,
            ...(metric.dataPointType === DataPointType.SUM ? { monotonic: metric.isMonotonic } : {}),
            points: metric.dataPoints.map((point) => ({
              start: point.startTime,
              end: point.endTime,
              attributes: point.attributes,
              value: portable(point.value),
            })),
          });
          break;
        case DataPointType.HISTOGRAM:
          metrics.push({
            ...head,
            type: DataPointType.HISTOGRAM,
            points: metric.dataPoints.map((point) => histogramPoint(point)),
          });
          break;
        default:
          // Exponential histograms: no Prometheus text form, not merged (see the type's TSDoc).
          break;
      }
    }
    scopes.push({
      name: scope.scope.name,
      ...(scope.scope.version === undefined ? {} : { version: scope.scope.version }),
      ...(scope.scope.schemaUrl === undefined ? {} : { schemaUrl: scope.scope.schemaUrl }),
      metrics,
    });
  }
  return { resource: { ...snapshot.resource.attributes }, scopes };
}

function histogramPoint(point: DataPoint<Histogram>): PortablePoint {
  const { value } = point;
  return {
    start: point.startTime,
    end: point.endTime,
    attributes: point.attributes,
    bounds: value.buckets.boundaries,
    counts: value.buckets.counts,
    ...(value.sum === undefined ? {} : { sum: portable(value.sum) }),
    count: value.count,
    ...(value.min === undefined ? {} : { min: portable(value.min) }),
    ...(value.max === undefined ? {} : { max: portable(value.max) }),
  };
}

/** Rebuilds OpenTelemetry `ResourceMetrics` from a {@link PortableSnapshot}. */
export function fromPortableSnapshot(snapshot: PortableSnapshot): ResourceMetrics {
  return {
    resource: resourceFromAttributes(snapshot.resource),
    scopeMetrics: snapshot.scopes.map((scope) => ({
      scope: {
        name: scope.name,
        ...(scope.version === undefined ? {} : { version: scope.version }),
        ...(scope.schemaUrl === undefined ? {} : { schemaUrl: scope.schemaUrl }),
      },
      metrics: scope.metrics.map(fromPortableMetric),
    })),
  };
}

function fromPortableMetric(metric: PortableMetric): MetricData {
  const descriptor = {
    name: metric.name,
    description: metric.description,
    unit: metric.unit,
    valueType: metric.valueType,
  };
  if (metric.type === DataPointType.HISTOGRAM) {
    return {
      descriptor,
      aggregationTemporality: metric.temporality,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: metric.points.map((point) => {
        const count = point.count ?? 0;
        const value: Histogram = {
          buckets: { boundaries: [...(point.bounds ?? [])], counts: [...(point.counts ?? [])] },
          count,
        };
        if (point.sum !== undefined) value.sum = fromPortable(point.sum);
        if (point.min !== undefined) value.min = fromPortable(point.min);
        if (point.max !== undefined) value.max = fromPortable(point.max);
        return { startTime: point.start, endTime: point.end, attributes: point.attributes, value };
      }),
    };
  }
  const dataPoints = metric.points.map((point) => ({
    startTime: point.start,
    endTime: point.end,
    attributes: point.attributes,
    value: fromPortable(point.value),
  }));
  return metric.type === DataPointType.SUM
    ? {
        descriptor,
        aggregationTemporality: metric.temporality,
        dataPointType: DataPointType.SUM,
        isMonotonic: metric.monotonic ?? true,
        dataPoints,
      }
    : {
        descriptor,
        aggregationTemporality: metric.temporality,
        dataPointType: DataPointType.GAUGE,
        dataPoints,
      };
}
