import { createConsoleExporter } from "./console/console-exporter.js";
import { createCsvExporter } from "./csv/csv-exporter.js";
import { createJsonExporter } from "./json/json-exporter.js";
import { createOtlpExporter } from "./otlp/otlp-exporter.js";
import { createPushgatewayExporter } from "./pushgateway/pushgateway-exporter.js";
import { createRemoteWriteExporter } from "./remote-write/remote-write-exporter.js";
import type { ExporterFactory } from "./telemetry-exporter.js";

/** Names of the exporters a collector can run (`none`: no exporter, `export()` still works). */
export const EXPORTER_NAMES = Object.freeze([
  "prometheus",
  "otlp",
  "json",
  "csv",
  "console",
  "pushgateway",
  "remote_write",
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
  pushgateway: createPushgatewayExporter as ExporterFactory<never>,
  remote_write: createRemoteWriteExporter as ExporterFactory<never>,
};

/** The collector option that holds an exporter's options, when it is not the exporter's name. */
export const EXPORTER_OPTION_KEYS: Readonly<Partial<Record<ExporterName, string>>> = {
  remote_write: "remoteWrite",
};
