import {
  OTLPMetricExporterBase,
  type OTLPMetricExporterOptions,
} from "@opentelemetry/exporter-metrics-otlp-http";
import type { OTLPExporterNodeConfigBase } from "@opentelemetry/otlp-exporter-base";
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
} from "@opentelemetry/otlp-exporter-base/node-http";
import { MetricsExporterMetricsHelper } from "@opentelemetry/otlp-transformer";
import { createExemplarMetricsSerializer } from "./exemplar-metrics-serializer.js";

/** Component type of the exporter's self-observability metrics, as the official exporters name it. */
const COMPONENT_TYPE = "otlp_http_metric_exporter";

/**
 * The official OTLP/HTTP metric exporter (`OTLPMetricExporterBase` over the official HTTP export
 * delegate: endpoint and header variables, retries with backoff and `Retry-After`, compression,
 * timeouts), with a serializer that also writes the exemplars and zero thresholds the SDK data
 * model does not carry ({@link createExemplarMetricsSerializer}). What the official
 * `@opentelemetry/exporter-metrics-otlp-{proto,http}` classes build, bar the serializer.
 */
export class ExemplarMetricExporter extends OTLPMetricExporterBase {
  constructor(config: OTLPExporterNodeConfigBase & OTLPMetricExporterOptions, encoding: "protobuf" | "json") {
    const contentType = encoding === "json" ? "application/json" : "application/x-protobuf";
    super(
      createOtlpHttpExportDelegate(
        convertLegacyHttpOptions(config, "METRICS", "v1/metrics", { "Content-Type": contentType }),
        createExemplarMetricsSerializer(encoding),
        COMPONENT_TYPE,
        MetricsExporterMetricsHelper,
        undefined,
      ),
      config,
    );
  }
}
