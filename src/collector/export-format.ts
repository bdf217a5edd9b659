import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { serializeCsv } from "../exporters/csv/csv-serializer.js";
import { serializeJsonLines } from "../exporters/json/json-lines-serializer.js";
import type { ExpositionReport } from "../exporters/prometheus/exposition-conflicts.js";
import { serializePrometheus } from "../exporters/prometheus/prometheus-serializer.js";

/** Snapshot formats of `TelemetryCollector.export`. */
export type ExportFormat = "prometheus" | "openmetrics" | "json" | "csv";

/** How Prometheus pages are written (the collector's settings and conflict report). */
export interface ExpositionSettings {
  readonly withoutScopeInfo: boolean;
  readonly report?: ExpositionReport | undefined;
}

/** `snapshot` in `format`: text 0.0.4, OpenMetrics 1.0, one OTLP JSON line, or CSV rows. */
export function serializeSnapshot(
  snapshot: ResourceMetrics,
  format: ExportFormat,
  exposition: ExpositionSettings = { withoutScopeInfo: false },
): string {
  switch (format) {
    case "prometheus":
      return serializePrometheus(snapshot, { format: "text", ...exposition });
    case "openmetrics":
      return serializePrometheus(snapshot, { format: "openmetrics", ...exposition });
    case "json":
      return serializeJsonLines(snapshot);
    case "csv":
      return serializeCsv(snapshot);
    default:
      throw new TypeError("zoran-telemetrie: export() format must be prometheus, openmetrics, json or csv");
  }
}
