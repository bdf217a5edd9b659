import { createConsoleExporter } from "./console/console-exporter.js";
import { createCsvExporter } from "./csv/csv-exporter.js";
import { createJsonExporter } from "./json/json-exporter.js";
import { createOtlpExporter } from "./otlp/otlp-exporter.js";
import type { ExporterFactory } from "./telemetry-exporter.js";

/** Names of the exporters a collector can run (`none`: no exporter, `export()` still works). */
export const EXPORTER_NAMES = Object.freeze([
  "prometheus",
  "otlp",
  "json",
  "csv",
  "console",
  "none",
] as const);

/** One of {@link EXPORTER_NAMES}. */
export type ExporterName = (typeof EXPORTER_NAMES)[number];

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
