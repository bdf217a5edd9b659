/**
 * Where our metrics land in Elasticsearch when they go through the OpenTelemetry Collector's
 * Elasticsearch exporter in `otel` mapping mode (the default of recent releases; set it explicitly
 * with `mapping: { mode: otel }`): one document per
 * timestamp and attribute set, the data point under `metrics.<instrument name>`, data point
 * attributes under `attributes.*`, resource attributes under `resource.attributes.*`.
 * Source: opentelemetry-collector-contrib `exporter/elasticsearchexporter`
 * (`internal/serializer/otelserializer/metrics.go`, `internal/datapoints/*.go`) and README.
 */
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { MetricDefinition } from "../signals/metric-definitions.js";

/** Data stream the exporter writes metrics to by default in `otel` mode (`data_stream.dataset` gets `.otel`). */
export const OTEL_METRICS_DATA_STREAM = "metrics-generic.otel-default";

/** Index pattern of the data view: every namespace of the generic OpenTelemetry metrics data stream. */
export const OTEL_METRICS_INDEX_PATTERN = "metrics-generic.otel-*";

/** Time field of every document (the data point's timestamp). */
export const TIMESTAMP_FIELD = "@timestamp";

/** Field of a metric's data point: `metrics.zoran.requests` (a histogram becomes an ES `histogram` field). */
export function metricField(metric: MetricDefinition): string {
  return `metrics.${metric.name}`;
}

/** Field of a data point attribute (a label in Prometheus): `attributes.operation`. */
export function attributeField(label: string): string {
  return `attributes.${label}`;
}

/** Field of a resource attribute: `resource.attributes.service.name`. */
export function resourceAttributeField(key: string): string {
  return `resource.attributes.${key}`;
}

/** The service of a document (`service.name` of the OpenTelemetry resource; `job` in Prometheus). */
export const SERVICE_FIELD = resourceAttributeField(ATTR_SERVICE_NAME);
