/**
 * zoran-telemetrie: the four golden signals (latency, errors, traffic, saturation) of AI services,
 * on OpenTelemetry, with a Prometheus endpoint. The curated public API: named exports only.
 */

export type {
  ExporterName,
  PrometheusEndpointOptions,
  SaturationOptions,
  TelemetryCollectorOptions,
} from "./collector/collector-options.js";
export type { SignalHandle } from "./collector/signal-handle.js";
export type {
  ExportFormat,
  SignalAttributes,
  TraceOptions,
} from "./collector/telemetry-collector.js";
export { TelemetryCollector } from "./collector/telemetry-collector.js";
export type { RouteHandler } from "./exporters/prometheus/prometheus-exporter.js";
export type {
  PrometheusFormat,
  PrometheusSerializerOptions,
} from "./exporters/prometheus/prometheus-serializer.js";
export { serializePrometheus } from "./exporters/prometheus/prometheus-serializer.js";
export { scrubValue } from "./privacy/scrub-value.js";
export type { GoldenSignal } from "./signals/golden-signals.js";
export { GoldenSignals } from "./signals/golden-signals.js";
export type {
  Direction,
  ErrorType,
  Exchange,
  Outcome,
  ProbeResource,
  TrafficKind,
} from "./signals/label-values.js";
export {
  DIRECTIONS,
  ERROR_TYPES,
  EXCHANGES,
  OUTCOMES,
  PROBE_RESOURCES,
  TRAFFIC_KINDS,
} from "./signals/label-values.js";
export type { MetricDefinition } from "./signals/metric-definitions.js";
export {
  ERRORS_METRIC,
  EXCHANGE_SIZE_METRIC,
  GOLDEN_SIGNAL_METRICS,
  LATENCY_BOUNDS_SECONDS,
  LATENCY_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TOKENS_METRIC,
} from "./signals/metric-definitions.js";
