import {
  AggregationTemporalityPreference,
  OTLPMetricExporter as OtlpJsonMetricExporter,
} from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as OtlpProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as OtlpJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { CompressionAlgorithm, type OTLPExporterNodeConfigBase } from "@opentelemetry/otlp-exporter-base";
import type { ResolvedOtlpConfig } from "./otlp-exporter-options.js";

/**
 * The official OTLP exporters (`@opentelemetry/exporter-*-otlp-*`), built from a resolved
 * configuration. This module is the OTLP stack's only static importer: `otlp-exporter.ts` loads
 * it with `import()` when an OTLP exporter starts or first exports, so a collector without OTLP
 * never loads the stack (about 10 ms of a cold import here; docs/benchmarks.md, import time).
 */

/** The metrics exporter of `config`: OTLP/HTTP with protobuf or JSON. */
export function createMetricExporter(
  config: ResolvedOtlpConfig,
): OtlpJsonMetricExporter | OtlpProtoMetricExporter {
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
  return config.metricsProtocol === "http/json"
    ? new OtlpJsonMetricExporter(transport)
    : new OtlpProtoMetricExporter(transport);
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

function transportOptions(url: string | undefined, config: ResolvedOtlpConfig): OTLPExporterNodeConfigBase {
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
