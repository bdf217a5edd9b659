import type { HrTime } from "@opentelemetry/api";
import {
  AggregationTemporality,
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";

type Previous = { readonly endTime: HrTime; readonly value: number | Histogram };

/**
 * Turns the cumulative snapshots of the one snapshot source into delta ones for an OTLP
 * receiver that asks for delta temporality (`temporality: "delta"` / `"lowmemory"`): monotonic
 * sums and explicit-bucket histograms become the change since the previous export; gauges,
 * up-down sums and exponential histograms stay cumulative (the spec's `lowmemory` choice for
 * up-down instruments). A value that went down is a reset: its delta is the new value.
 *
 * Stateful: one instance per exporter, fed every export in order. Delta histograms carry no
 * min/max (a cumulative min cannot be split by interval).
 */
export class DeltaTemporality {
  private previous = new Map<string, Previous>();

  /** The delta view of `snapshot`; remembers it for the next call. */
  convert(snapshot: ResourceMetrics): ResourceMetrics {
    const next = new Map<string, Previous>();
    const scopeMetrics = snapshot.scopeMetrics.map((scope) => ({
      scope: scope.scope,
      metrics: scope.metrics.map((metric) => {
        const prefix = `${scope.scope.name}\u0000${scope.scope.version ?? ""}\u0000${metric.descriptor.name}\u0000`;
        return this.metric(metric, prefix, next);
      }),
    }));
    this.previous = next;
    return { resource: snapshot.resource, scopeMetrics };
  }

  private metric(metric: MetricData, prefix: string, next: Map<string, Previous>): MetricData {
    if (metric.aggregationTemporality !== AggregationTemporality.CUMULATIVE) return metric;
    if (metric.dataPointType === DataPointType.SUM && metric.isMonotonic) {
      const dataPoints = metric.dataPoints.map((point) => {
        const key = prefix + attributeKey(point.attributes);
        const before = this.previous.get(key);
        next.set(key, { endTime: point.endTime, value: point.value });
        const last = typeof before?.value === "number" ? before.value : undefined;
        const value = last !== undefined && point.value >= last ? point.value - last : point.value;
        return { ...point, startTime: before?.endTime ?? point.startTime, value };
      });
      return { ...metric, aggregationTemporality: AggregationTemporality.DELTA, dataPoints };
    }
    if (metric.dataPointType === DataPointType.HISTOGRAM) {
      const dataPoints = metric.dataPoints.map((point): DataPoint<Histogram> => {
        const key = prefix + attributeKey(point.attributes);
        const before = this.previous.get(key);
        next.set(key, { endTime: point.endTime, value: point.value });
        const last = typeof before?.value === "object" ? before.value : undefined;
        const reset = last === undefined || point.value.count < last.count;
        const counts = point.value.buckets.counts.map((count, i) =>
          reset ? count : count - (last.buckets.counts[i] ?? 0),
        );
        return {
          ...point,
          startTime: before?.endTime ?? point.startTime,
          value: {
            buckets: { boundaries: point.value.buckets.boundaries, counts },
            sum: reset ? point.value.sum : (point.value.sum ?? 0) - (last.sum ?? 0),
            count: reset ? point.value.count : point.value.count - last.count,
          },
        };
      });
      return { ...metric, aggregationTemporality: AggregationTemporality.DELTA, dataPoints };
    }
    return metric;
  }
}

/** A stable key of an attribute set (order-independent). Export-time only, never on the hot path. */
function attributeKey(attributes: Record<string, unknown>): string {
  const keys = Object.keys(attributes).sort();
  let key = "";
  for (const name of keys) key += `${name}\u0001${String(attributes[name])}\u0002`;
  return key;
}
