import {
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { exemplarsOf, nativeOf } from "../../snapshot/point-extensions.js";

/**
 * The snapshot as OTLP sends it with native histograms on (`nativeHistograms: true`, or
 * `OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION=base2_exponential_bucket_histogram`):
 * each explicit-bucket histogram whose points all carry the store's exponential form (the latency)
 * becomes an OpenTelemetry `ExponentialHistogram` metric. An OTLP metric has one data type, so
 * the classic buckets stay for `/metrics` only. Points keep their exemplars, and their values
 * the zero threshold (`NativeHistogram`), which `exemplar-metrics-serializer.ts` writes.
 */
export function withExponentialHistograms(snapshot: ResourceMetrics): ResourceMetrics {
  let changed = false;
  const scopeMetrics = snapshot.scopeMetrics.map((scope) => {
    const metrics = scope.metrics.map((metric) => {
      const exponential = exponentialOf(metric);
      if (exponential !== metric) changed = true;
      return exponential;
    });
    return { scope: scope.scope, metrics };
  });
  return changed ? { resource: snapshot.resource, scopeMetrics } : snapshot;
}

function exponentialOf(metric: MetricData): MetricData {
  if (metric.dataPointType !== DataPointType.HISTOGRAM || metric.dataPoints.length === 0) return metric;
  const points = metric.dataPoints as DataPoint<Histogram>[];
  if (!points.every((point) => nativeOf(point) !== undefined)) return metric;
  return {
    descriptor: metric.descriptor,
    aggregationTemporality: metric.aggregationTemporality,
    dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
    dataPoints: points.map((point) => {
      const exemplars = exemplarsOf(point);
      return {
        startTime: point.startTime,
        endTime: point.endTime,
        attributes: point.attributes,
        value: nativeOf(point)!,
        ...(exemplars === undefined ? {} : { exemplars }),
      };
    }),
  };
}
