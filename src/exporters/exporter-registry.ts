import type { ExporterName } from "../collector/collector-options.js";
import { createConsoleExporter } from "./console/console-exporter.js";
import { createCsvExporter } from "./csv/csv-exporter.js";
import { createJsonExporter } from "./json/json-exporter.js";
import { createOtlpExporter } from "./otlp/otlp-exporter.js";
import type { ExporterFactory } from "./telemetry-exporter.js";

/**
 * The push and file exporters by name. The Prometheus endpoint is built by the collector itself,
 * since other routes (live page, alerts) share its port.
 */
export const EXPORTER_FACTORIES: Readonly<
  Record<Exclude<ExporterName, "prometheus" | "none">, ExporterFactory<never>>
> = {
  otlp: createOtlpExporter as ExporterFactory<never>,
  json: createJsonExporter as ExporterFactory<never>,
  csv: createCsvExporter as ExporterFactory<never>,
  console: createConsoleExporter as ExporterFactory<never>,
};
