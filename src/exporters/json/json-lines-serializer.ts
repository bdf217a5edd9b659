import { createRequire } from "node:module";
import type { JsonMetricsSerializer } from "@opentelemetry/otlp-transformer";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";

const decoder = new TextDecoder();

let serializer: typeof JsonMetricsSerializer | undefined;

/**
 * `@opentelemetry/otlp-transformer`, loaded on the first line serialized rather than with the
 * package (it loads the OTLP protobuf code too: about 5 ms of a cold import here; docs/benchmarks.md,
 * import time). A `require`, since `serializeJsonLines` is synchronous: the package is CommonJS
 * in Node (no `exports` map), so this is the module instance an `import` gives.
 */
function jsonMetricsSerializer(): typeof JsonMetricsSerializer {
  serializer ??= (
    createRequire(import.meta.url)("@opentelemetry/otlp-transformer") as {
      JsonMetricsSerializer: typeof JsonMetricsSerializer;
    }
  ).JsonMetricsSerializer;
  return serializer;
}

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
  const bytes = jsonMetricsSerializer().serializeRequest(snapshot);
  if (bytes === undefined) throw new Error("OTLP/JSON serializer returned no data");
  // JSON.stringify escapes newlines inside strings, so the request is always one line.
  return decoder.decode(bytes);
}
