import { AggregationTemporalityPreference } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter as OtlpJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { ExemplarMetricExporter } from "./exemplar-metric-exporter.js";
import type { ResolvedOtlpConfig } from "./otlp-exporter-options.js";

/**
 * The official OTLP exporters (`@opentelemetry/exporter-*-otlp-*`), built from a resolved
 * configuration. This module is the OTLP stack's only static importer: `otlp-exporter.ts` loads
 * it with `import()` when an OTLP exporter starts or first exports, so a collector without OTLP
 * never loads the stack (about 10 ms of a cold import here; docs/benchmarks.md, import time).
 */

/** The metrics exporter of `config`: OTLP/HTTP with protobuf or JSON, exemplars included. */
export function createMetricExporter(config: ResolvedOtlpConfig): ExemplarMetricExporter {
  const temporality =
    config.temporality === undefined
      ? {}
      : {
          temporalityPreference: {
            cumulative: AggregationTemporalityPreference.CUMULATIVE,
            delta: AggregationTemporalityPreference.DELTA,
            lowmemory: AggregationTemporalityPreference.LOWMEMORY,
          }[config.temporality],
        };
  const transport = { ...transportOptions(config.metricsUrl, config), ...temporality };
  // The official exporter base and HTTP transport; its serializer adds exemplars (OTLP data points
  // carry them, the SDK data model does not).
  return new ExemplarMetricExporter(transport, config.metricsProtocol === "http/json" ? "json" : "protobuf");
}

/** The traces exporter of `config`: OTLP/HTTP with protobuf or JSON. */
export function createTraceExporter(
  config: ResolvedOtlpConfig,
): OtlpJsonTraceExporter | OtlpProtoTraceExporter {
  const transport = transportOptions(config.tracesUrl, config);
  return config.tracesProtocol === "http/json"
    ? new OtlpJsonTraceExporter(transport)
    : new OtlpProtoTraceExporter(transport);
}

// The exporters' own option type: its name and module moved between the OpenTelemetry 2.x and
// 3.x lines (`otlp-exporter-base` vs `otlp-exporter-base/node-http`), the shape did not.
type TransportOptions = NonNullable<ConstructorParameters<typeof OtlpProtoTraceExporter>[0]>;

function transportOptions(url: string | undefined, config: ResolvedOtlpConfig): TransportOptions {
  return {
    ...(url === undefined ? {} : { url }),
    ...(config.headers === undefined ? {} : { headers: { ...config.headers } }),
    ...(config.compression === undefined
      ? {}
      : {
          compression: config.compression === "gzip" ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
        }),
    timeoutMillis: config.timeoutMs,
  };
}
