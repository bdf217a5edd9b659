import { JsonMetricsSerializer } from "@opentelemetry/otlp-transformer";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";

const decoder = new TextDecoder();

/**
 * One line of the OpenTelemetry file-exporter format: the snapshot as an OTLP/JSON
 * `ExportMetricsServiceRequest`, with no trailing newline (the caller appends `\n`).
 *
 * The encoding is the official one from `@opentelemetry/otlp-transformer`, so any OTLP/JSON
 * reader (the Collector's `otlpjsonfile` receiver, `jq`, pandas) reads it.
 *
 * @example
 * appendFileSync("metrics.jsonl", `${serializeJsonLines(await collector.collect())}\n`);
 */
export function serializeJsonLines(snapshot: ResourceMetrics): string {
  const bytes = JsonMetricsSerializer.serializeRequest(snapshot);
  if (bytes === undefined) throw new Error("OTLP/JSON serializer returned no data");
  // JSON.stringify escapes newlines inside strings, so the request is always one line.
  return decoder.decode(bytes);
}
