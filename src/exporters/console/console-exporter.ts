import type { Attributes } from "@opentelemetry/api";
import {
  type DataPoint,
  DataPointType,
  type Histogram,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { histogramQuantile } from "../../snapshot/histogram-quantile.js";
import { resolveExportIntervalMs, resolveShutdownTimeoutMs } from "../push/export-interval.js";
import { PeriodicSnapshotTask } from "../push/periodic-snapshot-task.js";
import type { ExporterFactory, TelemetryExporter } from "../telemetry-exporter.js";

/** Options of the console exporter (`exporter: "console"`). */
export interface ConsoleExporterOptions {
  /**
   * Time between two printed snapshots, in milliseconds.
   * @default OTEL_METRIC_EXPORT_INTERVAL, else 60000
   */
  readonly intervalMs?: number;
  /**
   * Longest time `shutdown()` waits for its final print, in milliseconds.
   * @default 5000
   */
  readonly shutdownTimeoutMs?: number;
  /** Where the text goes. @default process.stdout */
  readonly stream?: NodeJS.WritableStream;
}

/**
 * The console exporter: every interval, prints the snapshot for a human, one line per data
 * point (`zoran.latency{operation="a"} count=3 sum=0.7 p50=0.2 p99=0.4`). For machines, use
 * the JSON exporter with `stdout: true`.
 *
 * @example
 * createConsoleExporter(setup, { intervalMs: 5_000 });
 */
export const createConsoleExporter: ExporterFactory<ConsoleExporterOptions> = (setup, options = {}) => {
  const name = "console";
  const stream = options.stream ?? process.stdout;
  const task = new PeriodicSnapshotTask({
    name,
    setup,
    intervalMs: resolveExportIntervalMs(options.intervalMs, name, setup.diag),
    shutdownTimeoutMs: resolveShutdownTimeoutMs(options.shutdownTimeoutMs, name, setup.diag),
    write: (snapshot) =>
      new Promise<void>((resolve, reject) => {
        stream.write(formatConsoleSnapshot(snapshot), (error) => (error ? reject(error) : resolve()));
      }),
  });
  const exporter: TelemetryExporter = {
    name,
    async start() {
      task.start();
    },
    forceFlush: () => task.forceFlush(),
    shutdown: () => task.shutdown(),
  };
  return exporter;
};

/** The snapshot as human-readable lines, each ending with a newline. */
export function formatConsoleSnapshot(snapshot: ResourceMetrics): string {
  let out = `# ${new Date().toISOString()} ${String(snapshot.resource.attributes[ATTR_SERVICE_NAME] ?? "")}\n`;
  for (const scope of snapshot.scopeMetrics) {
    for (const metric of scope.metrics) {
      for (const point of metric.dataPoints as DataPoint<unknown>[]) {
        const series = `${metric.descriptor.name}${formatLabels(point.attributes)}`;
        if (metric.dataPointType === DataPointType.HISTOGRAM) {
          const h = point.value as Histogram;
          const layout = {
            boundaries: h.buckets.boundaries,
            counts: h.buckets.counts,
            min: h.min,
            max: h.max,
          };
          const p50 = histogramQuantile(0.5, layout.boundaries, layout.counts, layout);
          const p99 = histogramQuantile(0.99, layout.boundaries, layout.counts, layout);
          out += `${series} count=${h.count} sum=${h.sum ?? ""} p50=${p50 ?? ""} p99=${p99 ?? ""}\n`;
        } else if (metric.dataPointType !== DataPointType.EXPONENTIAL_HISTOGRAM) {
          out += `${series} ${String(point.value)}\n`;
        }
      }
    }
  }
  return out;
}

function formatLabels(attributes: Attributes): string {
  const pairs = Object.keys(attributes)
    .sort()
    .map((key) => `${key}=${JSON.stringify(String(attributes[key]))}`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}
