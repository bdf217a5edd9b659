/**
 * zoran-telemetrie: the four golden signals (latency, errors, traffic, saturation) of AI services,
 * on OpenTelemetry, with a Prometheus endpoint. The curated public API: named exports only.
 */

export type { AlertState, AlertStatus } from "./alerting/alert-state.js";
export type { AlertingOptions } from "./alerting/alerting-options.js";
export type {
  ExporterName,
  PrometheusEndpointOptions,
  SaturationOptions,
  TelemetryCollectorOptions,
  WindowOptions,
} from "./collector/collector-options.js";
export type { ExportFormat } from "./collector/export-format.js";
export { TelemetryCollector } from "./collector/telemetry-collector.js";
export type { BasicAuthCredentials } from "./endpoint/authorization.js";
export type { EndpointTlsOptions } from "./endpoint/http-endpoint.js";
export type { RouteHandler } from "./endpoint/route-handler.js";
export type { CsvSerializerOptions } from "./exporters/csv/csv-serializer.js";
export { serializeCsv } from "./exporters/csv/csv-serializer.js";
export { serializeJsonLines } from "./exporters/json/json-lines-serializer.js";
export type {
  PrometheusFormat,
  PrometheusSerializerOptions,
} from "./exporters/prometheus/prometheus-serializer.js";
export { serializePrometheus } from "./exporters/prometheus/prometheus-serializer.js";
export type { PrometheusTextParseOptions } from "./exporters/prometheus/prometheus-text-parser.js";
export { parsePrometheusText } from "./exporters/prometheus/prometheus-text-parser.js";
export type { AiSdkMiddleware, AiSdkMiddlewareOptions } from "./instrument/ai/ai-sdk-middleware.js";
export { aiSdkMiddleware } from "./instrument/ai/ai-sdk-middleware.js";
export {
  GEN_AI_CONTENT_ATTRIBUTE_PREFIXES,
  GenAiContentStripSpanProcessor,
} from "./instrument/ai/gen-ai-content-strip-span-processor.js";
export type { InstrumentOptions } from "./instrument/ai/instrument-client.js";
export type { LangChainCallbackHandler, LangChainHandlerOptions } from "./instrument/ai/langchain-handler.js";
export { langChainHandler } from "./instrument/ai/langchain-handler.js";
export type { AiExchange, AiExchangeOutcome } from "./instrument/ai-exchange.js";
export type { AiExchangeOptions } from "./instrument/ai-exchange-options.js";
export type { AiUsage } from "./instrument/ai-usage.js";
export { readAiUsage } from "./instrument/ai-usage.js";
export type { HttpListenerOptions } from "./instrument/create-http-listener.js";
export { createHttpListener } from "./instrument/create-http-listener.js";
export type { ExpressMiddlewareOptions } from "./instrument/express-middleware.js";
export { expressMiddleware } from "./instrument/express-middleware.js";
export type { FastifyPluginOptions } from "./instrument/fastify-plugin.js";
export { fastifyPlugin } from "./instrument/fastify-plugin.js";
export type { HonoMiddlewareOptions } from "./instrument/hono-middleware.js";
export { honoMiddleware } from "./instrument/hono-middleware.js";
export type { FetchInstrumentationOptions, FetchRequestInfo } from "./instrument/instrument-fetch.js";
export { instrumentFetch, instrumentGlobalFetch } from "./instrument/instrument-fetch.js";
export type { TracedOptions } from "./instrument/traced.js";
export { traced } from "./instrument/traced.js";
export type { WrapOptions } from "./instrument/wrap.js";
export { scrubValue } from "./privacy/scrub-value.js";
export type { CapturedContext, OpenOperation, Recorder } from "./recording/recorder.js";
export type {
  ExchangeAttributes,
  ExemplarFilter,
  SignalAttributes,
  TraceOptions,
} from "./recording/signal-attributes.js";
export type { SignalHandle } from "./recording/signal-handle.js";
export {
  ATTEMPTS_METRIC,
  CACHED_TOKENS_METRIC,
  GEN_AI_METRIC_NAMES,
} from "./signals/gen-ai-metric-definitions.js";
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
  REFUSALS_METRIC,
  REQUESTS_METRIC,
  SATURATION_METRIC,
  TIME_TO_FIRST_TOKEN_METRIC,
  TOKENS_METRIC,
} from "./signals/metric-definitions.js";
